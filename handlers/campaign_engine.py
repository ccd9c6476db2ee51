"""`CampaignActions` over the campaign records and the queue: what `/campaign` does for real.

`start` records the campaign (status `analyzing`) before the listener acks, then enqueues
its analysis; with Redis away the brief is still safe, and the sweeper enqueues the
analysis of a campaign left in `analyzing`. Every other request is one guarded transition on
a campaign of the person's own workspace (another workspace's id reads as not found), made
only by its requester or a plan approver (`handlers/campaign_access.py`), then an engine
pass. Outcomes: `handlers/campaign_outcomes.py`. Jobs never import handlers, so this adapter
lives here and reaches the engine through `models/` and `jobs/queue.py`, as
`jobs/campaigns/control.py` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rq import Queue
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from bots.plans import Condition, Value
from handlers import campaign_outcomes
from handlers.campaign_access import CampaignAccess
from handlers.campaign_actions import Requester, describe_request, describe_value
from handlers.campaign_command import CampaignRequest, SetVariable
from handlers.campaign_forms import Outcome
from jobs.queue import ADVANCE_CAMPAIGN, ANALYZE_CAMPAIGN, CAMPAIGN_CARD, try_enqueue
from jobs.slack.people import People
from jobs.slack.text import Mrkdwn, join, md
from jobs.workspace import WorkspaceApprovers
from models import campaign_steps, campaigns
from models.base import new_id
from models.campaigns import OPEN_STATUSES, Campaign, CampaignStatus
from models.db import write_guard
from models.workspace_settings import WorkspaceDefaults, settings_for

NOT_FOUND = "No campaign `{id}` in this workspace. `/campaign list` shows yours. Nothing changed."
STATE_WORDS = {
    CampaignStatus.ANALYZING.value: "being analysed",
    CampaignStatus.PLANNED.value: "planned, waiting for approval",
    CampaignStatus.RUNNING.value: "running",
    CampaignStatus.PAUSED.value: "paused",
    CampaignStatus.CANCELLED.value: "cancelled",
    CampaignStatus.DONE.value: "done",
    CampaignStatus.FAILED.value: "stopped",
}
Change = Callable[[Session, str, str], bool]
TYPE_WORDS = {"number": "a number", "text": "text", "flag": "a flag (true or false)"}


@dataclass(frozen=True)
class CampaignsRunning:
    """The real `/campaign`: `engine` holds the campaigns, `queue` takes the jobs;
    `approvers` and `people` say who besides the requester may act on a campaign."""

    engine: Engine
    queue: Queue
    defaults: WorkspaceDefaults  # the card's channel and the budget, unless the workspace chose
    approvers: WorkspaceApprovers
    people: People

    @property
    def access(self) -> CampaignAccess:
        return CampaignAccess(self.approvers, self.people)

    def start(self, who: Requester, request: CampaignRequest) -> Mrkdwn:
        brief = request.brief
        if request.success_metrics:
            brief += f"\n\nSuccess metrics: {request.success_metrics}"
        campaign_id = new_id()  # known before the write: no read-back under the write lock
        with Session(self.engine) as session:
            chosen = settings_for(session, who.team_id, self.defaults)
        values = {
            "id": campaign_id,
            "team_id": who.team_id,
            "requested_by": who.user_id,
            "brief": brief,
            "budget_usd": request.budget_usd or chosen.campaign_budget_usd,
            "ends_on": request.deadline,
            "channel_id": who.channel_id or request.channel_id,
        }
        # One INSERT on a pooled connection (the columns' defaults fill the rest): the ack
        # waits for it, so no ORM unit of work around a single row.
        with write_guard(self.engine), self.engine.begin() as connection:
            connection.execute(insert(Campaign), values)
        try_enqueue(self.queue, ANALYZE_CAMPAIGN, who.team_id, campaign_id)
        return md(
            "Analyzing… campaign `{id}`. The VP Marketing posts the analysis and the plan in "
            "#{channel} in a moment. I understood: {understood}",
            id=campaign_id,
            channel=chosen.campaign_channel,
            understood=describe_request(request),
        )

    def list_campaigns(self, who: Requester) -> Mrkdwn:
        with Session(self.engine) as session:
            found = campaigns.recent(session, who.team_id)
        if not found:
            return Mrkdwn("No campaigns in this workspace yet. Start one with `/campaign <brief>`.")
        lines = [
            md(
                "• `{id}` {state}: {brief}",
                id=c.id,
                state=STATE_WORDS.get(c.status, c.status),
                brief=c.brief.splitlines()[0][:80],
            )
            for c in found
        ]
        return join("\n", [Mrkdwn("*Campaigns in this workspace* (newest first)"), *lines])

    def status(self, who: Requester, campaign_id: str) -> Mrkdwn:
        with Session(self.engine) as session:
            campaign = campaigns.load_campaign(session, who.team_id, campaign_id)
            rows = campaign_steps.steps_of(session, who.team_id, campaign_id) if campaign else []
        if campaign is None:
            return md(NOT_FOUND, id=campaign_id)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        steps = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        return md(
            "Campaign `{id}` is {state}.{steps}\n{brief}",
            id=campaign.id,
            state=STATE_WORDS.get(campaign.status, campaign.status),
            steps=f" Steps: {steps}." if steps else "",
            brief=campaign.brief.splitlines()[0][:200],
        )

    def pause(self, who: Requester, campaign_id: str) -> Mrkdwn:
        done = md(
            "Paused `{id}`: running steps finish, no new ones start until you resume it.",
            id=campaign_id,
        )
        return self._change(who, campaign_id, campaigns.pause, done, "pause it", advance=False)

    def resume(self, who: Requester, campaign_id: str) -> Mrkdwn:
        done = md("Resumed `{id}`.", id=campaign_id)
        return self._change(who, campaign_id, campaigns.resume, done, "resume it")

    def cancel(self, who: Requester, campaign_id: str) -> Mrkdwn:
        def cancel(session: Session, team_id: str, cid: str) -> bool:
            return campaigns.cancel(session, team_id, cid, who.user_id)

        done = md("Cancelled `{id}`: the steps not done are cancelled.", id=campaign_id)
        return self._change(who, campaign_id, cancel, done, "cancel it")

    def set_variable(self, who: Requester, setting: SetVariable) -> Mrkdwn:
        campaign_id = setting.campaign_id or self._latest_open(who)
        if campaign_id is None:
            return Mrkdwn("You have no open campaign to set it on. Nothing changed.")

        def set_it(session: Session, team_id: str, cid: str) -> bool:
            return campaign_steps.set_variable(
                session, team_id, cid, setting.variable, setting.value, who.user_id
            )

        done = md(
            "Set `{name}` to {value} on `{id}`.",
            name=setting.variable,
            value=describe_value(setting.value),
            id=campaign_id,
        )

        def declared(campaign: Campaign) -> Mrkdwn | None:
            return _undeclared(campaign, setting.variable, setting.value)

        return self._change(who, campaign_id, set_it, done, "set its variables", check=declared)

    def outcome_refusal(self, who: Requester, campaign_id: str) -> Mrkdwn | None:
        with Session(self.engine) as session:
            return campaign_outcomes.refusal(session, self.access, who, campaign_id)

    def record_outcome(self, who: Requester, outcome: Outcome) -> Mrkdwn:
        """Checked again (the form was opened earlier), then kept once; the next analysis of
        its pattern learns from it (`jobs/campaigns/analysis.py`)."""
        with write_guard(self.engine), Session(self.engine) as session:
            return campaign_outcomes.record(session, self.access, who, outcome)

    def availability(self) -> Mrkdwn | None:
        return None

    def _change(
        self,
        who: Requester,
        campaign_id: str,
        change: Change,
        done: Mrkdwn,
        what: str,
        advance: bool = True,
        check: Callable[[Campaign], Mrkdwn | None] | None = None,
    ) -> Mrkdwn:
        """One guarded transition by the requester or a plan approver (anyone else is told
        who can), then an engine pass (the sweeper runs one if Redis is away: the change is
        newer than the campaign's last pass)."""
        with Session(self.engine) as session:
            campaign = campaigns.load_campaign(session, who.team_id, campaign_id)
        if campaign is None:
            return md(NOT_FOUND, id=campaign_id)
        refused = self.access.refusal(who.team_id, who.user_id, campaign.requested_by, what)
        refused = refused or (check(campaign) if check else None)
        if refused is not None:
            return refused
        with write_guard(self.engine), Session(self.engine) as session:
            changed = change(session, who.team_id, campaign_id)
            status = campaigns.status_of(session, who.team_id, campaign_id)
        if status is None:
            return md(NOT_FOUND, id=campaign_id)
        if not changed:
            return md(
                "Campaign `{id}` is {state}: nothing changed.",
                id=campaign_id,
                state=STATE_WORDS.get(status, status),
            )
        if advance:
            try_enqueue(self.queue, ADVANCE_CAMPAIGN, who.team_id, campaign_id)
        try_enqueue(self.queue, CAMPAIGN_CARD, who.team_id, campaign_id)
        return done

    def _latest_open(self, who: Requester) -> str | None:
        with Session(self.engine) as session:
            return session.scalar(
                select(Campaign.id)
                .where(
                    Campaign.team_id == who.team_id,
                    Campaign.requested_by == who.user_id,
                    Campaign.status.in_([s.value for s in OPEN_STATUSES]),
                )
                .order_by(Campaign.updated_at.desc())
                .limit(1)
            )


def _undeclared(campaign: Campaign, name: str, value: Value) -> Mrkdwn | None:
    """Why `set` may not set `name` to `value` on this campaign: its plan does not declare
    the variable (no condition reads it, so setting it would do nothing), or declares it of
    another type (a condition compares only values of its type, so it would never fire)."""
    declared: dict[str, str] = dict((campaign.plan or {}).get("variables") or {})
    names = ", ".join(f"`{n}` ({TYPE_WORDS.get(t, t)})" for n, t in sorted(declared.items()))
    if name not in declared:
        return md(
            "Campaign `{id}`'s plan has no variable `{name}`; {known}. Nothing changed.",
            id=campaign.id,
            name=name,
            known=f"it declares {names}" if names else "it declares none",
        )
    wanted = declared[name]
    if Condition("value", "==", value).value_type != wanted:
        return md(
            "`{name}` is {wanted} in campaign `{id}`'s plan, and {value} is not. It declares "
            "{known}. Nothing changed.",
            name=name,
            wanted=TYPE_WORDS.get(wanted, wanted),
            id=campaign.id,
            value=describe_value(value),
            known=names,
        )
    return None
