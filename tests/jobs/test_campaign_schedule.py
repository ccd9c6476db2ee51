"""The engine's rules, from a plan and step rows alone: phase order, sequential and parallel
steps, a conditional both ways (and a branch that stays taken), continuous runs until the end
date, and gates held for approval."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bots.plans import ContinuousPhase, Gate, Plan
from jobs.campaigns.schedule import Moves, ends_at, next_run, plan_moves
from models.campaigns import CampaignStep, StepStatus

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DUE = "2026-12-05"


def _step(step_id: str, agent: str = "copywriter", **extra: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "agent": agent,
        "action": f"Do {step_id}",
        "action_type": "blog_post",
    } | {
        "due": DUE,
        **extra,
    }


PLAN = Plan.model_validate(
    {
        "name": "launch",
        "start": "2026-12-01",
        "end": "2026-12-03",
        "variables": {"lead_score": "number"},
        "phases": [
            {"name": "Strategy", "type": "sequential", "steps": [_step("a"), _step("b")]},
            {"name": "Content", "type": "parallel", "steps": [_step("c"), _step("d")]},
            {
                "name": "Leads",
                "type": "conditional",
                "condition": "lead_score > 70",
                "if_true": [_step("hot")],
                "if_false": [_step("nurture")],
            },
            {
                "name": "Monitoring",
                "type": "continuous",
                "after": ["Content"],
                "every_hours": 24,
                "steps": [_step("track")],
            },
        ],
    }
)


def _rows(statuses: dict[str, str], runs: dict[str, int] | None = None) -> list[CampaignStep]:
    """One row per plan step (id = step id), pending unless `statuses` says otherwise."""
    rows = []
    for _index, phase, step in PLAN.steps():
        run = (runs or {}).get(step.id, 1 if isinstance(phase, ContinuousPhase) else 0)
        rows.append(
            CampaignStep(
                id=step.id,
                step_id=step.id,
                phase=phase.name,
                run=run,
                status=statuses.get(step.id, StepStatus.PENDING.value),
                due_date=date(2026, 12, 5),
                gate_cleared=False,
            )
        )
    return rows


def _done(*ids: str) -> dict[str, str]:
    return {step_id: StepStatus.DONE.value for step_id in ids}


def test_a_sequential_phase_starts_its_first_step_and_nothing_after_it() -> None:
    assert plan_moves(PLAN, _rows({}), {}, NOW) == Moves(start=("a",))
    started = {"a": StepStatus.STARTED.value}
    assert plan_moves(PLAN, _rows(started), {}, NOW) == Moves()
    assert plan_moves(PLAN, _rows(_done("a")), {}, NOW) == Moves(start=("b",))


def test_a_parallel_phase_fans_out_once_the_phase_before_is_done() -> None:
    assert plan_moves(PLAN, _rows(_done("a", "b")), {}, NOW) == Moves(start=("c", "d"))


@pytest.mark.parametrize(
    ("score", "taken", "skipped"), [(82.0, "hot", "nurture"), (40.0, "nurture", "hot")]
)
def test_a_conditional_takes_one_branch_and_skips_the_other(
    score: float, taken: str, skipped: str
) -> None:
    rows = _rows(_done("a", "b", "c", "d") | {"track": StepStatus.STARTED.value})
    assert plan_moves(PLAN, rows, {}, NOW) == Moves()  # lead_score unset: it waits
    assert plan_moves(PLAN, rows, {"lead_score": score}, NOW) == Moves(
        start=(taken,), skip=(skipped,)
    )
    assert plan_moves(PLAN, rows, {"lead_score": "82"}, NOW) == Moves()  # text is not a number


def test_a_branch_once_taken_stays_taken_when_the_variable_changes() -> None:
    rows = _rows(_done("a", "b", "c", "d", "track") | {"hot": StepStatus.STARTED.value})
    assert plan_moves(PLAN, rows, {"lead_score": 10.0}, NOW) == Moves(skip=("nurture",))


def test_a_continuous_run_starts_when_due_and_never_overlaps_the_one_before() -> None:
    rows = _rows(_done("a", "b", "c", "d"))
    assert "track" in plan_moves(PLAN, rows, {}, NOW).start  # run 1: when the phase starts
    rows[-1].status = StepStatus.STARTED.value
    following = CampaignStep(
        id="track-2",
        step_id="track",
        phase="Monitoring",
        run=2,
        status=StepStatus.PENDING.value,
        next_run_at=NOW + timedelta(hours=24),
        gate_cleared=False,
    )
    later = NOW + timedelta(hours=25)
    assert "track-2" not in plan_moves(PLAN, [*rows, following], {}, later).start  # run 1 runs
    rows[-1].status = StepStatus.DONE.value
    assert "track-2" not in plan_moves(PLAN, [*rows, following], {}, NOW).start  # not yet due
    assert "track-2" in plan_moves(PLAN, [*rows, following], {}, later).start
    past_end = ends_at(PLAN) + timedelta(hours=1)
    following.next_run_at = ends_at(PLAN)
    assert "track-2" in plan_moves(PLAN, [*rows, following], {}, past_end).skip


def test_next_run_keeps_the_cadence_skips_missed_slots_and_stops_at_the_end() -> None:
    end = ends_at(PLAN)
    assert end == datetime(2026, 12, 4, tzinfo=UTC)  # the end date is a whole day
    assert next_run(NOW, 24, NOW, end) == NOW + timedelta(hours=24)
    missed = NOW + timedelta(hours=26)  # a pause overran the slot at +24 h
    assert next_run(NOW, 24, missed, end) == NOW + timedelta(hours=48)
    assert next_run(NOW + timedelta(hours=48), 24, NOW + timedelta(hours=48), end) is None


def test_a_gate_before_holds_the_step_until_it_is_cleared() -> None:
    gate = Gate(approver="person", when="before")
    gated = PLAN.map_steps(lambda s: s.model_copy(update={"gate": gate}) if s.id == "a" else s)
    rows = _rows({})
    assert plan_moves(gated, rows, {}, NOW) == Moves(hold=("a",))
    rows[0].gate_cleared = True
    assert plan_moves(gated, rows, {}, NOW) == Moves(start=("a",))
