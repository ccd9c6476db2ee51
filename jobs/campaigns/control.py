"""What a person (or a step's output) does to a running campaign, as the `/campaign` command
and the campaign card will call it: one guarded transition each, then an engine pass.

Each returns whether it changed anything, so the caller can say "already paused" and so
on; a change is committed before the pass is enqueued, and a lost enqueue is picked up by
the sweeper (the change is newer than the campaign's last pass).
"""

from __future__ import annotations

from jobs.queue import ADVANCE_CAMPAIGN, try_enqueue, turn_queue
from jobs.runtime import Runtime
from models import campaign_steps, campaigns
from models.campaign_steps import Value


def request_advance(rt: Runtime, team_id: str, campaign_id: str) -> None:
    """Queue an engine pass (a repeated request replaces the queued one, never adds one)."""
    try_enqueue(
        turn_queue(rt.redis, rt.settings.queue_name), ADVANCE_CAMPAIGN, team_id, campaign_id
    )


def approve(rt: Runtime, team_id: str, campaign_id: str, user_id: str) -> bool:
    """ "Approve plan": the campaign starts running (once, with a plan and a card thread)."""
    with rt.sessions() as session:
        changed = campaigns.approve(session, team_id, campaign_id, user_id)
    return _then_advance(rt, team_id, campaign_id, changed)


def pause(rt: Runtime, team_id: str, campaign_id: str) -> bool:
    """No new steps start; the ones running finish (and are recorded)."""
    with rt.sessions() as session:
        return campaigns.pause(session, team_id, campaign_id)


def resume(rt: Runtime, team_id: str, campaign_id: str) -> bool:
    with rt.sessions() as session:
        changed = campaigns.resume(session, team_id, campaign_id)
    return _then_advance(rt, team_id, campaign_id, changed)


def cancel(rt: Runtime, team_id: str, campaign_id: str, user_id: str) -> bool:
    """The campaign stops: the next pass cancels its steps and their running tasks."""
    with rt.sessions() as session:
        changed = campaigns.cancel(session, team_id, campaign_id, user_id)
    return _then_advance(rt, team_id, campaign_id, changed)


def set_variable(
    rt: Runtime, team_id: str, campaign_id: str, name: str, value: Value, set_by: str
) -> bool:
    """`/campaign set lead_score 82`, or a step's structured output: a conditional phase
    waiting on it may now choose its branch."""
    with rt.sessions() as session:
        changed = campaign_steps.set_variable(session, team_id, campaign_id, name, value, set_by)
    return _then_advance(rt, team_id, campaign_id, changed)


def decide_gate(rt: Runtime, team_id: str, campaign_id: str, row_id: str, approved: bool) -> bool:
    """A step's approval gate was decided (the gate card's follow-up calls this,
    jobs/campaigns/campaign_approvals.py): approved, the step starts (gate before) or counts
    as done (gate after); rejected, the step fails, and with it the campaign."""
    with rt.sessions() as session:
        changed = campaign_steps.decide_gate(
            session, team_id, campaign_id, row_id, approved=approved
        )
    return _then_advance(rt, team_id, campaign_id, changed)


def _then_advance(rt: Runtime, team_id: str, campaign_id: str, changed: bool) -> bool:
    if changed:
        request_advance(rt, team_id, campaign_id)
    return changed
