"""The App Home tab: what waits for a decision, and the audit trail of decisions."""

from __future__ import annotations

import json

from jobs.runtime import Runtime
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import app_home_opened_event
from tests.conftest import DM_CHANNEL, ServedApp, work
from tests.test_approval_flow import MARIA, _click, _is, _to_the_card, people

__all__ = ["people"]  # the fixture, used by name


def _open_home(bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, user: str) -> str:
    response = bolt.sender.send_event(app_home_opened_event(user=user, channel=DM_CHANNEL))
    assert response.status == 200
    work(runtime)
    home = slack.workspace.views.for_user(user)["home"]
    assert home is not None and home["type"] == "home"
    return json.dumps(home["blocks"], ensure_ascii=False)


def test_home_shows_the_waiting_card_then_the_decision(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, people: None
) -> None:
    assert "Nothing is waiting for a person right now." in _open_home(bolt, runtime, slack, MARIA)
    claude.script_for(
        _is("Content Manager", 'outcome="approved"'),
        ToolUseReply(
            "record_decision",
            {
                "type": "content_calendar",
                "decision": "Publish Thursdays at 9:00",
                "reasoning": "Our readers open email on Thursday mornings.",
            },
        ),
        TextReply("Scheduled for Thursday."),
    )
    _asked, card = _to_the_card(bolt, runtime, slack, claude)
    waiting = _open_home(bolt, runtime, slack, MARIA)
    assert "*5 Ways AI Reduces Marketing Costs*\\nBlog post · version 1 · waiting since" in waiting
    assert "|open the card>" in waiting

    _click(bolt, slack, card, "approval-approve", MARIA)
    work(runtime)
    decided = _open_home(bolt, runtime, slack, MARIA)
    assert "Nothing is waiting for a person right now." in decided
    assert (
        ":white_check_mark: *Approved*: 5 Ways AI Reduces Marketing Costs (version 1) · "
        f"by <@{MARIA}> · <!date^"
    ) in decided
    assert ":memo: *Content calendar*: Publish Thursdays at 9:00 · by Content Manager" in decided
    assert decided.index("Content calendar") < decided.index("*Approved*")  # newest first


def test_the_messages_tab_publishes_nothing(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, people: None
) -> None:
    event = app_home_opened_event(user=MARIA, channel=DM_CHANNEL, tab="messages")
    assert bolt.sender.send_event(event).status == 200
    work(runtime)
    assert slack.workspace.views.for_user(MARIA)["home"] is None
