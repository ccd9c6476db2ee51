"""A manager's work shown as a plan in the request's thread, the way Slack shows an agent's
thinking: one task per delegation, consultation, escalation or review, moving pending → in
progress → complete, live.

The record is the database (the tasks under the request, at any depth: the work an assignee
hands on and a person's decision on a card are tasks too); the plan is a view rendered from it
by the job REFRESH_PLAN (`refresh_plan`), which task turns enqueue when a task starts or ends,
the request's turn when it first hands work out, and a person's decision on an approval card
or an escalation when it completes its task. It is a native stream where it fits
(`chat.startStream` with `task_display_mode="plan"`, then `appendStream` of task updates,
`stopStream` with post-once metadata once every subtask is finished); where it does not
(native streaming off, no requester to stream to, a stream that expired, Slack refusing), the
same plan is a Block Kit message kept current by chat.update. One `slack_posts` record (key
`plan…`) holds its ts, so a re-run edits or appends, never posts a second plan.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bots.roster import Agent
from jobs import runtime as runtime_module
from jobs.queue import REFRESH_PLAN, try_enqueue, turn_queue
from jobs.runtime import Runtime
from jobs.slack import edit_budget, unreachable
from jobs.slack.post_once import METADATA_EVENT, Persona, ReplyTarget, claim_post, find_posted
from jobs.slack.text import Mrkdwn, md, mrkdwn_text
from models import posts, tasks, turns
from models.work import FINISHED, Task, TaskStatus

logger = logging.getLogger(__name__)

STATUS_OF: dict[str, str] = {
    TaskStatus.OPEN.value: "pending",
    TaskStatus.PARKED.value: "pending",
    TaskStatus.DONE.value: "complete",
    TaskStatus.FAILED.value: "error",
    TaskStatus.CANCELLED.value: "error",
}  # every other state is work in progress
ICONS = {"pending": "◻️", "in_progress": "⏳", "complete": "✅", "error": "⚠️"}
MAX_TASKS = 40  # a plan longer than a message's blocks allow shows its first tasks
TITLE_CHARS = 120
SHOWN_TTL_S = 24 * 3600


def ask_refresh(rt: Runtime, task: Task) -> None:
    """A task started or ended, however deep under its request (an assignment, the work it
    hands on, a person's decision on a gate): the request's plan is brought up to date."""
    if not rt.settings.show_work_plans:
        return
    with rt.sessions() as session:
        request = tasks.root_of(session, task.team_id, task)
    queue = turn_queue(rt.redis, rt.settings.queue_name)
    try_enqueue(queue, REFRESH_PLAN, task.team_id, request.id)


def refresh_plan(team_id: str, task_id: str) -> str:
    """RQ entry point: show a request's plan as its subtasks stand now."""
    rt = runtime_module.current()
    with rt.sessions() as session:
        request = tasks.load_task(session, team_id, task_id)
        if request is None or request.parent_task_id is not None or request.thread_ts is None:
            return "not-a-request"
        children = tasks.family(session, team_id, task_id, MAX_TASKS)
        origin = turns.load_turn(session, team_id, request.origin_turn_id or "")
    if not children or request.channel_id is None:
        return "no-plan"
    manager = rt.roster.by_id.get(request.assigned_to)
    if manager is None:
        return "no-manager"
    plan = Plan(rt, request, manager, children, origin.user_id if origin else None)
    return plan.show()


class Plan:
    def __init__(
        self, rt: Runtime, request: Task, manager: Agent, children: list[Task], asked_by: str | None
    ) -> None:
        assert request.channel_id is not None and request.thread_ts is not None
        self.rt, self.request, self.manager, self.asked_by = rt, request, manager, asked_by
        self.children = children
        self.target = ReplyTarget(
            request.team_id, f"plan{request.id[:28]}", request.channel_id, request.thread_ts
        )
        self.persona = Persona(manager.display_name, manager.icon_emoji)
        self.slack = rt.slack_for(request.team_id)
        self.done = all(child.status in FINISHED for child in children)

    def show(self) -> str:
        """Post, append or edit as needed; nothing when the plan already shows this state
        (its last shown state is in Redis: a stopped stream is never appended to again)."""
        key = f"plan-shown:{self.target.team_id}:{self.request.id}"
        digest = hashlib.sha256(json.dumps(self.task_chunks()).encode()).hexdigest()
        if self.rt.redis.get(key) == digest.encode():
            return "unchanged"
        how = self._show()
        if how != "held":
            self.rt.redis.set(key, digest, ex=SHOWN_TTL_S)
        return how

    def _show(self) -> str:
        with self.rt.sessions() as session:
            record, existed = claim_post(session, self.target)
            ts = record.ts
            if ts is None and existed:
                ts = find_posted(self.slack, self.target, 0, record.created_at)
                if ts is not None:
                    posts.save_ts(session, record, ts)
            if ts is None:
                ts, how = self._first_showing()
                posts.save_ts(session, record, ts)  # before anything else: a re-run finds it
                if how != "started" or not self.done:
                    return how
        streamed = self._append(ts)
        return self._edit(ts) if streamed == "not-streaming" else streamed

    # -- native stream -----------------------------------------------------------------------

    def _first_showing(self) -> tuple[str, str]:
        if self.rt.settings.slack_native_streaming and self.asked_by:
            try:
                return self._start(), "started"
            except SlackApiError as error:
                if unreachable.is_unreachable(error):
                    raise
                logger.info("Plan of %s as blocks: %s", self.request.id, error.response["error"])
        response = self.slack.chat_postMessage(
            channel=self.target.channel_id,
            thread_ts=self.target.thread_ts,
            text=self.summary().text,
            blocks=self.blocks(),
            username=self.persona.username,
            icon_emoji=self.persona.icon_emoji,
            metadata=self._metadata(),
        )
        return str(response["ts"]), "posted"

    def _start(self) -> str:
        in_dm = self.target.channel_id.startswith("D")
        response = self.slack.chat_startStream(
            channel=self.target.channel_id,
            thread_ts=self.target.thread_ts or "",
            task_display_mode="plan",
            chunks=[{"type": "plan_update", "title": self.title()}, *self.task_chunks()],
            username=self.persona.username,
            icon_emoji=self.persona.icon_emoji,
            recipient_user_id=None if in_dm else self.asked_by,
            recipient_team_id=None if in_dm else self.target.team_id,
        )
        return str(response["ts"])

    def _append(self, ts: str) -> str:
        """Bring a live stream up to date: "streamed", "held" (rate limited: the next refresh
        carries it), or "not-streaming" (it expired, or the plan is a Block Kit message)."""
        try:
            self.rt.best_effort_for(self.target.team_id).chat_appendStream(
                channel=self.target.channel_id, ts=ts, chunks=self.task_chunks()
            )
            if self.done:
                self._stop(ts)
        except SlackApiError as error:
            if unreachable.is_unreachable(error):
                raise
            return "held" if error.response.get("error") == "ratelimited" else "not-streaming"
        return "streamed"

    def _stop(self, ts: str) -> None:
        self.slack.chat_stopStream(channel=self.target.channel_id, ts=ts, metadata=self._metadata())

    # -- Block Kit, kept current by edits -----------------------------------------------------

    def _edit(self, ts: str) -> str:
        if not edit_budget.for_team(self.rt, self.target.team_id).take(final=self.done):
            return "held"  # the next refresh (a later state change) carries it
        self.slack.chat_update(
            channel=self.target.channel_id,
            ts=ts,
            text=self.summary().text,
            blocks=self.blocks(),
            metadata=self._metadata(),
        )
        return "edited"

    def blocks(self) -> list[dict[str, Any]]:
        lines = [
            md("{icon} {title}", icon=ICONS[status_of(child)], title=self.task_title(child)).text
            for child in self.children
        ]
        return [
            {"type": "section", "text": mrkdwn_text(md("*{title}*", title=self.title()))},
            {"type": "section", "text": mrkdwn_text(Mrkdwn("\n".join(lines)))},
        ]

    # -- what it says --------------------------------------------------------------------------

    def title(self) -> str:
        return f"Plan: {self.request.title}"[:TITLE_CHARS]

    def task_title(self, child: Task) -> str:
        who = self.rt.roster.by_id.get(child.assigned_to)
        name = who.display_name if who else "A person"
        return f"{name}: {child.title}"[:TITLE_CHARS]

    def task_chunks(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "task_update",
                "id": child.id,
                "title": self.task_title(child),
                "status": status_of(child),
            }
            for child in self.children
        ]

    def summary(self) -> Mrkdwn:
        """The notification text: 'Copywriter: drafting ✅ · SEO Specialist: keywords ⏳'."""
        pieces = [
            md("{title} {icon}", title=self.task_title(c), icon=ICONS[status_of(c)]).text
            for c in self.children
        ]
        return Mrkdwn(" · ".join(pieces))

    def _metadata(self) -> dict[str, Any]:
        return {
            "event_type": METADATA_EVENT,
            "event_payload": {"turn_id": self.target.turn_id, "part": 0},
        }


def status_of(task: Task) -> str:
    return STATUS_OF.get(task.status, "in_progress")
