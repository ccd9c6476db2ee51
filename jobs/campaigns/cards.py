"""The campaign card: the advisor's analysis, its decision and the plan, with the buttons
that approve or cancel it (issue 17).

Posted once by the VP Marketing in #mkt-campaigns (in the requester's conversation if that
is private, or if the app cannot join the channel), its thread is the campaign's: the
engine links each step's thread there. The card is rendered from the campaign's record
(data, not markup) every time, so any change (approved, cancelled, paused, a plan edited)
is one edit of the same message, made only when the card changed. Once steps run, the
plan reads as a checklist with each step's state: a project's card is shown on every engine
pass, so its checklist stays current. Model and person text is escaped; ids, dates and
mentions are ours.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from bots.roster import Roster
from jobs import runtime as runtime_module
from jobs import workspace
from jobs.campaigns.hand_off_card import HAND_OFF_RUNNING, hand_off_thread, handed, is_hand_off
from jobs.runtime import Runtime
from jobs.slack import channels, placement
from jobs.slack.blocks import button, context, header
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import Mrkdwn, join, md, mention, mrkdwn_text
from models import campaign_spend, campaign_steps, campaigns
from models.campaigns import Campaign, CampaignStatus, StepStatus

ADVISOR = "vp_marketing"
BAND_KEPT_S = 30 * 24 * 3600  # how long Redis remembers what the card last said of the budget
WARN_AT = Decimal("0.8")  # the share of the budget spent from which the card and progress warn
SHOWN_KEY = "campaign:card:shown:{team_id}:{campaign_id}"  # digest of the card as last edited
SHOWN_TTL_S = 86400  # a day: after that an unchanged card may be edited once more
ACTIONS = {
    "approve": "campaign-approve-plan",
    "edit": "campaign-edit-plan",
    "cancel": "campaign-cancel",
}
AI_DOWN = "The AI service kept failing while analysing this brief. Run `/campaign` again later."
SECTION_MAX_CHARS = 3000  # Slack's limit for a section's text
APPROACH_TEXT = {
    "direct_delegation": "Direct delegation",
    "project_management": "Project management",
    "workflow_engine": "Workflow engine",
}
DIRECT_NEXT = (
    "_Next:_ one manager can take this on. Campaigns do not hand it over yet: mention "
    "@Marketing Dept with this brief in a thread and the CMO passes it to the right manager."
)
MARKS = {  # a step's state, on the card's checklist and in the progress message
    StepStatus.PENDING: ":white_circle:",
    StepStatus.WAITING_APPROVAL: ":raised_hand:",
    StepStatus.STARTED: ":hourglass_flowing_sand:",
    StepStatus.DONE: ":white_check_mark:",
    StepStatus.FAILED: ":warning:",
    StepStatus.SKIPPED: ":fast_forward:",
    StepStatus.CANCELLED: ":heavy_multiplication_x:",
}
STATUS_TEXT = {
    CampaignStatus.PLANNED.value: "waiting for a plan approver",
    CampaignStatus.RUNNING.value: "approved: running",
    CampaignStatus.PAUSED.value: "paused: no new steps start",
    CampaignStatus.CANCELLED.value: "cancelled",
    CampaignStatus.DONE.value: "done",
    CampaignStatus.FAILED.value: "stopped",
}


def refresh(team_id: str, campaign_id: str) -> str:
    """Job CAMPAIGN_CARD: the card shows what a click or a command just changed."""
    return show(runtime_module.current(), team_id, campaign_id) or "no-card"


def show(rt: Runtime, team_id: str, campaign_id: str) -> str | None:
    """Post the card once, or edit it to the campaign's current state; its ts."""
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
    if campaign is None or campaign.status == CampaignStatus.ANALYZING.value:
        return None  # the card shows the analysis: there is none yet
    with rt.sessions() as session:
        spend = campaign_spend.spend_usd(session, team_id, campaign_id)
    text, blocks = render(
        campaign, rt.roster, spend, hand_off_thread(rt, campaign), _states(rt, campaign)
    )
    if campaign.thread_ts and campaign.channel_id:
        digest = hashlib.sha256(json.dumps([text.text, blocks]).encode()).hexdigest()
        shown = SHOWN_KEY.format(team_id=team_id, campaign_id=campaign_id)
        if rt.redis.get(shown) in (digest, digest.encode()):
            return campaign.thread_ts  # as it is: no edit (passes show it again and again)
        rt.slack_for(team_id).chat_update(
            channel=campaign.channel_id, ts=campaign.thread_ts, text=text.text, blocks=blocks
        )
        rt.redis.set(shown, digest, ex=SHOWN_TTL_S)
        return campaign.thread_ts
    channel = card_channel(rt, campaign)
    target = ReplyTarget(team_id, f"k{campaign.id[:31]}", channel, None)
    advisor = rt.roster.get(ADVISOR)
    with channels.posting_to(rt, team_id, channel):
        ts = post_once(
            rt.slack_for(team_id),
            rt.sessions,
            target,
            Persona(advisor.display_name, advisor.icon_emoji),
            text,
            blocks,
        )
    with rt.sessions() as session:
        campaigns.set_card(session, team_id, campaign_id, channel, ts)
    return ts


def show_budget_change(rt: Runtime, team_id: str, campaign_id: str) -> bool:
    """Edit the card when what it says of the budget changed (past 80 %, held, released):
    the band last shown is kept in Redis, so passes that change nothing edit nothing."""
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
        spend = campaign_spend.spend_usd(session, team_id, campaign_id)
    if campaign is None or campaign.thread_ts is None:
        return False
    band = budget_band(campaign, spend)
    key = f"campaign-card-budget:{team_id}:{campaign_id}"
    shown = rt.redis.getset(key, band)
    rt.redis.expire(key, BAND_KEPT_S)
    if (shown.decode() if isinstance(shown, bytes) else shown or "") == band:
        return False
    show(rt, team_id, campaign_id)
    return True


def card_channel(rt: Runtime, campaign: Campaign) -> str:
    """#mkt-campaigns, joined first, unless the command came from a private conversation
    (the card stays there) or the channel cannot be joined (the requester is asked once)."""
    origin = campaign.channel_id or ""
    if origin and placement.is_private(rt, campaign.team_id, origin):
        return origin
    name = workspace.workspace_settings(rt, campaign.team_id).campaign_channel
    channel = channels.team_channel_id(rt, campaign.team_id, name)
    if channel is not None and channels.ensure_member(rt, campaign.team_id, channel):
        return channel
    channels.ask_to_invite(rt, campaign.team_id, name, campaign.requested_by, (origin, ""))
    return origin


def _states(rt: Runtime, campaign: Campaign) -> dict[str, StepStatus]:
    """Each step's state (a recurring step's latest run), once the campaign has run."""
    with rt.sessions() as session:
        rows = campaign_steps.steps_of(session, campaign.team_id, campaign.id)
    latest: dict[str, tuple[int, StepStatus]] = {}
    for row in rows:
        if row.run >= latest.get(row.step_id, (-1, StepStatus.PENDING))[0]:
            latest[row.step_id] = (row.run, StepStatus(row.status))
    return {step_id: status for step_id, (_run, status) in latest.items()}


def render(
    campaign: Campaign,
    roster: Roster,
    spend: Decimal | None = None,
    hand_off_thread: Mrkdwn | None = None,
    states: dict[str, StepStatus] | None = None,
) -> tuple[Mrkdwn, list[dict[str, Any]]]:
    """The notification text and the blocks of the card for this campaign's record: while it
    runs, its budget's state from `spend`; a hand-off's card links the manager's thread once
    it is open, and once steps have run the plan reads as a checklist with each step's state
    (`states`, by step id)."""
    decision = campaign.decision or {}
    analysis = campaign.analysis or {}
    approach = APPROACH_TEXT.get(decision.get("approach", ""), "No decision")
    title = md("Campaign `{id}`: {approach}", id=campaign.id, approach=approach)
    blocks: list[dict[str, Any]] = [
        header(f"Campaign {campaign.id[:8]}: {approach}"),
        _section(
            md(
                "*Brief* from {who}\n{brief}",
                who=mention(campaign.requested_by),
                brief=_quote(campaign.brief),
            )
        ),
    ]
    if analysis.get("factors"):
        blocks.append(_section(_factors(analysis["factors"])))
    if decision:
        blocks.append(_section(_decision(decision)))
    if is_hand_off(campaign):
        blocks.append(_section(handed(campaign, roster, hand_off_thread)))
    elif campaign.plan:
        phases = enumerate(campaign.plan["phases"])
        blocks += [_section(_phase(i, p, roster, states or {})) for i, p in phases]
    elif decision.get("approach") == "direct_delegation":
        blocks.append(_section(Mrkdwn(DIRECT_NEXT)))
    if analysis.get("problems"):
        blocks.append(_section(_problems(decision, analysis["problems"])))
    blocks.append(context(_status(campaign)))
    warning = budget_warning(campaign, spend)
    if warning:
        blocks.append(context(warning))
    buttons = _buttons(campaign)
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return title, blocks


def _section(text: Mrkdwn) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn_text(text.cut(SECTION_MAX_CHARS))}


def _quote(text: str) -> Mrkdwn:
    return join("\n", [md("> {line}", line=line) for line in text.splitlines()[:12]])


def _factors(f: dict[str, Any]) -> Mrkdwn:
    yes = {True: "yes", False: "no"}
    return md(
        "*Analysis*\n• Estimated: {hours} h · dependencies: {dep} · approvals needed: {appr}\n"
        "• Teams ({nt}): {teams}\n• Skills ({ns}): {skills}\n• Deliverables: {deliv}\n"
        "• Error impact: {impact} · visibility: {vis} · conditional logic: {cond} · "
        "parallel work: {par}",
        hours=f"{f['estimated_hours']:g}",
        dep=f["dependency_type"],
        appr=f["approvals_needed"],
        nt=len(f["teams"]),
        teams=", ".join(f["teams"]),
        ns=len(f["skills"]),
        skills=", ".join(f["skills"]),
        deliv=", ".join(f["deliverables"]) or "none named",
        impact=f["error_impact"],
        vis=f["visibility"],
        cond=yes[bool(f["conditional_logic"])],
        par=yes[bool(f["parallel_work"])],
    )


def _decision(d: dict[str, Any]) -> Mrkdwn:
    pattern = md(" · pattern: `{p}`", p=d["pattern"]) if d.get("pattern") else Mrkdwn("")
    reasons = join("\n", [md("• {r}", r=r) for r in d.get("reasons", [])])
    notes = join("\n", [md("• {c}", c=c) for c in d.get("considerations", [])])
    return md(
        "*Decision: {approach}* (confidence {conf}){pattern}\n{reasons}\n*Key considerations*\n"
        "{notes}",
        approach=d["approach"],
        conf=f"{d['confidence']:.2f}",
        pattern=pattern,
        reasons=reasons,
        notes=notes or Mrkdwn("• none"),
    )


def _phase(
    index: int, phase: dict[str, Any], roster: Roster, states: dict[str, StepStatus]
) -> Mrkdwn:
    kind: Mrkdwn = md("{kind}", kind=phase["type"])
    if phase["type"] == "conditional":
        kind = md("conditional on `{c}`", c=phase["condition"])
        lines = [Mrkdwn("_if true:_"), *_steps(phase.get("if_true", []), roster, states)]
        lines += [Mrkdwn("_if false:_"), *_steps(phase.get("if_false", []), roster, states)]
    else:
        if phase["type"] == "continuous":
            kind = md("continuous, every {h} h until the end date", h=phase["every_hours"])
        lines = _steps(phase["steps"], roster, states)
    after = md(" (after {names})", names=", ".join(phase["after"])) if phase.get("after") else ""
    return md(
        "*{n}. {name}* · {kind}{after}\n{steps}",
        n=index + 1,
        name=phase["name"],
        kind=kind,
        after=after,
        steps=join("\n", lines),
    )


def _steps(
    steps: list[dict[str, Any]], roster: Roster, states: dict[str, StepStatus]
) -> list[Mrkdwn]:
    shown = []
    for step in steps:
        agent = roster.by_id.get(step["agent"])
        gate = step.get("gate")
        gate_text = (
            md(
                " · :lock: {who} approves {when}",
                who=_approver(gate["approver"], roster),
                when=gate["when"],
            )
            if gate
            else Mrkdwn("")
        )
        shown.append(
            md(
                "{mark} {agent}: {action} (`{type}`, due {due}){gate}",
                mark=MARKS[states[step["id"]]] if step["id"] in states else "•",
                agent=agent.display_name if agent else step["agent"],
                action=step["action"],
                type=step["action_type"],
                due=step["due"],
                gate=gate_text,
            )
        )
    return shown


def _approver(approver: str, roster: Roster) -> str:
    agent = roster.by_id.get(approver)
    return agent.display_name if agent else "a person"


def _problems(decision: dict[str, Any], problems: list[str]) -> Mrkdwn:
    what = "The plan was refused" if decision else "The brief could not be analysed"
    return md(
        "*{what}*, so nothing will run. What was wrong:\n{problems}\nRun `/campaign` again "
        "with a clearer brief.",
        what=what,
        problems=join("\n", [md("• {p}", p=p) for p in problems]),
    )


def budget_band(campaign: Campaign, spend: Decimal) -> str:
    """What the card says of the budget: "" (nothing), "warn" (from WARN_AT), "held"."""
    if campaign.status not in (CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value):
        return ""
    if campaign.budget_hold_usd is not None:
        return "held"
    share = spend / campaign.budget_usd if campaign.budget_usd > 0 else Decimal(1)
    return "warn" if share >= WARN_AT else ""


def budget_warning(campaign: Campaign, spend: Decimal | None) -> Mrkdwn:
    """The card's line about the budget while the campaign runs: from 80 % a warning, once
    held what a person is asked (the budget card is in the thread)."""
    band = budget_band(campaign, spend) if spend is not None else ""
    if not band:
        return Mrkdwn("")
    assert spend is not None
    spent = md(
        "${spend} of the ${budget} budget spent ({pct}%)",
        spend=f"{spend:,.2f}",
        budget=f"{campaign.budget_usd:,.2f}",
        pct=f"{spend / campaign.budget_usd * 100:.0f}",
    )
    if band == "held":
        return md(
            ":no_entry: Budget held: {spent}; no new step starts until a person raises it "
            "to ${offer} or stops the campaign (card in the thread).",
            spent=spent,
            offer=f"{campaign.budget_hold_usd:,.2f}",
        )
    return md(
        ":warning: Over {warn}% of the budget: {spent}. At 100% new steps are held.",
        warn=f"{WARN_AT * 100:.0f}",
        spent=spent,
    )


def _status(campaign: Campaign) -> Mrkdwn:
    state = STATUS_TEXT.get(campaign.status, campaign.status)
    if is_hand_off(campaign) and campaign.status == CampaignStatus.RUNNING.value:
        state = HAND_OFF_RUNNING
    by = md(" by {who}", who=mention(campaign.decided_by)) if campaign.decided_by else ""
    if campaign.status not in (CampaignStatus.RUNNING.value, CampaignStatus.CANCELLED.value):
        by = ""
    edited_by = (campaign.analysis or {}).get("edited_by")
    edited = md(" · plan edited by {who}", who=mention(edited_by)) if edited_by else ""
    return md(
        "`{id}` · {state}{by}{edited} · budget ${budget}",
        id=campaign.id,
        state=state,
        by=by,
        edited=edited,
        budget=f"{campaign.budget_usd:,.2f}",
    )


def _buttons(campaign: Campaign) -> list[dict[str, Any]]:
    if campaign.status != CampaignStatus.PLANNED.value:
        return []
    found = []
    if campaign.plan:
        found.append(button("Approve plan", ACTIONS["approve"], campaign.id, "primary"))
        found.append(button("Edit", ACTIONS["edit"], campaign.id))
    found.append(button("Cancel", ACTIONS["cancel"], campaign.id, "danger"))
    return found
