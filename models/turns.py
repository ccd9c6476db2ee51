"""Turn persistence and its guarded state transitions.

Every transition is one conditional UPDATE, so two workers (a retry, a sweeper re-enqueue, a
duplicate job) can race and exactly one wins. A lease with a random token marks who is
running a turn; a lease that expires means its worker died and another may take over. The
lease mechanics (extend, release, lost turns) are models/leases.py's, shared by every leased
table; what is a turn's own is here: one answer at a time per thread, and how a turn ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, exists, select, update
from sqlalchemy.orm import Session, aliased

from models import leases
from models.base import guarded, insert_ignoring_duplicates, new_id, utcnow
from models.leases import TURNS, Lease
from models.records import OPEN_STATUSES, Conversation, Turn, TurnStatus


@dataclass(frozen=True)
class InboundMessage:
    """What a listener extracted from a Slack event, before anything is decided."""

    team_id: str
    event_id: str
    source: str
    channel_id: str
    is_dm: bool
    thread_ts: str
    message_ts: str
    user_id: str
    text: str
    # The agent addressed as its own Slack bot user (one Slack app per agent): it answers.
    agent_id: str | None = None


@dataclass(frozen=True)
class Claim(Lease):
    """Proof that this worker holds a turn's lease, and how many runs the turn has had."""

    attempts: int

    @property
    def turn_id(self) -> str:
        return self.row_id


def record_inbound(connection: Connection, message: InboundMessage) -> str | None:
    """Persist a request in one INSERT; None when Slack sent it before.

    This is the whole of the listener's database work, so it is one statement and one
    commit. The unique keys (event id, and channel + message ts) make Slack's retries and the
    app_mention/message double delivery of one message land as a single turn. The thread's
    bookkeeping (conversation, message history) is the worker's job.
    """
    turn_id = new_id()
    now = utcnow()
    values = {
        "id": turn_id,
        "team_id": message.team_id,
        "event_id": message.event_id,
        "source": message.source,
        "channel_id": message.channel_id,
        "is_dm": message.is_dm,
        "thread_ts": message.thread_ts,
        "message_ts": message.message_ts,
        "user_id": message.user_id,
        "text": message.text,
        "agent_id": message.agent_id,
        "status": TurnStatus.RECEIVED.value,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    statement = insert_ignoring_duplicates(connection, Turn).returning(Turn.id)
    with connection.begin():
        inserted = connection.execute(statement, values).first()  # none: a duplicate
    return turn_id if inserted is not None else None


def thread_has_turns(connection: Connection, team_id: str, channel_id: str, thread_ts: str) -> bool:
    """Whether the department already takes part in this thread (a follow-up is for it): a
    person asked in it, or the department opened it (a ritual's thread, e.g. the standup)."""
    found = connection.execute(
        select(Turn.id)
        .where(Turn.team_id == team_id, Turn.channel_id == channel_id, Turn.thread_ts == thread_ts)
        .limit(1)
    ).first()
    if found is not None:
        return True
    opened = connection.execute(
        select(Conversation.id)
        .where(
            Conversation.team_id == team_id,
            Conversation.channel_id == channel_id,
            Conversation.thread_ts == thread_ts,
        )
        .limit(1)
    ).first()
    return opened is not None


def load_turn(session: Session, team_id: str, turn_id: str) -> Turn | None:
    return session.scalar(select(Turn).where(Turn.team_id == team_id, Turn.id == turn_id))


def requester(session: Session, team_id: str, turn_id: str | None) -> str:
    """The Slack user whose message started a request ("" when no person did): every task
    of the request carries its turn id, so whoever acts on it knows on whose behalf."""
    if turn_id is None:
        return ""
    user = session.scalar(select(Turn.user_id).where(Turn.team_id == team_id, Turn.id == turn_id))
    return user or ""


def claim(
    session: Session, team_id: str, turn_id: str, lease_s: float, holder: str
) -> Claim | None:
    """Take a fresh turn, or one whose previous worker's lease ran out (or was given back);
    `holder` names this worker process (models/leases.py). None if not ours, or
    if an earlier message of its thread is still unanswered: a thread's messages are answered
    one at a time, in order, so each answer sees the one before it."""
    earlier = aliased(Turn)
    waiting_behind = exists().where(
        earlier.team_id == Turn.team_id,
        earlier.channel_id == Turn.channel_id,
        earlier.thread_ts == Turn.thread_ts,
        earlier.message_ts < Turn.message_ts,
        earlier.status.in_([s.value for s in OPEN_STATUSES]),
    )
    token = leases.claim(
        session,
        TURNS,
        team_id,
        turn_id,
        lease_s,
        holder,
        also=(~waiting_behind,),
        values={"started_at": utcnow()},
    )
    if token is None:
        return None
    attempts = session.scalar(select(Turn.attempts).where(Turn.id == turn_id))
    return Claim(team_id, turn_id, token, attempts or 1)


def next_in_thread(session: Session, turn: Turn) -> str | None:
    """The thread's earliest message still waiting for its turn (after `turn` finished)."""
    return session.scalar(
        select(Turn.id)
        .where(
            Turn.team_id == turn.team_id,
            Turn.channel_id == turn.channel_id,
            Turn.thread_ts == turn.thread_ts,
            Turn.status == TurnStatus.RECEIVED.value,
        )
        .order_by(Turn.message_ts)
        .limit(1)
    )


def set_agent(session: Session, turn: Turn, agent_id: str) -> None:
    session.execute(
        update(Turn)
        .where(Turn.team_id == turn.team_id, Turn.id == turn.id)
        .values(agent_id=agent_id)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def finish(session: Session, claim: Claim, status: TurnStatus, error: str | None = None) -> bool:
    """Close the turn if this worker still holds it; exactly one finisher wins."""
    return guarded(
        session,
        update(Turn)
        .where(*leases.held(TURNS, claim))
        .values(
            status=status.value,
            finished_at=utcnow(),
            lease_expires_at=None,
            error=error[:200] if error else None,
        ),
    )
