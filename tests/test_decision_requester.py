"""Who asks: every decision names the Slack user whose request led to it, down the task chain,
and a decision that needs a person stands only on an approver's behalf; for anyone else it
becomes an approval card, and the approver's decision keeps naming who asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.approvers import ActionApprovers, ApprovalConfig, check_against
from bots.authority import DEFAULT_AUTHORITY_PATH, check_submitters, load_authority
from bots.roster import load_roster
from errors import RosterError
from jobs.agent.task_turns import TaskRunner
from jobs.agent.turns import TurnRunner
from jobs.runtime import Runtime
from models import approvals
from models.approvals import Approval, ApprovalStatus
from models.records import Turn
from models.work import Decision, Task
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from tests.authority_invariants import Outcome, call_line, compromised_model, run_request
from tests.conftest import CHANNEL_GENERAL, TEAM

GUEST = "U0GUEST"
BOSS = "U0BOSS"
BUDGET = {
    "type": "budget_allocation",
    "decision": "Move $40k from events to paid social",
    "reasoning": "Events underperform; paid social converts.",
}


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    with ScriptedClaude(responder=compromised_model) as stub:
        yield stub


@pytest.fixture()
def people(slack: SlackStandIn) -> None:
    slack.add_user(GUEST, "guest")
    slack.add_user(BOSS, "boss", is_admin=True)  # approvals.toml: admins approve by default


def _ask(
    rt: Runtime, slack: SlackStandIn, claude: ScriptedClaude, user: str, agent: str, *calls: str
) -> Outcome:
    def results() -> list[tuple[str, bool]]:
        body = claude.requests[-1].body
        return [
            (str(b["content"]), bool(b.get("is_error")))
            for m in body["messages"]
            if isinstance(m.get("content"), list)
            for b in m["content"]
            if b.get("type") == "tool_result"
        ]

    return run_request(
        rt,
        team_id=TEAM,
        channel=CHANNEL_GENERAL,
        user=user,
        agent_id=agent,
        text="\n".join(["Please sort this out.", *calls]),
        post=lambda channel, who, text: slack.add_message(channel, user=who, text=text),
        tool_results=results,
    )


def _decisions(rt: Runtime) -> list[Decision]:
    with rt.sessions() as session:
        return list(session.scalars(select(Decision).where(Decision.team_id == TEAM)))


def _approvals(rt: Runtime) -> list[Approval]:
    with rt.sessions() as session:
        return list(session.scalars(select(Approval).where(Approval.team_id == TEAM)))


@pytest.mark.usefixtures("people")
def test_a_decision_names_who_asked_even_two_tasks_down(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """The VP hands the request to the Content Manager, who decides: the record names the
    guest who asked the VP, not an agent."""
    topics = call_line(
        "record_decision",
        type="blog_post_topics",
        decision="AI costs, then SEO basics",
        reasoning="Most asked.",
    )
    delegate = call_line(
        "delegate", to="content_manager", title="Pick topics", brief=f"Pick them.\n{topics}"
    )
    outcome = _ask(runtime, slack, claude, GUEST, "vp_marketing", delegate)
    assert [is_error for _, is_error in outcome.results] == [False]
    with runtime.sessions() as session:
        [child] = session.scalars(
            select(Task).where(Task.team_id == TEAM, Task.parent_task_id == outcome.task_id)
        ).all()
    TaskRunner(runtime).run(TEAM, child.id)
    [decision] = _decisions(runtime)
    assert (decision.decision_maker, decision.type) == ("content_manager", "blog_post_topics")
    assert decision.requested_by == GUEST


@pytest.mark.usefixtures("people")
def test_a_budget_decision_for_a_guest_becomes_a_card_and_the_approval_names_the_guest(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    outcome = _ask(runtime, slack, claude, GUEST, "cmo", call_line("record_decision", **BUDGET))
    [(text, is_error)] = outcome.results
    assert not is_error
    assert text.startswith(
        f"Not recorded yet: budget allocation needs a person, and this was asked by <@{GUEST}>, "
        "who may not approve it. Submitted Budget allocation"
    )
    assert _decisions(runtime) == []
    [approval] = _approvals(runtime)
    assert (approval.action_type, approval.status, approval.requested_by) == (
        "budget_allocation",
        ApprovalStatus.PENDING.value,
        GUEST,
    )
    assert approval.at_human_step and approval.submitted_by == "cmo"
    [card] = [m for m in slack.messages(*outcome.thread) if m.get("ts") == approval.card_ts]
    blocks = json.dumps(card["blocks"], ensure_ascii=False)
    assert "type `budget_allocation`" in blocks and BUDGET["decision"] in blocks
    with runtime.sessions() as session:
        assert approvals.decide(
            session, TEAM, approval.id, ApprovalStatus.APPROVED, by=BOSS, feedback="Fine."
        )
    [decision] = _decisions(runtime)
    assert (decision.decision_maker, decision.type, decision.requested_by) == (
        BOSS,
        "approval_budget_allocation",
        GUEST,
    )


@pytest.mark.usefixtures("people")
def test_a_budget_decision_for_an_approver_is_recorded_at_once(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    outcome = _ask(runtime, slack, claude, BOSS, "cmo", call_line("record_decision", **BUDGET))
    [(text, is_error)] = outcome.results
    assert not is_error and text.startswith("Recorded decision")
    [decision] = _decisions(runtime)
    assert (decision.decision_maker, decision.type, decision.requested_by) == (
        "cmo",
        "budget_allocation",
        BOSS,
    )
    assert _approvals(runtime) == []


@pytest.mark.usefixtures("people")
def test_an_autonomous_approval_names_who_asked(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    post = call_line(
        "submit_for_approval",
        action_type="daily_social_post",
        title="Tuesday tip",
        draft="Three ways to cut your ad spend without losing reach. Thread below.",
        on_approval="post it",
    )
    outcome = _ask(runtime, slack, claude, GUEST, "twitter_manager", post)
    assert outcome.results[0][0].startswith("Approved without review")
    [decision] = _decisions(runtime)
    assert (decision.decision_maker, decision.type, decision.requested_by) == (
        "autonomy",
        "approval_daily_social_post",
        GUEST,
    )


def test_submitters_are_checked_at_start_up(tmp_path: Path) -> None:
    roster = load_roster()
    check_submitters(load_authority(), roster)
    text = DEFAULT_AUTHORITY_PATH.read_text(encoding="utf-8")
    path = tmp_path / "authority.toml"
    path.write_text(text + 'ghostwriter = ["blog_post"]\n', encoding="utf-8")
    with pytest.raises(RosterError, match="submitters names 'ghostwriter'"):
        check_submitters(load_authority(path), roster)
    path.write_text(text.replace('copywriter = ["blog_post"]', 'copywriter = ["memo"]'))
    with pytest.raises(RosterError, match=r"submitters.copywriter: unknown action type\(s\)"):
        load_authority(path)


def test_decision_types_that_need_a_person_may_have_approvers() -> None:
    authority = load_authority()
    config = ApprovalConfig(actions=(ActionApprovers(type="budget_allocation", users=(BOSS,)),))
    check_against(config, load_roster(), authority.approval_types)
    with pytest.raises(RosterError, match="unknown action type 'blog_post_topics'"):
        check_against(
            ApprovalConfig(actions=(ActionApprovers(type="blog_post_topics"),)),
            load_roster(),
            authority.approval_types,
        )


@pytest.mark.usefixtures("people")
def test_the_longest_decision_still_fits_on_a_card(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """A decision may hold more text than a draft; the card gets all it can hold."""
    longest = BUDGET | {
        "decision": "D" * 2000,
        "reasoning": "R" * 3000,
        "actions": [{"assignee": "vp_marketing", "action": "A" * 500}] * 20,
    }
    outcome = _ask(runtime, slack, claude, GUEST, "cmo", call_line("record_decision", **longest))
    [(text, is_error)] = outcome.results
    assert not is_error and text.startswith("Not recorded yet")
    [approval] = _approvals(runtime)
    assert len(approval.draft) == 12000 and approval.draft.startswith("Budget allocation, as")


@pytest.mark.usefixtures("people")
def test_a_guest_asking_the_cmo_in_a_channel_gets_a_card_not_a_decision(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """The person's own turn (jobs/turns), not a task: the request task it makes on the
    first tool call carries the turn, so the guest is known as the one who asked."""
    text = "\n".join(["CMO: record this budget call.", call_line("record_decision", **BUDGET)])
    ts = slack.add_message(CHANNEL_GENERAL, user=GUEST, text=text)
    turn = Turn(
        team_id=TEAM,
        event_id="Ev0BUDGET",
        source="app_mention",
        channel_id=CHANNEL_GENERAL,
        thread_ts=ts,
        message_ts=ts,
        user_id=GUEST,
        text=text,
    )
    with runtime.sessions() as session:
        session.add(turn)
        session.commit()
    assert TurnRunner(runtime).run(TEAM, turn.id) == "answered"
    assert _decisions(runtime) == []
    [approval] = _approvals(runtime)
    assert (approval.action_type, approval.requested_by, approval.submitted_by) == (
        "budget_allocation",
        GUEST,
        "cmo",
    )
    assert approval.card_ts in {m["ts"] for m in slack.messages(CHANNEL_GENERAL, ts)}
