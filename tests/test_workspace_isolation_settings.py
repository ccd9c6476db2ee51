"""Settings across workspaces: ritual times and channels, the time zone, autonomy overrides,
approvers, the department's channel names, budgets and the spend that budgets count, set or
made in workspace A, never apply in workspace B."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jobs.approvals.autonomy import autonomy_level, set_autonomy
from jobs.approvals.posts import to_person
from jobs.campaigns.cards import card_channel
from jobs.claude.usage import spent_usd, within_budget
from jobs.rituals import workspace
from jobs.slack.people import APPROVAL_WHAT, NOT_YOURS
from jobs.slack.placement import channel_for
from models import approvals, campaign_spend, campaigns
from models.approvals import Approval
from models.base import utcnow
from models.campaigns import Campaign, CampaignStep
from models.records import LlmCall
from models.work import Task
from sandbox import slack_interactions as interactions
from tests.conftest import CHANNEL_CONTENT, HUMAN, wait_until, work
from tests.isolation_records import BUDGETS, RENAMED, THREAD, choose_settings, make_records
from tests.two_workspaces import APPROVER, TEAM_A, TEAM_B, Pair, tokens_of


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


def test_approvers_chosen_in_a_do_not_apply_in_b(pair: Pair) -> None:
    """A chose HUMAN for blog posts (`choose_settings`, as its approvers form saves): A's card
    names HUMAN and HUMAN decides it; B's card names the file's approvers (an admin) and
    HUMAN's click on it is refused, B's approval left pending."""
    a = make_records(pair.rt.sessions, TEAM_A)
    b = make_records(pair.rt.sessions, TEAM_B)
    choose_settings(pair.rt.sessions, TEAM_A, APPROVER)
    cards = {TEAM_A: _card(pair, TEAM_A, a.approval), TEAM_B: _card(pair, TEAM_B, b.approval)}
    assert cards[TEAM_A].endswith(f"<@{HUMAN}> or a workspace admin can decide")
    assert cards[TEAM_B].endswith("· a workspace admin can decide")

    _click(pair, TEAM_B, HUMAN, b.approval)
    assert wait_until(lambda: bool(pair.slack.ephemerals(CHANNEL_CONTENT, team=TEAM_B)), 10)
    [refused] = pair.slack.ephemerals(CHANNEL_CONTENT, team=TEAM_B)
    assert refused["text"] == NOT_YOURS.format(who="a workspace admin", what=APPROVAL_WHAT)
    _click(pair, TEAM_A, HUMAN, a.approval)
    work(pair.rt)
    assert _status(pair, TEAM_B, b.approval) == "pending"
    assert _status(pair, TEAM_A, a.approval) == "approved"
    assert pair.slack.ephemerals(CHANNEL_CONTENT, team=TEAM_A) == []


def _card(pair: Pair, team: str, approval_id: str) -> str:
    """Post the team's approval card (the person's step of the flow); its message text."""
    with pair.rt.sessions() as session:
        approval = approvals.load(session, team, approval_id)
    assert approval is not None
    mark = pair.mark()
    to_person(pair.rt, approval)
    [posted] = [c for c in pair.calls_since(mark) if c.method == "chat.postMessage"]
    assert posted.team_id == team
    return str(posted.args["text"])


def _click(pair: Pair, team: str, user: str, approval_id: str) -> None:
    ts = pair.slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="a card", team=team)
    action = {"action_id": "approval-approve", "block_id": "card", "type": "button"}
    action["value"] = approval_id
    payload = interactions.block_actions(
        pair.slack, user=user, action=action, channel=CHANNEL_CONTENT, message_ts=ts, team=team
    )
    assert pair.senders[team].send_interaction(payload).status == 200


def _status(pair: Pair, team: str, approval_id: str) -> str:
    with pair.rt.sessions() as session:
        found = session.get(Approval, approval_id)
        assert found is not None and found.team_id == team
        return found.status


ESCALATIONS, DECISIONS, CAMPAIGNS, RENAMED_CAMPAIGNS = "C0ESC", "C0DECIDE", "C0CAMP", "C0CAMPS"


def test_channels_renamed_in_a_are_not_used_in_b(pair: Pair) -> None:
    """Both workspaces have channels under the department's names and under A's (RENAMED):
    A's escalation card and campaign card go to A's names, B's to the department's."""
    for team in (TEAM_A, TEAM_B):
        for channel, name in (
            (ESCALATIONS, "mkt-escalations"),
            (DECISIONS, RENAMED["mkt-escalations"]),
            (CAMPAIGNS, "mkt-campaigns"),
            (RENAMED_CAMPAIGNS, RENAMED["mkt-campaigns"]),
        ):
            pair.slack.add_channel(channel, name, team=team)
    a = make_records(pair.rt.sessions, TEAM_A)
    b = make_records(pair.rt.sessions, TEAM_B)
    choose_settings(pair.rt.sessions, TEAM_A, APPROVER)
    escalations = pair.rt.settings.escalation_channel
    mark = pair.mark()
    with pair.rt.sessions() as session:
        task_a, task_b = session.get(Task, a.task), session.get(Task, b.task)
        campaign_a, campaign_b = (
            session.get(Campaign, a.campaign),
            session.get(Campaign, b.campaign),
        )
    assert task_a and task_b and campaign_a and campaign_b
    origin = (CHANNEL_CONTENT, THREAD)
    assert channel_for(pair.rt, task_a, escalations, origin) == DECISIONS
    assert channel_for(pair.rt, task_b, escalations, origin) == ESCALATIONS
    assert (card_channel(pair.rt, campaign_a), card_channel(pair.rt, campaign_b)) == (
        RENAMED_CAMPAIGNS,
        CAMPAIGNS,
    )
    calls = pair.calls_since(mark)
    joined = {(c.team_id, c.args.get("channel")) for c in calls if c.method == "conversations.join"}
    assert joined == {
        (TEAM_A, DECISIONS),
        (TEAM_A, RENAMED_CAMPAIGNS),
        (TEAM_B, ESCALATIONS),
        (TEAM_B, CAMPAIGNS),
    }


def test_budgets_set_in_a_do_not_apply_in_b(pair: Pair) -> None:
    """A lowered its budgets (BUDGETS): the same spend on a request is over A's budget and
    within B's (the deployment's); a campaign started in B gets the deployment's budget and
    is announced in B's #mkt-campaigns, one in A gets A's budget and A's channel name."""
    a = make_records(pair.rt.sessions, TEAM_A)
    b = make_records(pair.rt.sessions, TEAM_B)
    choose_settings(pair.rt.sessions, TEAM_A, APPROVER)
    spend = BUDGETS["request_budget_usd"] * 2
    assert spend < pair.rt.settings.request_budget_usd
    with pair.rt.sessions() as session:
        session.add_all([_call(TEAM_A, a.turn, spend), _call(TEAM_B, b.turn, spend)])
        session.commit()
    assert not within_budget(pair.rt, TEAM_A, a.turn)
    assert within_budget(pair.rt, TEAM_B, b.turn)

    brief = "Launch our webinar series for finance teams by next month"
    said = {team: _campaign(pair, team, brief) for team in (TEAM_A, TEAM_B)}
    assert "#campaigns" in said[TEAM_A] and "#mkt-campaigns" in said[TEAM_B]
    with pair.rt.sessions() as session:
        budgets = {
            c.team_id: c.budget_usd
            for team in (TEAM_A, TEAM_B)
            for c in campaigns.recent(session, team)
            if c.id not in (a.campaign, b.campaign)
        }
    assert budgets == {
        TEAM_A: BUDGETS["campaign_budget_usd"],
        TEAM_B: pair.rt.settings.campaign_budget_usd,
    }


def _campaign(pair: Pair, team: str, brief: str) -> str:
    mark = pair.mark()
    answer = pair.senders[team].send_command(
        "/campaign", brief, user_id=HUMAN, channel_id=CHANNEL_CONTENT
    )
    assert answer.status == 200
    assert tokens_of(pair.calls_since(mark)) <= {team}
    return str(answer.json().get("text"))
