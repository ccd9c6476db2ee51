"""Claude failing: retried with backoff, and said plainly in the thread when retries are spent."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from jobs.agent.turns import FAILURE_TEXT, REFUSED_TEXT
from jobs.claude import client as llm
from jobs.runtime import Runtime
from models.records import LlmCall, Turn, TurnStatus
from sandbox.claude_api import ErrorReply, MidStreamError, ScriptedClaude, TextReply
from sandbox.signing import app_mention_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_USER, CHANNEL_GENERAL, DM_CHANNEL, HUMAN, ServedApp, work

THREAD = f"{int(time.time()) - 60}.000100"


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llm, "BACKOFF_BASE_S", 0.01)


def _ask(bolt: ServedApp) -> None:
    event = app_mention_event(
        user=HUMAN,
        channel=CHANNEL_GENERAL,
        text=f"<@{BOT_USER}> seo: keywords for AI analytics?",
        ts=THREAD,
    )
    assert bolt.sender.send_event(event).status == 200


def _bot_messages(slack: SlackStandIn) -> list[dict[str, object]]:
    return [m for m in slack.messages(CHANNEL_GENERAL, THREAD) if m.get("bot_id")]


def _turn_and_calls(rt: Runtime) -> tuple[Turn, list[LlmCall]]:
    with rt.sessions() as session:
        turn = session.scalars(select(Turn)).one()
        calls = list(session.scalars(select(LlmCall).order_by(LlmCall.created_at)))
    return turn, calls


def test_overloaded_then_success_gives_one_answer(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(
        ErrorReply(status=529, retry_after_s=0.01), TextReply("Primary: *AI analytics platform*.")
    )
    _ask(bolt)
    work(runtime)

    [reply] = _bot_messages(slack)
    assert reply["text"] == "Primary: *AI analytics platform*."
    assert reply["username"] == "SEO Specialist"
    assert len(claude.requests) == 2  # the client retried the 529
    turn, calls = _turn_and_calls(runtime)
    assert turn.status == TurnStatus.ANSWERED.value
    assert [c.status for c in calls] == ["ok"]


def test_overload_mid_stream_is_retried_and_the_partial_text_replaced(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(
        MidStreamError(text_before="Primary keyword: *AI ana"),
        TextReply("Primary: *AI analytics software*."),
    )
    _ask(bolt)
    work(runtime)

    [reply] = _bot_messages(slack)
    assert reply["text"] == "Primary: *AI analytics software*."
    _, calls = _turn_and_calls(runtime)
    assert [c.status for c in calls] == ["error", "ok"]
    assert calls[0].error == "200:overloaded_error"


def test_retries_exhausted_says_so_plainly_and_fails_the_turn(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(*[ErrorReply(status=529, retry_after_s=0.01) for _ in range(3)])
    _ask(bolt)
    work(runtime)

    [reply] = _bot_messages(slack)
    assert reply["text"] == FAILURE_TEXT
    assert reply["username"] == "SEO Specialist"
    assert len(claude.requests) == 3  # the first try and the client's two retries
    turn, calls = _turn_and_calls(runtime)
    assert turn.status == TurnStatus.FAILED.value
    assert turn.error == "529:overloaded_error"
    assert [c.status for c in calls] == ["error"]
    assert "529" not in str(reply["text"]) and "overloaded_error" not in str(reply["text"])


def test_a_bad_request_is_not_retried(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(ErrorReply(status=400, error_type="invalid_request_error", message="bad"))
    _ask(bolt)
    work(runtime)
    assert len(claude.requests) == 1
    turn, _ = _turn_and_calls(runtime)
    assert turn.status == TurnStatus.FAILED.value
    [reply] = _bot_messages(slack)
    assert reply["text"] == REFUSED_TEXT


def test_slack_rate_limit_is_waited_out(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply("Keyword set ready."))
    slack.fail_next("chat.postMessage", status=429, retry_after_s=1)
    _ask(bolt)
    work(runtime)
    [reply] = _bot_messages(slack)
    assert reply["text"] == "Keyword set ready."
    posts = slack.calls_to("chat.postMessage")
    assert [call.status for call in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.9  # honoured Retry-After


def test_slack_outage_mid_turn_is_retried_by_the_sweeper(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """A turn that crashes (here: Slack answers 500 beyond the client's retries) is handed
    back at once and answered on the sweeper's next pass, once."""
    from jobs.sweeper import sweep

    # The thread's status (not a placeholder post) is the first sign, so the first run's
    # Claude call is made before Slack fails the first post: the retry asks Claude again.
    claude.enqueue(TextReply("Keyword set ready."))
    claude.enqueue(TextReply("Keyword set ready."))
    slack.fail_next("chat.postMessage", status=500, error="internal_error", times=3)
    _ask(bolt)
    work(runtime)  # the run fails: the 500s outlast slack_sdk's two retries
    turn, _ = _turn_and_calls(runtime)
    assert turn.status == TurnStatus.RUNNING.value and turn.attempts == 1
    assert _bot_messages(slack) == []

    assert sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=0) == [
        turn.id
    ]
    work(runtime)

    [reply] = _bot_messages(slack)
    assert reply["text"] == "Keyword set ready."
    turn, _ = _turn_and_calls(runtime)
    assert (turn.status, turn.attempts) == (TurnStatus.ANSWERED.value, 2)


def test_a_turn_that_keeps_crashing_is_failed_with_a_message(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """Retries of a crashing turn are bounded: past MAX_TURN_ATTEMPTS it fails, and says so."""
    from jobs.agent.turns import GAVE_UP_TEXT, MAX_TURN_ATTEMPTS

    _ask(bolt)
    with runtime.sessions() as session:
        turn = session.scalars(select(Turn)).one()
        turn.attempts = MAX_TURN_ATTEMPTS  # three runs already died
        session.commit()
    work(runtime)

    [reply] = _bot_messages(slack)
    assert reply["text"] == GAVE_UP_TEXT
    turn, calls = _turn_and_calls(runtime)
    assert (turn.status, turn.error) == (TurnStatus.FAILED.value, "too_many_attempts")
    assert calls == [] and claude.requests == []  # no more spending on a doomed turn


def test_a_channel_the_app_was_removed_from_ends_the_turn_and_the_person_is_told(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """`channel_not_found` will not change on a retry: the turn fails at once instead of
    going back to the sweeper every few seconds forever, and the person hears in a DM."""
    from jobs.sweeper import sweep

    slack.fail_next("conversations.info", status=200, error="channel_not_found", times=50)
    _ask(bolt)
    work(runtime)

    turn, calls = _turn_and_calls(runtime)
    assert (turn.status, turn.error, turn.attempts) == (
        TurnStatus.FAILED.value,
        "channel_unreachable",
        1,
    )
    assert sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=0) == []
    assert calls == [] and claude.requests == []
    [notice] = [m for m in slack.messages(DM_CHANNEL) if m.get("bot_id")]
    assert f"<#{CHANNEL_GENERAL}>" in notice["text"] and "Invite me back" in notice["text"]
    assert _bot_messages(slack) == []


def test_a_turn_that_cannot_even_say_it_gave_up_still_ends(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """Past MAX_TURN_ATTEMPTS the turn ends even when its thread cannot be written to."""
    from jobs.agent.turns import GAVE_UP_TEXT, MAX_TURN_ATTEMPTS

    _ask(bolt)
    with runtime.sessions() as session:
        turn = session.scalars(select(Turn)).one()
        turn.attempts = MAX_TURN_ATTEMPTS
        session.commit()
    slack.fail_next("conversations.info", status=500, error="internal_error", times=50)
    work(runtime)

    turn, _ = _turn_and_calls(runtime)
    assert (turn.status, turn.error) == (TurnStatus.FAILED.value, "too_many_attempts")
    assert [m["text"] for m in slack.messages(DM_CHANNEL) if m.get("bot_id")] == [GAVE_UP_TEXT]
