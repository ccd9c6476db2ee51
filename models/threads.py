"""A thread's memory and the channel-name cache: reads and idempotent writes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import insert_ignoring_duplicates, new_id, utcnow
from models.records import ChannelInfo, Conversation, ConversationMessage, Turn

CHANNEL_NAME_TTL = timedelta(days=1)


def attach_turn(session: Session, turn: Turn) -> Conversation:
    """The turn's conversation, with every request of the thread up to this one in its memory.

    Listeners only insert turns (to ack fast); the worker files them into the thread here.
    Filing all earlier turns of the thread, not just this one, keeps the memory whole even
    when two follow-ups are answered out of order. Safe to run twice.
    """
    key = {"team_id": turn.team_id, "channel_id": turn.channel_id, "thread_ts": turn.thread_ts}
    session.execute(
        insert_ignoring_duplicates(session, Conversation),
        {"id": new_id(), "created_at": utcnow(), **key},
    )
    conversation = session.scalars(select(Conversation).filter_by(**key)).one()
    requests = session.scalars(
        select(Turn).filter_by(**key).where(Turn.message_ts <= turn.message_ts)
    ).all()
    rows = [
        {
            "id": new_id(),
            "created_at": request.created_at,
            "team_id": request.team_id,
            "conversation_id": conversation.id,
            "ts": request.message_ts,
            "role": "user",
            "user_id": request.user_id,
            "turn_id": request.id,
            "text": request.text,
        }
        for request in requests
    ]
    session.execute(insert_ignoring_duplicates(session, ConversationMessage), rows)
    session.commit()
    return conversation


def needs_context(conversation: Conversation, turn: Turn) -> bool:
    """The department was called into a thread that already had messages, not yet read."""
    return conversation.context_loaded_at is None and turn.thread_ts != turn.message_ts


def add_context(
    session: Session, conversation: Conversation, messages: list[tuple[str, str, str]]
) -> None:
    """Remember what people wrote in the thread before the department joined: (ts, user, text)."""
    rows = [
        {
            "id": new_id(),
            "created_at": utcnow(),
            "team_id": conversation.team_id,
            "conversation_id": conversation.id,
            "ts": ts,
            "role": "user",
            "user_id": user,
            "text": text,
        }
        for ts, user, text in messages
    ]
    if rows:
        session.execute(insert_ignoring_duplicates(session, ConversationMessage), rows)
    session.execute(
        update(Conversation)
        .where(Conversation.team_id == conversation.team_id, Conversation.id == conversation.id)
        .values(context_loaded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def history(
    session: Session, conversation: Conversation, *, upto_ts: str, limit: int
) -> list[ConversationMessage]:
    """The last `limit` messages of the thread up to and including `upto_ts`, oldest first."""
    rows = session.scalars(
        select(ConversationMessage)
        .where(
            ConversationMessage.team_id == conversation.team_id,
            ConversationMessage.conversation_id == conversation.id,
            ConversationMessage.ts <= upto_ts,
        )
        .order_by(ConversationMessage.ts.desc(), ConversationMessage.role.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def record_reply(
    session: Session, conversation: Conversation, *, ts: str, agent_id: str, turn_id: str, text: str
) -> None:
    """Remember an agent's answer; a second run of the same turn changes nothing."""
    try:
        with session.begin_nested():
            session.add(
                ConversationMessage(
                    team_id=conversation.team_id,
                    conversation_id=conversation.id,
                    ts=ts,
                    role="assistant",
                    agent_id=agent_id,
                    turn_id=turn_id,
                    text=text,
                )
            )
    except IntegrityError:
        pass
    session.commit()


def set_thread_agent(session: Session, conversation: Conversation, agent_id: str) -> None:
    session.execute(
        update(Conversation)
        .where(Conversation.team_id == conversation.team_id, Conversation.id == conversation.id)
        .values(agent_id=agent_id)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def cached_channel_name(session: Session, team_id: str, channel_id: str) -> str | None:
    row = _fresh(session, team_id, ChannelInfo.channel_id == channel_id)
    return row.name if row is not None else None


def cached_channel_id(session: Session, team_id: str, name: str) -> str | None:
    row = _fresh(session, team_id, ChannelInfo.name == name)
    return row.channel_id if row is not None else None


def cached_privacy(session: Session, team_id: str, channel_id: str) -> bool | None:
    """Whether a channel is private, as last seen (None: never asked, or asked too long ago)."""
    row = _fresh(session, team_id, ChannelInfo.channel_id == channel_id)
    return row.is_private if row is not None else None


def _fresh(session: Session, team_id: str, which: ColumnElement[bool]) -> ChannelInfo | None:
    """A channel's cached row, unless it is older than CHANNEL_NAME_TTL (names change)."""
    row = session.scalar(select(ChannelInfo).where(ChannelInfo.team_id == team_id, which))
    if row is None or utcnow() - row.updated_at > CHANNEL_NAME_TTL:
        return None
    return row


def remember_channel_name(
    session: Session, team_id: str, channel_id: str, name: str, is_private: bool | None = None
) -> None:
    """Cache a channel's name and, when known, whether it is private."""
    row = session.scalar(
        select(ChannelInfo).where(
            ChannelInfo.team_id == team_id, ChannelInfo.channel_id == channel_id
        )
    )
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    ChannelInfo(
                        team_id=team_id, channel_id=channel_id, name=name, is_private=is_private
                    )
                )
        except IntegrityError:
            pass
    else:
        row.name = name
        if is_private is not None:
            row.is_private = is_private
        row.updated_at = utcnow()
    session.commit()


def open_conversation(
    session: Session, team_id: str, channel_id: str, thread_ts: str, agent_id: str
) -> Conversation:
    """A thread the department opened itself (a ritual's): replies in it are turns, and its
    agents' messages are its memory. Safe to run twice."""
    key = {"team_id": team_id, "channel_id": channel_id, "thread_ts": thread_ts}
    session.execute(
        insert_ignoring_duplicates(session, Conversation),
        {"id": new_id(), "created_at": utcnow(), "agent_id": agent_id, **key},
    )
    session.commit()
    return session.scalars(select(Conversation).filter_by(**key)).one()
