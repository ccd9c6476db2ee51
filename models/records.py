"""The tables. The database is the truth; Slack threads and RQ jobs are views and vehicles."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TeamScoped, UTCDateTime, new_id, utcnow


class TurnStatus(enum.StrEnum):
    RECEIVED = "received"  # persisted; its RQ job may or may not exist (the sweeper checks)
    RUNNING = "running"  # a worker holds the lease
    ANSWERED = "answered"
    FAILED = "failed"


OPEN_STATUSES = (TurnStatus.RECEIVED, TurnStatus.RUNNING)


class Turn(TeamScoped, Base):
    """One request from a person (a mention, a DM, a thread follow-up) and its progress."""

    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id", name="uq_turns_team_event"),
        UniqueConstraint("team_id", "channel_id", "message_ts", name="uq_turns_team_message"),
        Index("ix_turns_status_lease", "status", "lease_expires_at"),
        Index("ix_turns_thread", "team_id", "channel_id", "thread_ts"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))  # app_mention | message.im | message.thread
    channel_id: Mapped[str] = mapped_column(String(32))
    is_dm: Mapped[bool] = mapped_column(default=False)
    thread_ts: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    agent_id: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(16), default=TurnStatus.RECEIVED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(32), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    lease_holder: Mapped[str | None] = mapped_column(String(80), default=None)  # "host:pid"
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Conversation(TeamScoped, Base):
    """A Slack thread the department takes part in: its memory, kept here, not in Slack."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "thread_ts", name="uq_conversations_thread"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(40), default=None)
    # When the thread's earlier messages (written before the department joined) were read.
    context_loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ConversationMessage(TeamScoped, Base):
    """One message of a conversation: what a person said or what an agent answered."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "ts", "role", name="uq_conversation_messages_ts"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    ts: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # user | assistant
    user_id: Mapped[str | None] = mapped_column(String(32), default=None)
    agent_id: Mapped[str | None] = mapped_column(String(40), default=None)
    turn_id: Mapped[str | None] = mapped_column(String(32), default=None)
    text: Mapped[str] = mapped_column(Text)


class SlackPost(TeamScoped, Base):
    """An idempotency record for a message we post, so a re-run edits instead of re-posting."""

    __tablename__ = "slack_posts"
    __table_args__ = (UniqueConstraint("team_id", "turn_id", "part", name="uq_slack_posts_part"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    turn_id: Mapped[str] = mapped_column(String(32))
    part: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class LlmCall(TeamScoped, Base):
    """One call to Claude, priced and attributed to the turn and agent that made it."""

    __tablename__ = "llm_calls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    turn_id: Mapped[str] = mapped_column(String(32), index=True)  # the person's request
    task_id: Mapped[str | None] = mapped_column(String(32), default=None)  # the agent's task
    agent_id: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))  # ok | error
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8), default=Decimal(0))
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)


class ChannelInfo(TeamScoped, Base):
    """Channel names (and privacy) by id, so routing to a channel's lead and placing private
    work need no Slack call per turn."""

    __tablename__ = "channel_info"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_channel_info_channel"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    is_private: Mapped[bool | None] = mapped_column(default=None)  # None: not asked yet
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
