"""A new thread in Slack's assistant pane: the CMO's greeting and the suggested prompts.

The suggested prompts are the sandbox's examples (`bots/examples.toml`, the ones marked
`prompt`), so the pane, the welcome and the sandbox page offer the same things. The greeting
is posted once (post-once, keyed by the thread); setting the prompts again is harmless, so a
retried job changes nothing a person sees.
"""

from __future__ import annotations

import hashlib
import logging

from slack_sdk.errors import SlackApiError

from bots.examples import load_examples
from jobs.queue import parse_thread_ref
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import md

logger = logging.getLogger(__name__)

PROMPTS_TITLE = "Try one of these:"
GREETING = (
    "Hi! I'm the {cmo}. Ask me for marketing work or advice, here in this panel: I answer, or "
    "bring in the right people of the department ({n} agents). Pick a suggestion to start, or "
    "type `help` to see who is who."
)


def pane_key(channel_id: str, thread_ts: str) -> str:
    """The greeting's post-once key (32 characters at most, unique per thread)."""
    return "pane-" + hashlib.sha1(f"{channel_id}:{thread_ts}".encode()).hexdigest()[:27]


def greet_thread(team_id: str, record_id: str) -> str:
    """RQ job: greet in the assistant thread `record_id` (`jobs.queue.thread_ref`)."""
    from jobs import runtime as runtime_module

    rt = runtime_module.current()
    channel_id, thread_ts = parse_thread_ref(record_id)
    cmo = rt.roster.front_door
    text = md(GREETING, cmo=cmo.display_name, n=len(rt.roster.agents))
    target = ReplyTarget(team_id, pane_key(channel_id, thread_ts), channel_id, thread_ts)
    slack = rt.slack_for(team_id)
    post_once(slack, rt.sessions, target, Persona(cmo.display_name, cmo.icon_emoji), text)
    prompts = [{"title": e.label, "message": e.text} for e in load_examples().prompts]
    try:
        slack.assistant_threads_setSuggestedPrompts(
            channel_id=channel_id, thread_ts=thread_ts, title=PROMPTS_TITLE, prompts=prompts
        )
    except SlackApiError as error:  # the greeting stands; the person can still type
        logger.warning("No suggested prompts in %s: %s", record_id, error.response.get("error"))
    return "greeted"
