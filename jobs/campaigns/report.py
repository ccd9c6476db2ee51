"""The final report of a campaign that ended (done, failed or cancelled): the VP Marketing's
synthesis to the requester, in the campaign card's thread, and to the CMO, as a copy in the
CMO's team channel (#mkt-leadership) linking to that thread (issue 17).

Built from the records, without Claude: what was produced (each step done, with a link to
its thread), what is still open or did not happen, and the cost against the budget. Each
message is posted exactly once per campaign (post-once keys `c…` for the copy, `r…` for the
report), so an end seen by two passes, or a pass run twice, posts one of each. The copy goes
first: a missing report (`r…`) then means both may be missing, and the sweeper's query for
ended campaigns without a report (`models.campaign_steps.campaigns_to_advance`) has the next
pass post what is missing. A campaign whose card is in a private conversation gets no copy:
its report stays with the audience it was asked in.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bots.plans import Plan, Step
from bots.roster import Roster
from jobs import workspace
from jobs.campaigns.cards import ADVISOR
from jobs.campaigns.progress import Snapshot, load
from jobs.runtime import Runtime
from jobs.slack import channels, placement
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import Mrkdwn, join, link, md, mention
from models import campaign_steps, tasks
from models.campaigns import Campaign, CampaignStatus, CampaignStep, StepStatus

ENDED = (CampaignStatus.DONE.value, CampaignStatus.FAILED.value, CampaignStatus.CANCELLED.value)
ENDINGS = {
    CampaignStatus.DONE.value: "is done",
    CampaignStatus.FAILED.value: "stopped: a step failed",
    CampaignStatus.CANCELLED.value: "was cancelled",
}
REPORT_MAX_CHARS = 3900  # one message
CMO = "cmo"  # the report's second reader: a copy goes to this agent's team channel
OPEN = (StepStatus.PENDING, StepStatus.WAITING_APPROVAL, StepStatus.STARTED)


def report_key(campaign_id: str) -> str:
    """The report's post-once key (`slack_posts.turn_id`, 32 chars at most)."""
    return f"{campaign_steps.REPORT_KEY_PREFIX}{campaign_id[:31]}"


def copy_key(campaign_id: str) -> str:
    """The CMO's copy's post-once key."""
    return f"c{campaign_id[:31]}"


def post_report(rt: Runtime, team_id: str, campaign_id: str) -> str | None:
    """Post the CMO's copy, then the report, each once, if the campaign has ended; the
    report's ts (None: not ended). A Slack error leaves what is missing to the next pass."""
    snapshot = load(rt, team_id, campaign_id)
    if snapshot is None or snapshot.campaign.status not in ENDED or not snapshot.rows:
        return None  # not ended, or cancelled before it ran (the card says so)
    campaign = snapshot.campaign
    assert campaign.channel_id is not None and campaign.thread_ts is not None  # it ran
    links = _thread_links(rt, team_id, snapshot.rows)
    advisor = rt.roster.get(ADVISOR)
    vp = Persona(advisor.display_name, advisor.icon_emoji)
    _post_copy(rt, campaign, render(snapshot, rt.roster, links, for_cmo=True), vp)
    text = render(snapshot, rt.roster, links)
    target = ReplyTarget(team_id, report_key(campaign_id), campaign.channel_id, campaign.thread_ts)
    return post_once(rt.slack_for(team_id), rt.sessions, target, vp, text)


def _post_copy(rt: Runtime, campaign: Campaign, report: Mrkdwn, vp: Persona) -> None:
    """The copy in the CMO's team channel, joined first, with a link to the campaign's
    thread; none for a private campaign, or when the channel cannot be joined (the
    requester is asked once to invite the app, as for any team channel)."""
    assert campaign.channel_id is not None and campaign.thread_ts is not None
    if placement.is_private(rt, campaign.team_id, campaign.channel_id):
        return
    name = workspace.channel_name(rt, campaign.team_id, rt.roster.get(CMO).team_channel)
    channel = channels.team_channel_id(rt, campaign.team_id, name)
    if channel is None or not channels.ensure_member(rt, campaign.team_id, channel):
        origin = (campaign.channel_id, campaign.thread_ts)
        channels.ask_to_invite(rt, campaign.team_id, name, campaign.requested_by, origin)
        return
    thread = link(
        permalink(rt, campaign.team_id, campaign.channel_id, campaign.thread_ts),
        "the campaign's thread",
    )
    text = md("{report}\n\n_The full thread: {thread}._", report=report, thread=thread)
    target = ReplyTarget(campaign.team_id, copy_key(campaign.id), channel, None)
    with channels.posting_to(rt, campaign.team_id, channel):
        post_once(
            rt.slack_for(campaign.team_id), rt.sessions, target, vp, text.cut(REPORT_MAX_CHARS)
        )


def render(
    snapshot: Snapshot, roster: Roster, links: dict[str, Mrkdwn], *, for_cmo: bool = False
) -> Mrkdwn:
    """The report's text; `links` maps a step row's id to the link to its thread. The
    thread's report opens with the requester's mention (it is theirs); the CMO's copy opens
    for the CMO and says who asked."""
    campaign = snapshot.campaign
    plan = Plan.model_validate(campaign.plan)
    steps = {step.id: step for _index, _phase, step in plan.steps()}
    done = [row for row in snapshot.rows if row.status == StepStatus.DONE]
    open_ = [row for row in snapshot.rows if row.status in OPEN]
    not_done = [
        row for row in snapshot.rows if row.status in (StepStatus.FAILED, StepStatus.CANCELLED)
    ]
    opening = (
        "*For the CMO*: the campaign *{name}* that {who} asked for {ending}."
        if for_cmo
        else "{who} the campaign *{name}* {ending}. Here is where it stands."
    )
    parts = [
        md(
            opening,
            who=mention(campaign.requested_by),
            name=plan.name,
            ending=ENDINGS[campaign.status],
        ),
        _section("Produced", done, steps, roster, links),
        _section("Still open", open_, steps, roster, links),
        _section("Failed or cancelled", not_done, steps, roster, links),
        md(
            "*Cost* ${spend} of the ${budget} budget.",
            spend=f"{snapshot.spend_usd:,.2f}",
            budget=f"{campaign.budget_usd:,.2f}",
        ),
    ]
    if campaign.status == CampaignStatus.DONE.value:
        parts.append(
            md(
                "Record how it went with `/campaign outcome {id}`: the advisor learns from it.",
                id=campaign.id,
            )
        )
    return join("\n\n", [part for part in parts if part.text]).cut(REPORT_MAX_CHARS)


def _section(
    title: str,
    rows: list[CampaignStep],
    steps: dict[str, Step],
    roster: Roster,
    links: dict[str, Mrkdwn],
) -> Mrkdwn:
    if not rows:
        return Mrkdwn("")
    lines = [md("*{title}*", title=title)]
    for row in rows:
        step = steps[row.step_id]
        agent = roster.by_id.get(step.agent)
        run = md(" (run {n})", n=row.run) if row.run else Mrkdwn("")
        thread = md(" · {link}", link=links[row.id]) if row.id in links else Mrkdwn("")
        lines.append(
            md(
                "• {who}: {action}{run}{thread}",
                who=agent.display_name if agent else step.agent,
                action=step.action,
                run=run,
                thread=thread,
            )
        )
    return join("\n", lines)


def _thread_links(rt: Runtime, team_id: str, rows: list[CampaignStep]) -> dict[str, Mrkdwn]:
    """A link to each started step's thread (its task's), by step row id."""
    with rt.sessions() as session:
        threads = {
            row.id: (task.channel_id, task.thread_ts)
            for row in rows
            if row.task_id and (task := tasks.load_task(session, team_id, row.task_id)) is not None
        }
    links = {}
    for row_id, (channel, ts) in threads.items():
        if channel and ts:
            links[row_id] = link(permalink(rt, team_id, channel, ts), "thread")
    return links


def permalink(rt: Runtime, team_id: str, channel: str, ts: str) -> str:
    """A link to a message (a thread); a `slack://` one when Slack cannot make it."""
    try:
        return str(
            rt.slack_for(team_id).chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        )
    except SlackApiError:
        return f"slack://channel?id={channel}&message={ts}"
