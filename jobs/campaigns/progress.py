"""The campaign's progress message: one message in the campaign card's thread, posted once and
then edited, that shows every phase and step (done, running, waiting, failed, skipped,
cancelled), who each waits on, and the spend against the campaign's budget (issue 17).

The engine calls `show` at the end of every pass; a pass that changed nothing renders the
same text and makes no Slack call (the last text shown is remembered in Redis by digest).
Edits are coalesced to at most one per campaign every `campaign_progress_edit_every_s`
(a Redis key with that TTL) and take a token from the workspace's chat.update budget
(`jobs/slack/edit_budget.py`), so a burst of passes never floods Slack's Tier 3. An edit
held back for either reason is made good by the job `catch_up` (fixed id, so one waits at
most), which sleeps out the window and then shows the latest state: the last state always
reaches the message.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from bots.approvers import ApprovalConfig, approvers_text
from bots.plans import ContinuousPhase, Plan, Step
from bots.roster import Roster
from jobs import runtime as runtime_module
from jobs.campaigns.cards import ADVISOR, MARKS, STATUS_TEXT, WARN_AT
from jobs.queue import PROGRESS_CAMPAIGN, try_enqueue, turn_queue
from jobs.runtime import Runtime
from jobs.slack import edit_budget
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import Mrkdwn, join, md
from jobs.workspace import approvals_for
from models import campaign_spend, campaign_steps, campaigns, posts
from models.campaigns import Campaign, CampaignStatus, CampaignStep, StepStatus

logger = logging.getLogger(__name__)

SHOWN_TTL_S = 7 * 24 * 3600  # how long the digest of the last text shown is kept
TEXT_MAX_CHARS = 3900  # one message, comfortably under Slack's 4,000 for a readable text
WINDOW_KEY = "campaign:progress:window:{team_id}:{campaign_id}"
SHOWN_KEY = "campaign:progress:shown:{team_id}:{campaign_id}"
# Set while a catch-up sleeps out the window: it will show the latest state when it wakes, so
# no other is queued meanwhile (each would sleep in a worker of its own: with two workers, two
# sleeping catch-ups held the next step back by the whole window).
WAITING_KEY = "campaign:progress:waiting:{team_id}:{campaign_id}"
WAKE_MARGIN_MS = 20  # the waiting mark ends this much before the catch-up reads the state
NOT_SHOWN = (CampaignStatus.ANALYZING.value, CampaignStatus.PLANNED.value)


@dataclass(frozen=True)
class Snapshot:
    """What the message shows, read in one session."""

    campaign: Campaign
    rows: list[CampaignStep]
    spend_usd: Decimal


def progress_key(campaign_id: str) -> str:
    """The message's post-once key (`slack_posts.turn_id`, 32 chars at most)."""
    return f"p{campaign_id[:31]}"


def load(rt: Runtime, team_id: str, campaign_id: str) -> Snapshot | None:
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
        if campaign is None:
            return None
        rows = campaign_steps.steps_of(session, team_id, campaign_id)
        spend = campaign_spend.spend_usd(session, team_id, campaign_id)
    return Snapshot(campaign, rows, spend)


def catch_up(team_id: str, campaign_id: str) -> str:
    """RQ entry point: an edit held back by the window or the budget, made after the window
    (the latest state, not the one that was held back)."""
    rt = runtime_module.current()
    keys = {"team_id": team_id, "campaign_id": campaign_id}
    left_ms = min(rt.redis.pttl(WINDOW_KEY.format(**keys)), _window_ms(rt))
    if left_ms > 0:
        if left_ms > WAKE_MARGIN_MS:
            rt.redis.set(WAITING_KEY.format(**keys), "1", px=left_ms - WAKE_MARGIN_MS)
        time.sleep(left_ms / 1000.0)
    return show(rt, team_id, campaign_id, final=True)


def show(
    rt: Runtime, team_id: str, campaign_id: str, *, final: bool = False, coalesce: bool = True
) -> str:
    """Post the progress message once, or edit it to the campaign's state; what happened.

    `final` (the catch-up) waits for a chat.update token instead of giving up; without
    `coalesce` (the end of a campaign, shown once) the edit is made now, window or not."""
    snapshot = load(rt, team_id, campaign_id)
    if snapshot is None:
        return "missing"
    campaign = snapshot.campaign
    if campaign.status in NOT_SHOWN or not campaign.channel_id or not campaign.thread_ts:
        return "not-running"
    if not snapshot.rows:
        return "never-ran"  # cancelled before approval: the card says it all
    text = render(snapshot, rt.roster, approvals_for(rt, team_id))
    digest = hashlib.sha256(text.text.encode()).hexdigest()
    keys = {"team_id": team_id, "campaign_id": campaign_id}
    if _as_str(rt.redis.get(SHOWN_KEY.format(**keys))) == digest:
        return "unchanged"
    with rt.sessions() as session:
        found = posts.parts_of(session, team_id, progress_key(campaign_id))
    if not found or found[0].ts is None:
        ts = _post(rt, campaign, text)
        if not found:  # posted just now with this text (else: found again after a crash)
            rt.redis.set(WINDOW_KEY.format(**keys), "1", px=_window_ms(rt))
            rt.redis.set(SHOWN_KEY.format(**keys), digest, ex=SHOWN_TTL_S)
            return "posted"
    else:
        ts = found[0].ts
    opened = rt.redis.set(WINDOW_KEY.format(**keys), "1", nx=True, px=_window_ms(rt))
    if not opened and coalesce:
        _catch_up_later(rt, team_id, campaign_id)
        return "coalesced"
    if not edit_budget.for_team(rt, team_id).take(final=final or not coalesce):
        _catch_up_later(rt, team_id, campaign_id)
        return "over-budget"
    rt.slack_for(team_id).chat_update(channel=campaign.channel_id, ts=ts, text=text.text)
    rt.redis.set(SHOWN_KEY.format(**keys), digest, ex=SHOWN_TTL_S)
    return "edited"


def _post(rt: Runtime, campaign: Campaign, text: Mrkdwn) -> str:
    assert campaign.channel_id is not None and campaign.thread_ts is not None  # show()
    target = ReplyTarget(
        campaign.team_id, progress_key(campaign.id), campaign.channel_id, campaign.thread_ts
    )
    advisor = rt.roster.get(ADVISOR)
    persona = Persona(advisor.display_name, advisor.icon_emoji)
    return post_once(rt.slack_for(campaign.team_id), rt.sessions, target, persona, text)


def _window_ms(rt: Runtime) -> int:
    return max(1, int(rt.settings.campaign_progress_edit_every_s * 1000))


def _catch_up_later(rt: Runtime, team_id: str, campaign_id: str) -> None:
    if rt.redis.exists(WAITING_KEY.format(team_id=team_id, campaign_id=campaign_id)):
        return  # a catch-up is asleep; it reads the state after this change when it wakes
    try_enqueue(
        turn_queue(rt.redis, rt.settings.queue_name), PROGRESS_CAMPAIGN, team_id, campaign_id
    )


def _as_str(value: object) -> str | None:
    return value.decode() if isinstance(value, bytes) else value if isinstance(value, str) else None


def render(snapshot: Snapshot, roster: Roster, approvers: ApprovalConfig | None = None) -> Mrkdwn:
    """The message's text: the campaign's state, each phase's steps (a gate names who may
    decide it, from `approvers`), the spend."""
    campaign = snapshot.campaign
    plan = Plan.model_validate(campaign.plan)
    steps = {step.id: step for _index, _phase, step in plan.steps()}
    continuous = {p.name for p in plan.phases if isinstance(p, ContinuousPhase)}
    # jobs/campaigns/budget.py holds steps once spent, or once a step's next call would pass it
    spent = snapshot.spend_usd >= campaign.budget_usd or campaign.budget_hold_usd is not None
    lines = [
        md(
            "*Progress of {name}* · {state}",
            name=plan.name,
            state=STATUS_TEXT.get(campaign.status, campaign.status),
        )
    ]
    for phase in plan.phases:
        rows = [row for row in snapshot.rows if row.phase == phase.name]
        lines.append(md("*{name}*", name=phase.name))
        lines += [
            _step_line(row, steps[row.step_id], roster, phase.name in continuous, spent, approvers)
            for row in rows
        ]
        if not rows:
            lines.append(Mrkdwn("_not started yet_"))
    lines.append(spend_line(snapshot.spend_usd, campaign.budget_usd, campaign.budget_hold_usd))
    return join("\n", lines).cut(TEXT_MAX_CHARS)


def _step_line(
    row: CampaignStep,
    step: Step,
    roster: Roster,
    recurring: bool,
    spent: bool,
    approvers: ApprovalConfig | None,
) -> Mrkdwn:
    status = StepStatus(row.status)
    agent = roster.by_id.get(step.agent)
    who = agent.display_name if agent else step.agent
    run = md(" (run {n})", n=row.run) if recurring and row.run else Mrkdwn("")
    return md(
        "{mark} {action}{run} · {waits}",
        mark=MARKS[status],
        action=step.action,
        run=run,
        waits=_waits_on(row, step, who, spent, approvers),
    )


def _waits_on(
    row: CampaignStep, step: Step, who: str, spent: bool, approvers: ApprovalConfig | None
) -> Mrkdwn:
    """Who or what the step waits on, or who did it. A gate waits on the people who may
    decide its card (the step's action type in the approvals data)."""
    status = StepStatus(row.status)
    if status == StepStatus.PENDING and spent:
        return md("{who}, waits: the budget is spent", who=who)
    if status == StepStatus.WAITING_APPROVAL and step.gate is not None:
        by = (
            Mrkdwn(approvers_text(approvers, step.action_type))
            if approvers is not None
            else Mrkdwn("a person")
        )
        when = "to start" if step.gate.when == "before" else "to accept its output"
        return md("{who}, waits on {by} {when} (card in this thread)", who=who, by=by, when=when)
    if status == StepStatus.PENDING and row.next_run_at is not None:
        return md("{who}, next run {at} UTC", who=who, at=row.next_run_at.strftime("%d %b %H:%M"))
    texts = {
        StepStatus.PENDING: "{who}, waits for the steps before it",
        StepStatus.STARTED: "{who} is on it",
        StepStatus.DONE: "done by {who}",
        StepStatus.FAILED: "failed ({who})",
        StepStatus.SKIPPED: "skipped: the branch not taken",
        StepStatus.CANCELLED: "cancelled",
    }
    return md(texts.get(status, "{who}"), who=who)


def spend_line(spend: Decimal, budget: Decimal, hold: Decimal | None = None) -> Mrkdwn:
    """Spend against the budget; from `WARN_AT` of it, a warning that says what follows;
    held (a step's next call would pass it), what a person is asked."""
    share = spend / budget if budget > 0 else Decimal(1)
    line = md(
        "*Spend* ${spend} of ${budget} ({pct}%)",
        spend=f"{spend:,.2f}",
        budget=f"{budget:,.2f}",
        pct=f"{share * 100:.0f}",
    )
    if hold is not None:
        return md(
            "{line} · :no_entry: budget held: no new step starts and no AI call is made until "
            "a person raises it to ${offer} or stops the campaign (card in this thread)",
            line=line,
            offer=f"{hold:,.2f}",
        )
    if share >= 1:
        return md("{line} · :warning: budget spent: no new step starts", line=line)
    if share >= WARN_AT:
        return md(
            "{line} · :warning: over {pct}% of the budget", line=line, pct=f"{WARN_AT * 100:.0f}"
        )
    return line
