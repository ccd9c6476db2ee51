"""Nudge: a reminder, in an escalation card's thread, that it still waits for a person.

Clicked from the standup (jobs/rituals/standup_posts.py). The reminder mentions the people
the escalation named (checked ids, kept on the card's record) and is posted at most once a
day per escalation: its post-once key is the escalation and the UTC date, so a second click,
a retried job or two people clicking post nothing more.
"""

from __future__ import annotations

import hashlib

from jobs.department.escalation_cards import escalation_of
from jobs.runtime import Runtime
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import join, md, mention
from models import tasks
from models.base import utcnow
from models.work import TaskStatus

NUDGER = Persona("VP Marketing", ":chart_with_upwards_trend:")  # the standup's host


def nudge_escalation(team_id: str, task_id: str) -> str:
    """RQ job: remind the escalation's people in its card's thread (once a day)."""
    from jobs import runtime as runtime_module

    return nudge(runtime_module.current(), team_id, task_id)


def nudge(rt: Runtime, team_id: str, task_id: str) -> str:
    with rt.sessions() as session:
        task = tasks.load_task(session, team_id, task_id)
    if task is None or task.status != TaskStatus.ESCALATED.value or not task.thread_ts:
        return "nothing to do"
    assert task.channel_id is not None
    people = escalation_of(task).mention
    names = md(" {people}", people=join(", ", [mention(user) for user in people]))
    text = md(
        ":bell: Reminder from the standup: this escalation still waits for a decision.{names}",
        names=names if people else "",
    )
    key = "n" + hashlib.sha256(f"{task.id}:{utcnow().date()}".encode()).hexdigest()[:31]
    target = ReplyTarget(team_id, key, task.channel_id, task.thread_ts)
    post_once(rt.slack_for(team_id), rt.sessions, target, NUDGER, text)
    return "nudged"
