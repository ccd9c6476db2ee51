"""`/campaign outcome <id>`: who may record how a campaign went, when, and recording it.

The rules, checked before the form opens and again on its submission (a request of its own:
the campaign may have moved, or another person may have recorded it meanwhile):
- a campaign of this workspace that has run: running, paused, done, stopped (a failed step),
  or cancelled after its first step started. A campaign still being analysed or waiting for
  approval has spent no hours, so there is nothing to compare with its estimate yet; a
  running one may be judged before its end (a continuous phase can run for weeks);
- by the person who asked for it or an approver of `campaign_plan` (`handlers/campaign_access`);
- once. A second submission is refused, naming who recorded it and what: outcomes are the
  learning loop's history, taken oldest first, and the cards posted since already show
  estimates made from it, so it is not rewritten behind them. Two forms submitted at once:
  one insert wins (`campaign_steps.record_outcome`), the other is told.

The outcome keeps the estimate the card showed for this campaign (the analysis's hours,
made from the brief alone, before any learning), so `bots/learning.py` compares actual hours
with an estimate that its own adjustments never fed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.campaign_access import CampaignAccess
from handlers.campaign_actions import Requester, describe_outcome
from handlers.campaign_forms import Outcome
from jobs.slack.text import Mrkdwn, md, mention
from models import campaign_steps, campaigns
from models.base import new_id, utcnow
from models.campaigns import Campaign, CampaignOutcome, CampaignStatus

NOT_FOUND = "No campaign `{id}` in this workspace. `/campaign list` shows yours. Nothing changed."
HAS_RUN = (
    CampaignStatus.RUNNING.value,
    CampaignStatus.PAUSED.value,
    CampaignStatus.DONE.value,
    CampaignStatus.FAILED.value,
)


def refusal(
    session: Session, access: CampaignAccess, who: Requester, campaign_id: str
) -> Mrkdwn | None:
    """None when `who` may record this campaign's outcome now; else the private why."""
    campaign = campaigns.load_campaign(session, who.team_id, campaign_id)
    if campaign is None:
        return md(NOT_FOUND, id=campaign_id)
    denied = access.refusal(
        who.team_id, who.user_id, campaign.requested_by, "record this campaign's outcome"
    )
    if denied is not None:
        return denied
    if not _has_run(session, campaign):
        return md(
            "Campaign `{id}` has not run yet ({state}), so there are no hours to record. "
            "Record its outcome once it has run. Nothing changed.",
            id=campaign_id,
            state=campaign.status,
        )
    if estimated_hours(campaign) is None:  # a campaign runs only after its analysis
        return md(
            "Campaign `{id}` has no estimate to compare with. Nothing changed.", id=campaign_id
        )
    recorded = campaigns.outcome_of(session, who.team_id, campaign_id)
    return _already(recorded) if recorded is not None else None


def record(session: Session, access: CampaignAccess, who: Requester, outcome: Outcome) -> Mrkdwn:
    """Check again, then keep the outcome (the first one only); the answer says what was kept
    and that the next card of its pattern learns from it."""
    refused = refusal(session, access, who, outcome.campaign_id)
    if refused is not None:
        return refused
    campaign = campaigns.load_campaign(session, who.team_id, outcome.campaign_id)
    estimate = estimated_hours(campaign) if campaign else None
    assert campaign is not None and estimate is not None  # refusal() made sure of both
    row = _row(campaign, who, outcome, estimate)
    if not campaign_steps.record_outcome(session, row):
        recorded = campaigns.outcome_of(session, who.team_id, outcome.campaign_id)
        assert recorded is not None  # the insert lost to this row
        return _already(recorded)
    learns = (
        md(" The next `{p}` campaign's estimate and confidence learn from it.", p=row.pattern)
        if row.pattern
        else Mrkdwn(" It matched no pattern, so no estimate learns from it.")
    )
    return md(
        "Outcome recorded for `{id}` (estimated {estimate} h).{learns} I understood: {what}",
        id=campaign.id,
        estimate=f"{row.estimated_hours:g}",
        learns=learns,
        what=describe_outcome(outcome),
    )


def _row(campaign: Campaign, who: Requester, outcome: Outcome, estimate: float) -> CampaignOutcome:
    return CampaignOutcome(
        id=new_id(),
        team_id=campaign.team_id,
        campaign_id=campaign.id,
        pattern=campaign.pattern,
        estimated_hours=estimate,
        actual_hours=outcome.actual_hours,
        success=outcome.success,
        satisfaction=outcome.satisfaction,
        rework_needed=outcome.rework_needed,
        key_learning=outcome.key_learning,
        recorded_by=who.user_id,
        created_at=utcnow(),
    )


def estimated_hours(campaign: Campaign) -> float | None:
    """The hours the card's analysis estimated from the brief (validated > 0 when read)."""
    factors = (campaign.analysis or {}).get("factors") or {}
    hours = factors.get("estimated_hours")
    return float(hours) if hours else None


def _has_run(session: Session, campaign: Campaign) -> bool:
    """Running or past it; a cancelled campaign only if a step had started (step rows are
    made by the engine's first pass, after approval)."""
    if campaign.status in HAS_RUN:
        return True
    if campaign.status != CampaignStatus.CANCELLED.value:
        return False
    return bool(campaign_steps.steps_of(session, campaign.team_id, campaign.id))


def _already(recorded: CampaignOutcome) -> Mrkdwn:
    return md(
        "The outcome of `{id}` was already recorded by {who} ({hours} h actual); it is kept "
        "as the learning loop's history, so it is not changed. Nothing changed.",
        id=recorded.campaign_id,
        who=mention(recorded.recorded_by),
        hours=f"{recorded.actual_hours:g}",
    )
