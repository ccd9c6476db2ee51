"""The standup's facts per agent, from records (no Slack, no model): what counts as finished
since the last standup, in progress with due dates, and what waits on whom."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bots.roster import HUMAN, load_roster
from jobs.rituals.standup_facts import (
    StandupRows,
    agent_facts,
    resolved_blockers,
    silent,
)
from jobs.rituals.standup_phrasing import AgentUpdate, checked
from models.approvals import Approval
from models.kinds import (
    ApprovalStepDetails,
    AssignmentDetails,
    EscalationCard,
    EscalationDetails,
    RequestDetails,
)
from models.work import Task

ROSTER = load_roster()
NOW = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)
SINCE = NOW - timedelta(days=1)
CARD = EscalationCard(
    level="Human",
    category="Legal",
    from_name="CMO",
    to_name="the human executive team",
    urgency="high",
    issue="May we name the customer?",
    attempts_made="Read the contract",
    recommendation="Ask legal",
    impact="The case study waits",
)


def _task(task_id: str, assigned_to: str, status: str, **fields: Any) -> Task:
    values: dict[str, Any] = {
        "id": task_id,
        "team_id": "T1",
        "created_by": "content_manager",
        "assigned_to": assigned_to,
        "title": f"Task {task_id}",
        "brief": "brief",
        "status": status,
        "priority": "normal",
        "details": AssignmentDetails(project="Blog", requested_in=("C1", "1.0")),
        "channel_id": "C1",
        "thread_ts": f"{task_id}.1",
        "created_at": NOW - timedelta(days=3),
        "updated_at": NOW - timedelta(days=2),
    }
    return Task(**(values | fields))


def _by_agent(rows: StandupRows) -> dict[str, Any]:
    return {entry.agent_id: entry for entry in agent_facts(rows, ROSTER, SINCE, NOW)}


def test_a_task_finished_yesterday_is_completed_and_one_finished_before_is_not() -> None:
    yesterday = _task("t1", "copywriter", "done", updated_at=NOW - timedelta(hours=20))
    last_week = _task("t2", "copywriter", "done", updated_at=NOW - timedelta(days=6))
    facts = _by_agent(StandupRows((yesterday, last_week)))
    assert [f.task_id for f in facts["copywriter"].completed] == ["t1"]
    assert facts["copywriter"].completed[0].where == ("C1", "t1.1")


def test_work_in_progress_is_listed_most_urgent_and_soonest_due_first() -> None:
    rows = StandupRows(
        (
            _task("late", "seo_specialist", "open", due_date=date(2026, 1, 20)),
            _task("soon", "seo_specialist", "in_progress", due_date=date(2026, 1, 15)),
            _task("urgent", "seo_specialist", "ready", priority="urgent"),
        )
    )
    doing = _by_agent(rows)["seo_specialist"].in_progress
    assert [f.task_id for f in doing] == ["urgent", "soon", "late"]
    assert doing[1].due == date(2026, 1, 15)


def test_a_task_waiting_on_an_agent_says_which_and_since_when() -> None:
    parent = _task("p", "content_manager", "waiting")
    child = _task("c", "seo_specialist", "in_progress", parent_task_id="p")
    (blocker,) = _by_agent(StandupRows((parent, child)))["content_manager"].blockers
    assert (blocker.kind, blocker.agent_id, blocker.since) == (
        "agent",
        "seo_specialist",
        NOW - timedelta(days=3),
    )
    assert blocker.task.task_id == "p" and not blocker.on_person


def test_a_task_waiting_on_an_approval_card_is_a_blocker_on_a_person() -> None:
    parent = _task("p", "content_manager", "escalated")
    step = _task(
        "s",
        HUMAN,
        "escalated",
        parent_task_id="p",
        details=ApprovalStepDetails(approval_id="a1"),
    )
    approval = Approval(
        id="a1",
        team_id="T1",
        subject_id="p",
        action_type="blog_post",
        version=1,
        title="Blog",
        draft="draft",
        drafted_by="copywriter",
        chain=["director_comms"],
        step=1,
        status="pending",
        channel_id="C1",
        card_ts="9.9",
        created_at=NOW - timedelta(hours=2),
    )
    (blocker,) = _by_agent(StandupRows((parent, step), (approval,)))["content_manager"].blockers
    assert (blocker.kind, blocker.approval_id, blocker.card) == ("approval", "a1", ("C1", "9.9"))
    assert blocker.on_person


def test_an_open_escalation_to_a_person_is_a_blocker_with_its_card() -> None:
    parent = _task("p", "cmo", "waiting", details=RequestDetails())
    escalation = _task(
        "e",
        HUMAN,
        "escalated",
        parent_task_id="p",
        details=EscalationDetails(card=CARD, requested_in=("C1", "1.0")),
        thread_ts="7.7",
    )
    (blocker,) = _by_agent(StandupRows((parent, escalation)))["cmo"].blockers
    assert (blocker.kind, blocker.escalation_id, blocker.card) == ("escalation", "e", ("C1", "7.7"))


def test_agents_with_nothing_are_silent_in_roster_order() -> None:
    rows = StandupRows((_task("t1", "copywriter", "open"),))
    facts = agent_facts(rows, ROSTER, SINCE, NOW)
    assert len(facts) == 14
    quiet = silent(facts)
    assert "copywriter" not in quiet and len(quiet) == 13
    assert quiet.index("designer") < quiet.index("email_specialist")


def test_answered_escalations_are_blockers_resolved() -> None:
    answered = _task(
        "e",
        HUMAN,
        "done",
        details=EscalationDetails(card=CARD),
        updated_at=NOW - timedelta(hours=3),
    )
    plain = _task("t", "copywriter", "done", updated_at=NOW - timedelta(hours=3))
    resolved = resolved_blockers(StandupRows((answered, plain)), SINCE, NOW)
    assert [f.task_id for f in resolved] == ["e"]


def test_an_update_naming_a_task_outside_the_agents_facts_is_dropped() -> None:
    facts = _by_agent(
        StandupRows((_task("t1", "copywriter", "open"), _task("t2", "seo_specialist", "open")))
    )
    speaking = [facts["copywriter"], facts["seo_specialist"]]
    raw = {
        "updates": [
            {"agent": "copywriter", "today": "On Task t1.", "task_ids": ["t1"]},
            {"agent": "seo_specialist", "today": "Shipping the invented one.", "task_ids": ["zz"]},
            {"agent": "designer", "today": "Not asked about.", "task_ids": []},
        ]
    }
    kept = checked(raw, speaking)
    assert kept == {
        "copywriter": AgentUpdate(agent="copywriter", today="On Task t1.", task_ids=["t1"]),
        "seo_specialist": None,
    }
    assert checked({"updates": "not a list"}, speaking) == {
        "copywriter": None,
        "seo_specialist": None,
    }
