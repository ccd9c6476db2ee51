"""In a DM an answer to a top-level message goes into the DM itself, and the DM remembers:
the next top-level message's turn sees the earlier exchange. Thread replies stay threaded."""

from __future__ import annotations

from jobs.runtime import Runtime
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import im_message_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import DM_CHANNEL, HUMAN, ServedApp, work
from tests.test_welcome import already_welcomed

FIRST_ANSWER = "Focus on retention: churn cost us most last quarter."


def _dm(bolt: ServedApp, slack: SlackStandIn, text: str, thread_ts: str | None = None) -> str:
    ts = slack.add_message(DM_CHANNEL, user=HUMAN, text=text, thread_ts=thread_ts)
    event = im_message_event(user=HUMAN, channel=DM_CHANNEL, text=text, ts=ts, thread_ts=thread_ts)
    assert bolt.sender.send_event(event).status == 200
    return ts


def test_a_dm_answer_is_not_threaded_and_the_dm_remembers(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    already_welcomed(runtime)  # the welcome of a first DM has its own tests
    claude.enqueue(TextReply(FIRST_ANSWER))
    claude.enqueue(TextReply("Start with the onboarding emails."))
    _dm(bolt, slack, "what should we focus on next quarter?")
    work(runtime)
    _dm(bolt, slack, "where do we start?")
    work(runtime)

    top = [m for m in slack.messages(DM_CHANNEL) if m.get("thread_ts") is None]
    assert [m.get("username") for m in top] == [None, "CMO", None, "CMO"]
    assert top[1]["text"] == FIRST_ANSWER
    second = claude.requests[-1].body["messages"]
    said = " ".join(str(m["content"]) for m in second)
    assert "what should we focus on next quarter?" in said and FIRST_ANSWER in str(
        second[1]["content"]
    )
    assert second[1]["role"] == "assistant" and second[-1]["role"] == "user"


def test_a_reply_in_a_dm_thread_stays_in_its_thread(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply("In the thread."))
    parent = slack.add_message(DM_CHANNEL, user=HUMAN, text="an earlier note")
    _dm(bolt, slack, "and about this?", thread_ts=parent)
    work(runtime)

    [reply] = [m for m in slack.messages(DM_CHANNEL, parent) if m.get("bot_id")]
    assert reply["thread_ts"] == parent and reply["text"] == "In the thread."
