"""A workspace's own settings reach `/campaign`: the card goes to the channel the workspace
named for the department's #mkt-campaigns, and a brief without a budget gets the workspace's
(signed `/campaign` into the real Bolt app, an RQ worker, the stand-in, the scripted VP)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from jobs.runtime import Runtime
from models import workspace_settings
from models.campaigns import Campaign
from sandbox.claude_api import ScriptedClaude
from sandbox.scripted_department import department_responder
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_GENERAL, HUMAN, TEAM, ServedApp, work
from tests.test_campaign_card import CONFERENCE

RENAMED, DEFAULT = "C0RENAMED", "C0CAMPAIGNS"


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    with ScriptedClaude(responder=department_responder) as stub:
        yield stub


def test_campaign_uses_the_workspaces_channel_and_budget(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel(DEFAULT, "mkt-campaigns")
    slack.add_channel(RENAMED, "campaigns", is_member=False)
    with runtime.sessions() as session:
        workspace_settings.rename_channel(session, TEAM, "U0ADMIN", "mkt-campaigns", "campaigns")
        workspace_settings.save(session, TEAM, "U0ADMIN", campaign_budget_usd=Decimal("80"))

    response = bolt.sender.send_command(
        "/campaign", CONFERENCE, user_id=HUMAN, channel_id=CHANNEL_GENERAL
    )
    assert response.status == 200
    assert "posts the analysis and the plan in #campaigns" in response.json()["text"]
    with runtime.sessions() as session:
        [campaign] = session.scalars(select(Campaign)).all()
    assert campaign.budget_usd == Decimal("80")

    work(runtime)

    [card] = [m for m in slack.messages(RENAMED) if m.get("blocks")]
    assert card["username"] == "VP Marketing"
    assert slack.workspace.channels[RENAMED]["is_member"]  # joined before the post
    assert slack.messages(DEFAULT) == []
