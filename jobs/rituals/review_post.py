"""Posting a review: once per run and message, under the review's voice, as Block Kit with a
readable text fallback. The post-once key is derived from the run id and the message's own
letter, so a repeated or resumed run finds its earlier message instead of posting again."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bots.reviews import Review
from jobs.department.delegation import persona
from jobs.rituals.where import review_config
from jobs.runtime import Runtime
from jobs.slack import channels
from jobs.slack.post_once import ReplyTarget, post_once
from jobs.slack.text import Mrkdwn, link
from models.rituals import RitualRun

# The first letters of a review post's key (slack_posts.turn_id, 32 chars): "R", the
# review's letter, then the message's; other posts' keys start with a lowercase letter.
REVIEW_LETTER = {"morning": "M", "eod": "E", "weekly": "W", "monthly": "O", "quarterly": "Q"}


def post_key(run: RitualRun, review: Review, message: str) -> str:
    return f"R{REVIEW_LETTER[review]}{message}{run.id[:29]}"


def post(
    rt: Runtime,
    run: RitualRun,
    review: Review,
    where: tuple[str, str | None],
    text: Mrkdwn,
    blocks: list[dict[str, Any]],
    *,
    message: str = "a",
) -> str:
    """Post (once) one message of a review in `where` (channel, thread or None); its ts."""
    voice = rt.roster.get(review_config(rt).voices.of(review))
    channel, thread = where
    target = ReplyTarget(run.team_id, post_key(run, review, message), channel, thread)
    with channels.posting_to(rt, run.team_id, channel):
        return post_once(
            rt.slack_for(run.team_id), rt.sessions, target, persona(voice), text, blocks
        )


def thread_link(
    rt: Runtime, team_id: str, channel: str | None, ts: str | None, label: str
) -> Mrkdwn:
    """A link to a task's thread (its label alone where it has none)."""
    if not channel or not ts:
        return link("", label)
    try:
        url = str(
            rt.slack_for(team_id).chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        )
    except SlackApiError:
        url = f"slack://channel?id={channel}&message={ts}"
    return link(url, label)


def section(text: Mrkdwn) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text.cut(3000).text}}
