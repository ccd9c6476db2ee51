"""Slack's assistant pane and the message shortcut (issue 19), through signed requests."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bots.examples import load_examples
from jobs.runtime import Runtime
from models.records import Turn
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import im_message_event
from sandbox.slack_interactions import view_submission
from sandbox.web_assistant import assistant_thread_started_event, message_action_payload
from tests.conftest import BOT_TOKEN, CHANNEL_CONTENT, DM_CHANNEL, HUMAN, TEAM, ServedApp, work


def _start_thread(bolt: ServedApp, slack: SlackStandIn) -> str:
    thread_ts = slack.add_message(DM_CHANNEL, user=HUMAN, text="New assistant thread")
    event = assistant_thread_started_event(
        user=HUMAN, channel=DM_CHANNEL, thread_ts=thread_ts, team=TEAM, viewing=CHANNEL_CONTENT
    )
    assert bolt.sender.send_event(event).status == 200
    return thread_ts


def test_a_new_assistant_thread_is_greeted_with_the_examples_as_prompts(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    thread_ts = _start_thread(bolt, slack)
    work(runtime)
    work(runtime)  # a second run of the same job (a retry) posts no second greeting

    [greeting] = [m for m in slack.messages(DM_CHANNEL, thread_ts) if m.get("bot_id")]
    assert greeting["username"] == "CMO" and "I'm the CMO" in greeting["text"]
    pane = slack.workspace.assistant[(DM_CHANNEL, thread_ts)]
    prompts = [(p["title"], p["message"]) for p in pane["prompts"]]
    assert prompts == [(e.label, e.text) for e in load_examples().prompts]


def test_a_message_in_the_assistant_thread_is_a_turn_the_cmo_answers_there(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    thread_ts = _start_thread(bolt, slack)
    work(runtime)
    claude.enqueue(TextReply("Start with the buyer's top three questions."))
    asked = f"{time.time() + 1:.6f}"
    event = im_message_event(
        user=HUMAN,
        channel=DM_CHANNEL,
        text="what should our launch post cover?",
        ts=asked,
        thread_ts=thread_ts,
    )
    assert bolt.sender.send_event(event).status == 200
    work(runtime)

    answers = [m for m in slack.messages(DM_CHANNEL, thread_ts) if m.get("bot_id")]
    assert [m["username"] for m in answers] == ["CMO", "CMO"]
    assert answers[-1]["text"] == "Start with the buyer's top three questions."
    with runtime.sessions() as session:
        [turn] = session.scalars(select(Turn)).all()
        assert (turn.source, turn.thread_ts, turn.status) == ("message.im", thread_ts, "answered")


@pytest.mark.parametrize(
    ("method", "args", "error"),
    [
        (
            "assistant.threads.setSuggestedPrompts",
            {
                "channel_id": "D0NOPE",
                "thread_ts": "1.0",
                "prompts": [{"title": "a", "message": "b"}],
            },
            "channel_not_found",
        ),
        (
            "assistant.threads.setSuggestedPrompts",
            {"channel_id": DM_CHANNEL, "thread_ts": "1.0", "prompts": []},
            "invalid_arguments",
        ),
        (
            "assistant.threads.setSuggestedPrompts",
            {
                "channel_id": DM_CHANNEL,
                "thread_ts": "1.0",
                "prompts": [{"title": "a", "message": "b"}] * 5,
            },
            "invalid_arguments",
        ),
        (
            "assistant.threads.setSuggestedPrompts",
            {"channel_id": DM_CHANNEL, "thread_ts": "1.0", "prompts": [{"title": "a"}]},
            "invalid_arguments",
        ),
        (
            "assistant.threads.setSuggestedPrompts",
            {"channel_id": DM_CHANNEL, "prompts": [{"title": "a", "message": "b"}]},
            "invalid_arguments",
        ),
        (
            "assistant.threads.setTitle",
            {"channel_id": DM_CHANNEL, "thread_ts": "1.0"},
            "invalid_arguments",
        ),
        ("conversations.setTopic", {"channel": CHANNEL_CONTENT, "topic": "x" * 251}, "too_long"),
        (
            "conversations.setTopic",
            {"channel": DM_CHANNEL, "topic": "hello"},
            "method_not_supported_for_channel_type",
        ),
    ],
)
def test_the_stand_in_refuses_what_slack_refuses(
    slack: SlackStandIn, method: str, args: dict[str, object], error: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=BOT_TOKEN, base_url=slack.url).api_call(method, json=args)
    assert refused.value.response["error"] == error


def test_a_topic_is_set_only_where_the_app_is(slack: SlackStandIn) -> None:
    slack.add_channel("C0OUTSIDE", "mkt-outside", is_member=False)
    client = WebClient(token=BOT_TOKEN, base_url=slack.url)
    with pytest.raises(SlackApiError) as refused:
        client.conversations_setTopic(channel="C0OUTSIDE", topic="hello")
    assert refused.value.response["error"] == "not_in_channel"
    client.conversations_setTopic(channel=CHANNEL_CONTENT, topic="Content team")
    assert (
        client.conversations_info(channel=CHANNEL_CONTENT)["channel"]["topic"]["value"]
        == "Content team"
    )


def _shortcut(bolt: ServedApp, slack: SlackStandIn, channel: str, ts: str) -> dict[str, Any]:
    payload = message_action_payload(slack, HUMAN, channel, ts, "send-to-department")
    assert payload is not None
    assert bolt.sender.send_interaction(payload).status == 200
    [modal] = slack.workspace.views.for_user(HUMAN)["modals"]
    return dict(modal)


def _submit(
    bolt: ServedApp, slack: SlackStandIn, modal: dict[str, Any], agent: str, what: str
) -> dict[str, Any]:
    values = {
        "agent": {"agent": {"type": "static_select", "selected_option": {"value": agent}}},
        "what": {"what": {"type": "plain_text_input", "value": what}},
    }
    response = bolt.sender.send_interaction(
        view_submission(slack, user=HUMAN, view=modal, values=values)
    )
    assert response.status == 200
    answer: dict[str, Any] = json.loads(response.body or b"{}")
    return answer


def test_the_message_shortcut_starts_a_turn_of_the_chosen_agent_in_the_messages_thread(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    posted = slack.add_message(
        CHANNEL_CONTENT,
        user="U0SAM",
        text="Our webinar moved to &lt;b&gt;Friday&lt;/b&gt; &amp; 3pm",  # Slack's wire form
    )
    modal = _shortcut(bolt, slack, CHANNEL_CONTENT, posted)
    select_ = modal["blocks"][0]["element"]
    assert len(select_["options"]) == len(runtime.roster.agents)
    assert select_["initial_option"]["text"]["text"] == "CMO"

    assert _submit(bolt, slack, modal, "copywriter", "   ") == {
        "response_action": "errors",
        "errors": {"what": "Say what the agent should do with this message."},
    }
    assert _submit(bolt, slack, modal, "nobody", "a post") == {
        "response_action": "errors",
        "errors": {"agent": "Pick one of the department's agents."},
    }
    with runtime.sessions() as session:
        assert session.scalars(select(Turn)).all() == []  # a refusal changes nothing

    claude.enqueue(TextReply("Two lines for the reminder, ready."))
    assert _submit(bolt, slack, modal, "copywriter", "write a reminder for LinkedIn") == {}
    work(runtime)

    [answer] = [m for m in slack.messages(CHANNEL_CONTENT, posted) if m.get("bot_id")]
    assert answer["username"] == "Copywriter" and answer["thread_ts"] == posted
    with runtime.sessions() as session:
        [turn] = session.scalars(select(Turn)).all()
    assert turn.source == "shortcut" and turn.agent_id == "copywriter"
    assert turn.text.startswith("copywriter: write a reminder for LinkedIn")
    assert "from <@U0SAM>" in turn.text and "https://" in turn.text  # author and permalink
    assert "> Our webinar moved to <b>Friday</b> & 3pm" in turn.text
    asked = json.dumps(claude.requests[-1].body)
    assert "write a reminder for LinkedIn" in asked and "Our webinar moved" in asked


def test_the_shortcut_joins_a_public_channel_and_refuses_a_private_one_in_the_modal(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    slack.add_channel("C0PUBLIC", "launch", is_member=False)
    slack.add_channel("C0SECRET", "secret", is_private=True, is_member=False)
    public = slack.add_message("C0PUBLIC", user="U0SAM", text="Launch moved")
    secret = slack.add_message("C0SECRET", user="U0SAM", text="Pricing draft")

    payload = message_action_payload(slack, HUMAN, "C0SECRET", secret, "send-to-department")
    assert payload is not None and bolt.sender.send_interaction(payload).status == 200
    [modal] = slack.workspace.views.for_user(HUMAN)["modals"]
    refused = _submit(bolt, slack, dict(modal), "copywriter", "summarise this")
    assert refused["errors"]["what"].startswith("I can't post in that conversation")

    modal = _shortcut(bolt, slack, "C0PUBLIC", public)
    assert _submit(bolt, slack, modal, "copywriter", "summarise this") == {}
    assert [c.args["channel"] for c in slack.calls_to("conversations.join")] == ["C0PUBLIC"]
    with runtime.sessions() as session:
        [turn] = session.scalars(select(Turn)).all()
    assert (turn.channel_id, turn.thread_ts) == ("C0PUBLIC", public)
