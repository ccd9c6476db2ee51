"""Eight replies streaming at once into one workspace: chat.update calls against its budget.

`python -m bench.stream_budget` prints its numbers; it is not a test and exits 0 on a missed
goal. Needs Redis on 127.0.0.1:6379 (it uses db 14 and flushes it; `--redis-url` for
another db, e.g. while other benchmarks run).

Measured: eight signed app_mentions are sent to the real app at once; `python -m jobs.worker
--processes 8` answers them, each reply streamed by the scripted Claude for about
`--stream-s` seconds, and posted through the real path (placeholder, throttled chat.update at
STREAM_UPDATE_INTERVAL_S = 1 s per reply, the shared budget). The Slack stand-in counts every
chat.update it admits for the workspace (`sandbox/slack_limits.py`): the busiest 60 s window
and the mean rate while the replies streamed. Goal: the busiest minute within
SLACK_CHAT_UPDATE_PER_MINUTE, and every reply's final text complete in its thread.
Baseline: the same run with the budget raised to 600/min, i.e. only each reply's own 1 s
throttle (what every worker did before the shared budget).
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import dataclass
from typing import Any

from bench._env import (
    BOT_USER,
    CHANNEL,
    HUMAN,
    REDIS_BENCH_URL,
    SIGNING_SECRET,
    TEAM,
    BenchEnv,
    bench_env,
)
from bench._servers import served
from sandbox.claude_api import TextReply
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.worker_command import worker_command

REPLIES = 8
BUDGET_PER_MINUTE = 40
UNBOUNDED_PER_MINUTE = 600  # the setting's maximum: for 8 streams, no shared limit at all
CHUNK_CHARS = 24
DONE_SLACK_S = 120.0  # after the streams' own length, how long the replies may take to land


@dataclass(frozen=True)
class Run:
    label: str
    per_minute: int
    updates: int
    peak_per_minute: int
    mean_per_minute: float
    streaming_s: float
    complete: int
    all_done_s: float  # from sending the mentions until every final text was in Slack


def _answer(n: int, stream_s: float) -> tuple[str, TextReply]:
    """A plain-text answer (nothing to escape) streamed over about `stream_s` seconds."""
    words = " ".join(f"w{n}x{i}" for i in range(int(stream_s * 4)))
    text = f"Reply {n} begins. {words} Reply {n} is complete."
    chunks = max(1, len(text) // CHUNK_CHARS)
    return text, TextReply(text, chunk_chars=CHUNK_CHARS, delay_per_chunk_s=stream_s / chunks)


def _matcher(tag: str) -> Any:
    def match(body: dict[str, Any]) -> bool:
        return any(tag in str(message.get("content")) for message in body.get("messages", []))

    return match


def run(env: BenchEnv, label: str, per_minute: int, stream_s: float) -> Run:
    env.slack.reset()
    env.redis.flushdb()
    settings = env.settings_for(
        f"{label}.db",
        slack_chat_update_per_minute=per_minute,
        worker_processes=REPLIES,
        enqueue_grace_s=0.0,
        queue_name="bench-stream-budget",
    )
    workdir = str(env.workdir)
    expected: dict[str, str] = {}  # asked ts -> the reply's complete text
    mentions: list[dict[str, Any]] = []
    with (
        served("real", settings, workdir) as app,
        worker_command(settings, env.workdir / f"worker-{REPLIES}.log", REPLIES),
    ):
        sender = SlackRequestSender(app.url, SIGNING_SECRET, team_id=TEAM)
        time.sleep(3.0)  # let the worker processes come up and register
        for n in range(REPLIES):
            tag = f"[{label} reply {n}]"
            text, reply = _answer(n, stream_s)
            env.claude.script_for(_matcher(tag), reply)
            asked_text = f"<@{BOT_USER}> write a short note {tag}"
            asked = env.slack.add_message(CHANNEL, user=HUMAN, text=asked_text)
            expected[asked] = text
            mentions.append(
                app_mention_event(user=HUMAN, channel=CHANNEL, text=asked_text, ts=asked, team=TEAM)
            )
        sent = time.monotonic()
        for event in mentions:
            if sender.send_event(event).status != 200:
                raise RuntimeError("the app refused a mention")

        def finished() -> int:
            """Replies whose messages (a long one is split) read exactly as the answer."""
            return sum(
                " ".join(str(m["text"]) for m in env.slack.messages(CHANNEL, asked)[1:]).split()
                == text.split()
                for asked, text in expected.items()
            )

        env.slack.wait_for(lambda: finished() == REPLIES, timeout_s=stream_s + DONE_SLACK_S)
        all_done_s = time.monotonic() - sent
        complete = finished()
    times = env.slack.limits.admitted(TEAM, "chat.update")
    streaming_s = (times[-1] - times[0]) if len(times) > 1 else 0.0
    return Run(
        label=label,
        per_minute=per_minute,
        updates=len(times),
        peak_per_minute=env.slack.limits.peak(TEAM, "chat.update"),
        mean_per_minute=len(times) / streaming_s * 60 if streaming_s else 0.0,
        streaming_s=streaming_s,
        complete=complete,
        all_done_s=all_done_s,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream-s", type=float, default=75.0, help="how long each reply streams")
    parser.add_argument("--redis-url", default=REDIS_BENCH_URL, help="a Redis db to flush and use")
    args = parser.parse_args(argv)
    print(f"{REPLIES} replies streaming at once, each ~{args.stream_s:.0f} s, one workspace")
    print(f"python {platform.python_version()} on {platform.machine()}")
    with bench_env(args.redis_url) as env:
        runs = [
            run(env, "shared", BUDGET_PER_MINUTE, args.stream_s),
            run(env, "baseline", UNBOUNDED_PER_MINUTE, args.stream_s),
        ]
    print(
        f"{'run':<9} {'budget/min':>10} {'updates':>8} {'peak/60s':>9} {'mean/min':>9} "
        f"{'span s':>7} {'complete':>9} {'all done s':>11}"
    )
    for r in runs:
        print(
            f"{r.label:<9} {r.per_minute:>10} {r.updates:>8} {r.peak_per_minute:>9} "
            f"{r.mean_per_minute:>9.1f} {r.streaming_s:>7.1f} {r.complete:>6}/{REPLIES}"
            f" {r.all_done_s:>11.1f}"
        )
    shared = runs[0]
    met = shared.peak_per_minute <= BUDGET_PER_MINUTE and shared.complete == REPLIES
    print(
        f"goal (peak <= {BUDGET_PER_MINUTE}/min, all {REPLIES} final texts complete): "
        f"{'met' if met else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
