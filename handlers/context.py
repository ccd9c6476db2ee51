"""What listeners need beyond the request, handed to them in Bolt's `context`.

Listeners are module-level functions (as in bolt-python's examples), so they cannot close
over the intake or the approvers configuration; a middleware puts one `Services` in every
request's context instead, and `services(context)` takes it out typed. No module globals: two
apps in one process (the tests build several) each carry their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import BoltContext

from bots.approvers import ApprovalConfig
from handlers.campaign_actions import CampaignActions
from handlers.campaign_plan_edits import PlanEdits
from handlers.intake import Intake
from handlers.standup_actions import RitualControl
from jobs.slack.people import People, refusal_to_decide
from jobs.workspace import WorkspaceApprovers

SERVICES_KEY = "marketing_dept_services"


@dataclass(frozen=True)
class Services:
    """`intake` persists and enqueues; `approvers` (the file's; a workspace's own people
    through `workspace_approvers`) and `people` say who may decide;
    `campaigns` is what `/campaign` does once parsed, `rituals` what `/standup` does;
    `plan_edits` edits a planned campaign's plan (None until the campaign engine is wired in:
    the Edit button then says so)."""

    intake: Intake
    approvers: ApprovalConfig
    people: People
    campaigns: CampaignActions
    rituals: RitualControl
    plan_edits: PlanEdits | None = None

    def provide(self, context: BoltContext, next_: Callable[[], None]) -> None:
        """Bolt middleware: every listener of this app finds these services in `context`."""
        context[SERVICES_KEY] = self
        next_()

    def refusal(self, team_id: str, action_type: str, user_id: str) -> str | None:
        """None when `user_id` may decide on a card of `action_type`; else what to tell them."""
        config = self.workspace_approvers.for_team(team_id)
        return refusal_to_decide(self.people, team_id, config, action_type, user_id)

    @property
    def workspace_approvers(self) -> WorkspaceApprovers:
        """`approvers` (the file) with each workspace's own people, read per request."""
        return WorkspaceApprovers(self.intake.engine, self.approvers)


def services(context: BoltContext) -> Services:
    """The services `handlers.register` installed for this app."""
    found = context.get(SERVICES_KEY)
    if not isinstance(found, Services):
        raise RuntimeError("No services in the Bolt context: wire the app with handlers.register")
    return found
