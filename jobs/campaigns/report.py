"""The final report of a campaign that ended (done, failed or cancelled): the VP Marketing's
synthesis in the campaign card's thread, mentioning the requester (issue 17).

Built from the records, without Claude: what was produced (each step done, with a link to
its thread), what is still open or did not happen, and the cost against the budget. Posted
exactly once per campaign (post-once key `r…`), so an end seen by two passes, or a pass run
twice, posts one report. The thread's message reaches the requester by the mention; the
people who follow the campaign's card see it in its thread.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bots.plans import Plan, Step
from bots.roster import Roster
from jobs.campaigns.cards import ADVISOR
from jobs.campaigns.progress import Snapshot, load
from jobs.runtime import Runtime
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import Mrkdwn, join, link, md, mention
from models.campaigns import CampaignStatus, CampaignStep, StepStatus
from models.work import Task

ENDED = (CampaignStatus.DONE.value, CampaignStatus.FAILED.value, CampaignStatus.CANCELLED.value)
ENDINGS = {
    CampaignStatus.DONE.value: "is done",
    CampaignStatus.FAILED.value: "stopped: a step failed",
    CampaignStatus.CANCELLED.value: "was cancelled",
}
REPORT_MAX_CHARS = 3900  # one message
OPEN = (StepStatus.PENDING, StepStatus.WAITING_APPROVAL, StepStatus.STARTED)


def report_key(campaign_id: str) -> str:
    """The report's post-once key (`slack_posts.turn_id`, 32 chars at most)."""
    return f"r{campaign_id[:31]}"


def post_report(rt: Runtime, team_id: str, campaign_id: str) -> str | None:
    """Post the report once if the campaign has ended; its ts (None: not ended)."""
    snapshot = load(rt, team_id, campaign_id)
    if snapshot is None or snapshot.campaign.status not in ENDED or not snapshot.rows:
        return None  # not ended, or cancelled before it ran (the card says so)
    campaign = snapshot.campaign
    assert campaign.channel_id is not None and campaign.thread_ts is not None  # it ran
    links = _thread_links(rt, snapshot.rows)
    text = render(snapshot, rt.roster, links)
    target = ReplyTarget(team_id, report_key(campaign_id), campaign.channel_id, campaign.thread_ts)
    advisor = rt.roster.get(ADVISOR)
    return post_once(
        rt.slack, rt.sessions, target, Persona(advisor.display_name, advisor.icon_emoji), text
    )


def render(snapshot: Snapshot, roster: Roster, links: dict[str, Mrkdwn]) -> Mrkdwn:
    """The report's text; `links` maps a step row's id to the link to its thread."""
    campaign = snapshot.campaign
    plan = Plan.model_validate(campaign.plan)
    steps = {step.id: step for _index, _phase, step in plan.steps()}
    done = [row for row in snapshot.rows if row.status == StepStatus.DONE]
    open_ = [row for row in snapshot.rows if row.status in OPEN]
    not_done = [
        row for row in snapshot.rows if row.status in (StepStatus.FAILED, StepStatus.CANCELLED)
    ]
    parts = [
        md(
            "{who} the campaign *{name}* {ending}. Here is where it stands.",
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


def _thread_links(rt: Runtime, rows: list[CampaignStep]) -> dict[str, Mrkdwn]:
    """A link to each started step's thread (its task's), by step row id."""
    with rt.sessions() as session:
        threads = {
            row.id: (task.channel_id, task.thread_ts)
            for row in rows
            if row.task_id and (task := session.get(Task, row.task_id)) is not None
        }
    links = {}
    for row_id, (channel, ts) in threads.items():
        if channel and ts:
            links[row_id] = link(permalink(rt, channel, ts), "thread")
    return links


def permalink(rt: Runtime, channel: str, ts: str) -> str:
    """A link to a message (a thread); a `slack://` one when Slack cannot make it."""
    try:
        return str(rt.slack.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError:
        return f"slack://channel?id={channel}&message={ts}"
