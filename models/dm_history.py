"""A DM's memory across its top-level messages.

An answer to a top-level DM message goes into the DM itself (not into a thread), so the person
goes on with another top-level message, which is a new conversation of its own (its key is its
ts). Its turn remembers the DM as a whole: the last messages of every conversation in it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.records import Conversation, ConversationMessage


def dm_history(
    session: Session, team_id: str, channel_id: str, *, upto_ts: str, limit: int
) -> list[ConversationMessage]:
    """The DM's last `limit` messages up to and including `upto_ts`, oldest first."""
    rows = session.scalars(
        select(ConversationMessage)
        .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
        .where(
            Conversation.team_id == team_id,
            Conversation.channel_id == channel_id,
            ConversationMessage.team_id == team_id,
            ConversationMessage.ts <= upto_ts,
        )
        .order_by(ConversationMessage.ts.desc(), ConversationMessage.role.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))
