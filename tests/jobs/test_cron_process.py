"""The worker command's scheduler process, stopped before its scheduler started."""

from __future__ import annotations

import pytest

from jobs.rituals import cron


def test_a_scheduler_stopped_while_it_starts_exits_quietly(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C reaches every process of the group; the scheduler's may still be building its
    runtime (under load, seconds). It must end at once, with no traceback."""

    class HalfBuilt:
        def __del__(self) -> None:  # as the Anthropic client's, interrupted in __init__
            raise AttributeError("half built")

    def interrupted(*_args: object) -> None:
        half = HalfBuilt()  # noqa: F841  (its finalizer would run as the frame unwinds)
        raise KeyboardInterrupt

    monkeypatch.setattr(cron, "when_database_answers", interrupted)
    process = cron.CronProcess()
    process.start()
    assert process.process is not None
    process.process.join(30)
    assert process.process.exitcode == 0
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception ignored" not in err, err
