"""A hand-off's part of the campaign card: "Handed to <manager>: <the advisor's reason>",
with a link to the manager's thread once the hand-off's task has opened it
(`bots/hand_off.py` makes the one-step plan; `jobs/campaigns/cards.py` renders the rest)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bots.roster import Roster
from jobs.runtime import Runtime
from jobs.slack.text import Mrkdwn, link, md
from models import campaign_steps, tasks
from models.campaigns import Campaign

HAND_OFF_RUNNING = "handed over (no plan to approve): at work"


def is_hand_off(campaign: Campaign) -> bool:
    """A direct delegation handed to its manager as a one-step plan (`bots/hand_off.py`)."""
    decision = campaign.decision or {}
    return decision.get("approach") == "direct_delegation" and campaign.plan is not None


def hand_off_thread(rt: Runtime, campaign: Campaign) -> Mrkdwn | None:
    """The link to the manager's thread once the hand-off's task has opened it."""
    if not is_hand_off(campaign):
        return None
    with rt.sessions() as session:
        rows = campaign_steps.steps_of(session, campaign.team_id, campaign.id)
        first = rows[0].task_id if rows else None
        task = tasks.load_task(session, campaign.team_id, first) if first else None
        where = (task.channel_id, task.thread_ts) if task else (None, None)
    if where[0] is None or where[1] is None:
        return None
    try:
        url = str(
            rt.slack_for(campaign.team_id).chat_getPermalink(channel=where[0], message_ts=where[1])[
                "permalink"
            ]
        )
    except SlackApiError:
        url = f"slack://channel?id={where[0]}&message={where[1]}"
    return link(url, "the thread")


def handed(campaign: Campaign, roster: Roster, thread: Mrkdwn | None) -> Mrkdwn:
    """ "Handed to <manager>: <the advisor's one-line reason>", and where the work is."""
    assert campaign.plan is not None
    [step] = campaign.plan["phases"][0]["steps"]
    agent = roster.by_id.get(step["agent"])
    reasons = (campaign.decision or {}).get("reasons") or [""]
    return md(
        "*Handed to {name}*: {reason}\n{where}",
        name=agent.display_name if agent else step["agent"],
        reason=reasons[0],
        where=md("The work goes on in {link}.", link=thread)
        if thread
        else Mrkdwn("The manager's thread opens in its team channel in a moment."),
    )
