"""Settings across workspaces: ritual times and channels, the time zone, autonomy overrides
and the spend that budgets count, set or made in workspace A, never apply in workspace B."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from jobs.approvals.autonomy import autonomy_level, set_autonomy
from jobs.claude.usage import spent_usd, within_budget
from jobs.rituals import workspace
from models import campaign_spend
from models.base import utcnow
from models.campaigns import CampaignStep
from models.records import LlmCall
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, HUMAN
from tests.isolation_records import make_records
from tests.two_workspaces import TEAM_A, TEAM_B, Pair, tokens_of, two_workspaces


@pytest.fixture()
def pair(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: object
) -> Iterator[Pair]:
    with two_workspaces(slack, claude, database_url) as both:
        yield both


def _standup(pair: Pair, team: str, words: str) -> str:
    answer = pair.senders[team].send_command(
        "/standup", words, user_id=HUMAN, channel_id=CHANNEL_CONTENT
    )
    assert answer.status == 200
    return str(answer.json().get("text"))


@pytest.mark.parametrize(
    "change",
    ["time 11:45", "off", "eod time 16:15", "timezone Asia/Tokyo", "holiday add 2026-12-24"],
)
def test_ritual_settings_made_in_a_do_not_apply_in_b(pair: Pair, change: str) -> None:
    status = {team: _standup(pair, team, "status") for team in (TEAM_A, TEAM_B)}
    _standup(pair, TEAM_A, change)
    assert _standup(pair, TEAM_A, "status") != status[TEAM_A]  # it took effect in A
    mark = pair.mark()
    assert _standup(pair, TEAM_B, "status") == status[TEAM_B]  # and only there
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}  # B's request, B's token
    with pair.rt.sessions() as session:
        a = workspace.of_runtime(pair.rt, session, TEAM_A)
        b = workspace.of_runtime(pair.rt, session, TEAM_B)
    assert a != b


def test_an_autonomy_override_in_a_does_not_apply_in_b(pair: Pair) -> None:
    matrix = pair.rt.authority
    with pair.rt.sessions() as session:
        default = autonomy_level(session, matrix, TEAM_B, "blog_post")
        set_autonomy(session, matrix, TEAM_A, "blog_post", "L4", HUMAN)
        session.commit()
        assert autonomy_level(session, matrix, TEAM_A, "blog_post") == "L4" != default
        assert autonomy_level(session, matrix, TEAM_B, "blog_post") == default


def test_spend_in_a_counts_against_as_budgets_only(pair: Pair) -> None:
    """A's Claude calls, even under record ids B uses, are not B's spend: neither a request's
    budget nor a campaign's (its own calls and its step tasks')."""
    a = make_records(pair.rt.sessions, TEAM_A)
    b = make_records(pair.rt.sessions, TEAM_B)
    big = pair.rt.settings.request_budget_usd + Decimal("1")
    with pair.rt.sessions() as session:
        step = CampaignStep(
            team_id=TEAM_A, campaign_id=a.campaign, step_id="s1", phase="Work", task_id=a.task
        )
        step.due_date = utcnow().date()
        session.add(step)
        # A's spend on its request, its campaign and its step; and under B's turn id
        session.add_all([_call(TEAM_A, turn, big) for turn in (a.turn, b.turn, a.campaign)])
        session.add(_call(TEAM_A, "x", big, task_id=a.task))
        session.commit()
    assert not within_budget(pair.rt, TEAM_A, a.turn)
    assert spent_usd(pair.rt, TEAM_B, b.turn) == 0 and within_budget(pair.rt, TEAM_B, b.turn)
    assert spent_usd(pair.rt, TEAM_B, a.turn) == 0
    with pair.rt.sessions() as session:
        assert campaign_spend.spend_usd(session, TEAM_A, a.campaign) == 2 * big
        assert campaign_spend.spend_usd(session, TEAM_B, a.campaign) == 0
        assert campaign_spend.spend_usd(session, TEAM_B, b.campaign) == 0


def _call(team: str, turn_id: str, cost: Decimal, task_id: str | None = None) -> LlmCall:
    return LlmCall(
        team_id=team,
        turn_id=turn_id,
        task_id=task_id,
        agent_id="copywriter",
        model="claude-sonnet-4-5",
        status="ok",
        cost_usd=cost,
        created_at=utcnow(),
    )
