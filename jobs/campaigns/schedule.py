"""What the engine may do next, decided from the plan and the step rows alone (no I/O).

Kept pure so every rule of the plan grammar is tested without Redis or a database, and so a
pass that is repeated (a duplicate wake-up, a sweep) computes the same moves from the same
rows, which the guarded transitions then apply at most once:

- a phase starts when the phases it waits for (`Plan.waits_for`) have every step done or
  skipped;
- sequential: one step at a time, in order; parallel: all at once;
- conditional: its condition against the campaign variables; unset, it waits; set, the
  chosen branch runs in order and the other branch is skipped;
- continuous: run 1 of each step when the phase starts, run k+1 at its `next_run_at` once
  run k is over (runs never overlap); a run due at or after the end is skipped;
- a step with a gate `before` goes to waiting_approval instead of starting, until cleared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from bots.plans import (
    ConditionalPhase,
    ContinuousPhase,
    ParallelPhase,
    Plan,
    Step,
    Steps,
    Value,
)
from models.campaigns import PASSED, TERMINAL, CampaignStep, StepStatus


@dataclass(frozen=True)
class Moves:
    """Row ids to start, to hold for a gate's approval, and to skip."""

    start: tuple[str, ...] = ()
    hold: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.start or self.hold or self.skip)


@dataclass
class _Collector:
    start: list[str] = field(default_factory=list)
    hold: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)

    def ready(self, step: Step, row: CampaignStep) -> None:
        gated = step.gate is not None and step.gate.when == "before" and not row.gate_cleared
        (self.hold if gated else self.start).append(row.id)

    def frozen(self) -> Moves:
        return Moves(tuple(self.start), tuple(self.hold), tuple(self.skip))


def ends_at(plan: Plan) -> datetime:
    """The moment the campaign's end date is over (UTC): continuous runs stop there."""
    return datetime.combine(plan.end + timedelta(days=1), time(0), UTC)


def next_run(due: datetime, every_hours: int, now: datetime, end: datetime) -> datetime | None:
    """The slot after a run scheduled at `due`: `every_hours` later, skipping slots already
    past (after a pause, one run catches up, not one per missed slot); None past the end."""
    every = timedelta(hours=every_hours)
    slot = due + every
    if slot <= now:
        slot += every * ((now - slot) // every + 1)
    return slot if slot < end else None


def by_step(rows: Iterable[CampaignStep]) -> dict[str, list[CampaignStep]]:
    """Each plan step's rows, oldest run first."""
    grouped: dict[str, list[CampaignStep]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.run):
        grouped[row.step_id].append(row)
    return grouped


def phase_passed(steps: Steps, rows: Mapping[str, Sequence[CampaignStep]]) -> bool:
    """Every run of every step done or skipped (a continuous phase, after its last run)."""
    return all(step.id in rows and all(r.status in PASSED for r in rows[step.id]) for step in steps)


def plan_moves(
    plan: Plan, rows: Iterable[CampaignStep], variables: Mapping[str, Value], now: datetime
) -> Moves:
    """The moves the plan allows now, given the step rows and the campaign variables."""
    grouped = by_step(rows)
    index = {phase.name: i for i, phase in enumerate(plan.phases)}
    moves = _Collector()
    for i, phase in enumerate(plan.phases):
        waits = (plan.phases[index[name]] for name in plan.waits_for(i))
        if not all(phase_passed(p.all_steps(), grouped) for p in waits):
            continue
        if isinstance(phase, ParallelPhase):
            for step in phase.steps:
                _if_pending(moves, step, grouped)
        elif isinstance(phase, ConditionalPhase):
            _conditional(moves, phase, grouped, variables)
        elif isinstance(phase, ContinuousPhase):
            for step in phase.steps:
                _continuous(moves, step, grouped.get(step.id, []), now, ends_at(plan))
        else:
            _in_order(moves, phase.all_steps(), grouped)
    return moves.frozen()


def _if_pending(moves: _Collector, step: Step, rows: Mapping[str, list[CampaignStep]]) -> None:
    for row in rows.get(step.id, []):
        if row.status == StepStatus.PENDING:
            moves.ready(step, row)


def _in_order(moves: _Collector, steps: Steps, rows: Mapping[str, list[CampaignStep]]) -> None:
    """The first step not yet done or skipped, if it is pending; the rest wait for it."""
    for step in steps:
        mine = rows.get(step.id, [])
        if mine and all(r.status in PASSED for r in mine):
            continue
        _if_pending(moves, step, rows)
        return


def _conditional(
    moves: _Collector,
    phase: ConditionalPhase,
    rows: Mapping[str, list[CampaignStep]],
    variables: Mapping[str, Value],
) -> None:
    taken = _branch_taken(phase, rows)
    if taken is None:
        taken = phase.parsed.evaluate(variables)
    if taken is None:
        return  # the variable is unset: the phase waits for it
    chosen, other = (phase.if_true, phase.if_false) if taken else (phase.if_false, phase.if_true)
    for step in other:
        moves.skip.extend(r.id for r in rows.get(step.id, []) if r.status == StepStatus.PENDING)
    _in_order(moves, chosen, rows)


def _branch_taken(phase: ConditionalPhase, rows: Mapping[str, list[CampaignStep]]) -> bool | None:
    """The branch an earlier pass chose (a variable changed since does not switch it)."""
    for taken, branch in ((True, phase.if_true), (False, phase.if_false)):
        moved = (StepStatus.PENDING, StepStatus.SKIPPED)
        if any(r.status not in moved for step in branch for r in rows.get(step.id, [])):
            return taken
    for taken, branch in ((True, phase.if_false), (False, phase.if_true)):
        if any(r.status == StepStatus.SKIPPED for step in branch for r in rows.get(step.id, [])):
            return taken
    return None


def _continuous(
    moves: _Collector, step: Step, runs: list[CampaignStep], now: datetime, end: datetime
) -> None:
    if not runs or runs[-1].status != StepStatus.PENDING:
        return
    latest = runs[-1]
    if any(r.status not in TERMINAL for r in runs[:-1]):
        return  # the run before is still going: runs never overlap
    due = latest.next_run_at or now
    if due >= end:
        moves.skip.append(latest.id)
    elif due <= now:
        moves.ready(step, latest)
