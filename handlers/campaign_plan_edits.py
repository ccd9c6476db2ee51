"""A person's edit of a planned campaign's plan: who may, what is checked, what is saved.

The card's Edit button and the form's submission call `PlanEdits`; the listeners stay thin
(`handlers/campaign_cards.py`). The edited plan passes the same checks as a plan from Claude:
`check_plan` (roster, phase grammar, action types, dates, limits; a project's plan stays one
chain because its phases cannot be changed here) and `with_gates` (the approval gates the
authority matrix and autonomy levels require, recomputed for the edited steps). Problems
are shown under the inputs they are about and nothing is saved. A valid edit is one guarded
UPDATE that holds only while the campaign is still `planned` and unchanged since the form
opened (`models.campaigns.edit_plan`), so a stale form never overwrites a newer plan; the card
is then edited to show the plan, "edited by" the person, still waiting for approval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bots.advisor_config import PlanLimits
from bots.authority import AuthorityMatrix
from bots.gates import with_gates
from bots.plan_checks import check_plan
from bots.roster import Roster
from handlers.campaign_access import CampaignAccess
from handlers.campaign_forms import Errors, metadata
from handlers.campaign_plan_form import (
    MAX_FORM_STEPS,
    PlanEdit,
    edited_plan,
    plan_form,
    read_plan_form,
    step_count,
)
from jobs.queue import CAMPAIGN_CARD, try_enqueue
from jobs.slack.text import Mrkdwn, md
from models import campaigns
from models.campaigns import Campaign, CampaignStatus
from models.db import write_guard

NOT_FOUND = "No campaign `{id}` in this workspace. Nothing changed."
NOT_PLANNED = (
    "Campaign `{id}` is {status}: only a plan waiting for approval can be edited. Nothing changed."
)
STALE = (
    "The plan of campaign `{id}` changed after you opened this form (edited, approved or "
    "cancelled meanwhile), so your changes were not saved. Press Edit on the card again to "
    "start from the plan as it is now."
)
SAVED = (
    "Saved: the card shows the edited plan of campaign `{id}`. It still needs a plan "
    "approver's *Approve plan* to run.{notes}"
)
MAX_ERROR_CHARS = 500  # what reads well under an input
_STEP_ID = re.compile(r"step '([a-z][a-z0-9_\-]{0,39})'")


@dataclass(frozen=True)
class PlanEdits:
    """`engine` holds the campaigns, `queue` takes the card's edit; the department's data
    checks the edited plan; `access` says who may edit (the requester or a plan approver)."""

    engine: Engine
    queue: Queue
    roster: Roster
    authority: AuthorityMatrix
    limits: PlanLimits
    access: CampaignAccess

    def form(self, team_id: str, user_id: str, campaign_id: str) -> dict[str, Any] | Mrkdwn:
        """The Edit form for this campaign's plan, or why it does not open (privately)."""
        with Session(self.engine) as session:
            campaign = campaigns.load_campaign(session, team_id, campaign_id)
        refused = self._refusal(campaign, team_id, user_id, campaign_id)
        if refused is not None:
            return refused
        assert campaign is not None and campaign.plan is not None
        if step_count(campaign.plan) > MAX_FORM_STEPS:
            return md(
                "This plan has {n} steps and the form holds {max} at most. Nothing changed: "
                "cancel it and run `/campaign` with a narrower brief.",
                n=step_count(campaign.plan),
                max=MAX_FORM_STEPS,
            )
        seen = campaign.updated_at.isoformat()
        return plan_form(campaign.id, seen, campaign.plan, campaign.budget_usd, self.roster)

    def save(self, team_id: str, user_id: str, view: dict[str, Any]) -> Errors | Mrkdwn:
        """Errors under the form's inputs (nothing saved), or the answer that replaces it."""
        campaign_id = str(metadata(view).get("campaign_id") or "")
        with Session(self.engine) as session:
            campaign = campaigns.load_campaign(session, team_id, campaign_id)
        refused = self._refusal(campaign, team_id, user_id, campaign_id)
        if refused is not None:
            return refused
        assert campaign is not None and campaign.plan is not None
        if metadata(view).get("seen") != campaign.updated_at.isoformat():
            return md(STALE, id=campaign_id)  # before reading: the form may not fit the plan
        edit = read_plan_form(view, campaign.plan)
        if isinstance(edit, dict):
            return edit
        if set(edit.steps) != _ids(campaign):
            return md(STALE, id=campaign_id)
        raw = edited_plan(campaign.plan, edit)
        check = check_plan(raw, self.roster, self.authority, self.limits)
        if check.plan is None:
            return _placed(check.problems, edit)
        plan, notes = with_gates(check.plan, self.roster, self.authority)
        if not self._store(campaign, edit, plan.model_dump(mode="json"), notes, user_id):
            return md(STALE, id=campaign_id)
        try_enqueue(self.queue, CAMPAIGN_CARD, team_id, campaign_id)
        added = md(" Gates: {n}.", n="; ".join(notes)) if notes else ""
        return md(SAVED, id=campaign_id, notes=added)

    def _refusal(
        self, campaign: Campaign | None, team_id: str, user_id: str, campaign_id: str
    ) -> Mrkdwn | None:
        if campaign is None:
            return md(NOT_FOUND, id=campaign_id)
        if campaign.status != CampaignStatus.PLANNED.value or campaign.plan is None:
            return md(NOT_PLANNED, id=campaign_id, status=campaign.status)
        return self.access.refusal(team_id, user_id, campaign.requested_by, "edit its plan")

    def _store(
        self,
        campaign: Campaign,
        edit: PlanEdit,
        plan: dict[str, Any],
        notes: list[str],
        user_id: str,
    ) -> bool:
        analysis = dict(campaign.analysis or {}) | {"gate_notes": notes, "edited_by": user_id}
        with write_guard(self.engine), Session(self.engine) as session:
            return campaigns.edit_plan(
                session,
                campaign.team_id,
                campaign.id,
                seen=datetime.fromisoformat(edit.seen),
                plan=plan,
                analysis=analysis,
                ends_on=edit.end,
                budget_usd=edit.budget_usd,
            )


def _ids(campaign: Campaign) -> set[str]:
    plan = campaign.plan or {}
    return {
        step["id"]
        for phase in plan.get("phases", [])
        for key in ("steps", "if_true", "if_false")
        for step in phase.get(key, [])
    }


def _placed(problems: tuple[str, ...], edit: PlanEdit) -> Errors:
    """Each problem under the input it is about: a step's problem under its due date when it
    is about dates, else under its agent (agent, action type, gate); a plan-wide problem
    (the end date, limits, order) under the end date."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        found = _STEP_ID.search(problem)
        if found is None or found.group(1) not in edit.steps:
            block = "end"
        elif "due" in problem or "date" in problem:
            block = f"due-{found.group(1)}"
        elif "action" in problem and "action_type" not in problem:
            block = f"action-{found.group(1)}"
        else:
            block = f"agent-{found.group(1)}"
        errors.setdefault(block, []).append(problem)
    return {block: " · ".join(said)[:MAX_ERROR_CHARS] for block, said in errors.items()}
