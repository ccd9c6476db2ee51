"""The daily standup (issue 18): the VP Marketing opens a thread, each agent with work posts
its three points under its own persona, the VP closes with the day's priorities.

Facts come from the records (`standup_facts`), one cheap model call phrases every update
(`standup_phrasing`), and code builds every message (`standup_posts`). Every post goes
through `post_once` with a key derived from the run id and the agent, so a worker killed
mid-standup, or the job run again, leaves one opener, one reply per agent and one close.
The thread is opened as a conversation of the department: a person's reply in it is a turn
of the agent it names, which remembers what it said at the standup (with its tasks' ids).
"""

from __future__ import annotations

import functools
import hashlib
import logging

from jobs.claude import framing
from jobs.department.delegation import persona
from jobs.rituals import standup_rows, workspace
from jobs.rituals.standup_facts import AgentFacts, agent_facts, resolved_blockers
from jobs.rituals.standup_phrasing import HOST, phrase
from jobs.rituals.standup_posts import agent_reply, closing, opener
from jobs.runtime import Runtime
from jobs.slack import channels
from jobs.slack.permalinks import permalink
from jobs.slack.post_once import ReplyTarget, post_once
from jobs.slack.text import from_slack
from models import posts, rituals, threads
from models.base import utcnow
from models.records import Conversation
from models.rituals import Ritual, RitualRun

logger = logging.getLogger(__name__)


def standup_channel(rt: Runtime, team_id: str) -> str:
    """The channel (name) the workspace holds its standup in: its own choice (`/standup
    channel …`), else bots/rituals.toml's."""
    return workspace.ritual_channel(rt, team_id, Ritual.STANDUP)


def post_key(run_id: str, part: str) -> str:
    """A post's idempotency key (32 characters, the records' width) from the run and part."""
    return "r" + hashlib.sha256(f"{run_id}:{part}".encode()).hexdigest()[:31]


def hold_standup(rt: Runtime, run: RitualRun) -> str:
    """Ritual handler: post the standup of `run`; what happened, for the job's result."""
    name = standup_channel(rt, run.team_id)
    channel = channels.team_channel_id(rt, run.team_id, name)
    if channel is None or not channels.ensure_member(rt, run.team_id, channel):
        logger.warning("Standup %s: cannot post in #%s (missing or not joinable)", run.id, name)
        return "no-channel"
    with channels.posting_to(rt, run.team_id, channel):
        return _post_standup(rt, run, channel)


def _post_standup(rt: Runtime, run: RitualRun, channel: str) -> str:
    now = utcnow()
    with rt.sessions() as session:
        since = standup_rows.period_start(session, run, now)
        rows = standup_rows.load(session, run.team_id, since)
    facts = agent_facts(rows, rt.roster, since, now)
    slack = rt.slack_for(run.team_id)
    link_to = functools.cache(functools.partial(permalink, slack))
    host = persona(rt.roster.get(HOST))
    text, blocks = opener(run.local_date, facts, rt.roster)
    opened = ReplyTarget(run.team_id, post_key(run.id, "opener"), channel, None)
    thread = post_once(slack, rt.sessions, opened, host, text, blocks)
    with rt.sessions() as session:
        rituals.set_thread(session, run.team_id, run.id, channel, thread)
        conversation = threads.open_conversation(session, run.team_id, channel, thread, HOST)
    updates = phrase(rt, run, _not_yet_posted(rt, run, facts))
    for entry in facts:
        if entry.has_news:
            agent = rt.roster.get(entry.agent_id)
            text, blocks = agent_reply(entry, updates.get(agent.id), rt.roster, link_to)
            key = post_key(run.id, agent.id)
            target = ReplyTarget(run.team_id, key, channel, thread)
            ts = post_once(slack, rt.sessions, target, persona(agent), text, blocks)
            _remember(rt, conversation, ts, key, entry, text.text)
    resolved = resolved_blockers(rows, since, now)
    text, blocks = closing(run.local_date, facts, resolved, rt.roster, link_to)
    closed = ReplyTarget(run.team_id, post_key(run.id, "closing"), channel, thread)
    post_once(slack, rt.sessions, closed, host, text, blocks)
    return f"held: {sum(1 for entry in facts if entry.has_news)} updates"


def _not_yet_posted(rt: Runtime, run: RitualRun, facts: list[AgentFacts]) -> list[AgentFacts]:
    """The agents whose reply this run has not posted yet: a resumed run phrases only those
    (a posted reply is found by its key and not posted again, so its words are not needed)."""
    with rt.sessions() as session:
        return [
            entry
            for entry in facts
            if not any(
                post.ts
                for post in posts.parts_of(session, run.team_id, post_key(run.id, entry.agent_id))
            )
        ]


def _remember(
    rt: Runtime, conversation: Conversation, ts: str, key: str, entry: AgentFacts, said: str
) -> None:
    """The agent's update in the thread's memory, with its tasks' ids, so a reply asking it
    to move one finds the task (`update_task`)."""
    tasks = [*entry.completed, *entry.in_progress, *(b.task for b in entry.blockers)]
    frame = framing.tag(
        "standup_tasks",
        *(
            framing.tag(
                "task",
                fact.title,
                attrs={
                    "id": fact.task_id,
                    "due": fact.due.isoformat() if fact.due else None,
                    "priority": fact.priority,
                },
            )
            for fact in tasks
        ),
    )
    with rt.sessions() as session:
        threads.record_reply(
            session,
            conversation,
            ts=ts,
            agent_id=entry.agent_id,
            turn_id=key,
            text=framing.join(framing.tag("standup_update", from_slack(said)), frame),
        )
