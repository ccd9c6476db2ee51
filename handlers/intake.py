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

from jobs.queue import RUN_TURN, JobRef, try_enqueue
from models import turns
from models.db import write_guard
from models.turns import InboundMessage

logger = logging.getLogger(__name__)


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
        try_enqueue(self.queue, RUN_TURN, message.team_id, turn_id)
        return turn_id

    def enqueue(self, ref: JobRef, team_id: str, record_id: str) -> bool:
        """Hand follow-up work to a job (best effort: the sweeper covers what it can find in
        the database; Redis away is logged, never a failed click)."""
        return try_enqueue(self.queue, ref, team_id, record_id)

    def in_conversation(self, team_id: str, channel_id: str, thread_ts: str) -> bool:
        """Whether the department already takes part in this thread."""
        with self.engine.connect() as connection:
            return turns.thread_has_turns(connection, team_id, channel_id, thread_ts)
