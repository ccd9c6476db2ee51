"""A workspace's own channel names and budgets at work: a renamed team channel keeps its lead
(a signed mention into the real Bolt app, an RQ worker, the stand-in, the scripted Claude),
and the request budget is the workspace's."""

from __future__ import annotations

from decimal import Decimal

from jobs.claude.usage import within_budget
from jobs.runtime import Runtime
from models import workspace_settings
from models.records import LlmCall
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.slack_api import SlackStandIn
from tests.conftest import TEAM, ServedApp, mention, work

CONTENT_TEAM = "C0CONTENTTEAM"
OTHER_TEAM = "T0OTHER"


def test_a_renamed_team_channel_keeps_its_lead(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel(CONTENT_TEAM, "content-team")
    with runtime.sessions() as session:
        workspace_settings.rename_channel(session, TEAM, "U0ADMIN", "mkt-content", "content-team")
    claude.enqueue(TextReply("On the calendar for Thursday."))

    asked = mention(bolt.sender, slack, CONTENT_TEAM, "can we get a post about the launch?")
    work(runtime)

    [reply] = [m for m in slack.messages(CONTENT_TEAM, asked) if m["ts"] != asked]
    assert reply["username"] == "Content Manager"  # not the CMO: the channel is the team's


def test_the_request_budget_is_the_workspaces(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        for team in (TEAM, OTHER_TEAM):
            session.add(
                LlmCall(
                    team_id=team,
                    turn_id="turn1",
                    agent_id="cmo",
                    model=runtime.settings.model_opus,
                    status="ok",
                    cost_usd=Decimal("3"),
                )
            )
        session.commit()
    assert not within_budget(runtime, TEAM, "turn1")  # settings' $2.00
    with runtime.sessions() as session:
        workspace_settings.save(session, TEAM, "U0ADMIN", request_budget_usd=Decimal("5"))
    assert within_budget(runtime, TEAM, "turn1")
    assert not within_budget(runtime, OTHER_TEAM, "turn1")  # the other keeps the default
