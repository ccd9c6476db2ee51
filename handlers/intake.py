"""What a listener does with an accepted message: persist it, then try to enqueue it.

Persisting comes first and must succeed (an exception here makes Bolt answer 500, so Slack
retries the event). Enqueueing may fail when Redis is down: the turn stays `received` and
the sweeper enqueues it later, so nothing a person sent is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rq import Queue
from sqlalchemy import Engine

import logs
from jobs import queue as jobs
from jobs.queue import RUN_TURN, JobRef, try_enqueue
from models import turns
from models.db import write_guard
from models.turns import InboundMessage

logger = logging.getLogger(__name__)

# The name a listener logs an enqueued job's record under: the job function's own parameter
# name, which is what the job's lines carry (jobs/worker_process.py); tests/test_logs.py
# checks the two agree for every job.
RECORD_ID_NAMES: dict[JobRef, str] = {
    jobs.RUN_TURN: "turn_id",
    jobs.RUN_TASK: "task_id",
    jobs.AFTER_DECISION: "approval_id",
    jobs.REMIND_APPROVERS: "approval_id",
    jobs.AFTER_ACKNOWLEDGEMENT: "task_id",
    jobs.AFTER_HUMAN_ANSWER: "task_id",
    jobs.PUBLISH_HOME: "user_id",
    jobs.SEND_WELCOME: "user_id",
    jobs.RUN_SETUP: "user_id",
    jobs.GREET_ASSISTANT_THREAD: "record_id",
    jobs.ADVANCE_CAMPAIGN: "campaign_id",
    jobs.ANALYZE_CAMPAIGN: "campaign_id",
    jobs.CAMPAIGN_DECISION: "approval_id",
    jobs.CAMPAIGN_CARD: "campaign_id",
    jobs.PROGRESS_CAMPAIGN: "campaign_id",
    jobs.RUN_RITUAL: "run_id",
    jobs.NUDGE_ESCALATION: "task_id",
    jobs.FORGET_WORKSPACE: "record_id",
    jobs.REFRESH_PLAN: "task_id",
}


@dataclass(frozen=True)
class Intake:
    engine: Engine
    queue: Queue

    def accept(self, message: InboundMessage) -> str | None:
        """Persist and enqueue; the new turn's id, or None for a duplicate delivery."""
        with write_guard(self.engine), self.engine.connect() as connection:
            turn_id = turns.record_inbound(connection, message)
        if turn_id is None:
            logger.info("Duplicate delivery of %s ignored", message.event_id)
            return None
        logs.bind(turn_id=turn_id)
        logger.debug("Turn accepted from %s", message.source)
        try_enqueue(self.queue, RUN_TURN, message.team_id, turn_id)
        return turn_id

    def enqueue(self, ref: JobRef, team_id: str, record_id: str) -> bool:
        """Hand follow-up work to a job (best effort: the sweeper covers what it can find in
        the database; Redis away is logged, never a failed click)."""
        logs.bind(**{RECORD_ID_NAMES.get(ref, "record_id"): record_id})
        return try_enqueue(self.queue, ref, team_id, record_id)

    def in_conversation(self, team_id: str, channel_id: str, thread_ts: str) -> bool:
        """Whether the department already takes part in this thread."""
        with self.engine.connect() as connection:
            return turns.thread_has_turns(connection, team_id, channel_id, thread_ts)
