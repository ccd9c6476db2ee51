"""Who has been welcomed: one row per person and workspace, so the CMO's welcome is sent once.

The row is written by the listener that first sees the person (App Home opened, or a first
DM) with one INSERT … ON CONFLICT DO NOTHING: a retried event, a second tab or a second DM
finds the row and enqueues nothing. `ts` is the welcome's message once posted (the post
itself goes through post-once, keyed by the person, so a retried job finds it too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, insert_ignoring_duplicates, new_id, utcnow


class Welcome(TeamScoped, Base):
    __tablename__ = "welcomes"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_welcomes_person"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))  # the person's DM with the app
    via: Mapped[str] = mapped_column(String(16))  # home | messages | dm: what brought them
    ts: Mapped[str | None] = mapped_column(String(32), default=None)


def record_first_visit(
    connection: Connection, team_id: str, user_id: str, channel_id: str, via: str
) -> bool:
    """True when this is the person's first visit (the row is new): welcome them. See
    `still_unwelcomed` for a visit whose welcome was never posted."""
    values = {
        "id": new_id(),
        "team_id": team_id,
        "user_id": user_id,
        "channel_id": channel_id,
        "via": via,
        "created_at": utcnow(),
    }
    statement = insert_ignoring_duplicates(connection, Welcome).returning(Welcome.id)
    with connection.begin():
        return connection.execute(statement, values).first() is not None


def load_welcome(session: Session, team_id: str, user_id: str) -> Welcome | None:
    return session.scalar(
        select(Welcome).where(Welcome.team_id == team_id, Welcome.user_id == user_id)
    )


def welcomed_since(session: Session, team_id: str, user_id: str) -> datetime | None:
    """When the person was first seen, or None if never."""
    found = load_welcome(session, team_id, user_id)
    return found.created_at if found is not None else None


def still_unwelcomed(connection: Connection, team_id: str, user_id: str) -> bool:
    """A visit recorded but no welcome posted yet (its job was lost with Redis, or is still
    to run): the next visit asks again; the job and post-once make that harmless."""
    statement = select(Welcome.id).where(
        Welcome.team_id == team_id, Welcome.user_id == user_id, Welcome.ts.is_(None)
    )
    return connection.execute(statement).first() is not None
