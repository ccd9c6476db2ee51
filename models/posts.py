"""Idempotency records for the messages a turn posts to Slack."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.records import SlackPost


def claim_part(
    session: Session, *, team_id: str, turn_id: str, part: int, channel_id: str, thread_ts: str
) -> tuple[SlackPost, bool]:
    """The record for one part of a reply, and whether it already existed before this call.

    An existing record without a ts means an earlier attempt may have posted and died before
    saving the ts: the caller must look in Slack before posting again.
    """
    found = _find(session, team_id, turn_id, part)
    if found is not None:
        return found, True
    post = SlackPost(
        team_id=team_id, turn_id=turn_id, part=part, channel_id=channel_id, thread_ts=thread_ts
    )
    try:
        with session.begin_nested():
            session.add(post)
    except IntegrityError:
        found = _find(session, team_id, turn_id, part)
        assert found is not None
        return found, True
    session.commit()
    return post, False


def save_ts(session: Session, post: SlackPost, ts: str) -> None:
    post.ts = ts
    session.commit()


def forget(session: Session, post: SlackPost) -> None:
    session.delete(post)
    session.commit()


def parts_of(session: Session, team_id: str, turn_id: str) -> list[SlackPost]:
    return list(
        session.scalars(
            select(SlackPost)
            .where(SlackPost.team_id == team_id, SlackPost.turn_id == turn_id)
            .order_by(SlackPost.part)
        )
    )


def _find(session: Session, team_id: str, turn_id: str, part: int) -> SlackPost | None:
    return session.scalar(
        select(SlackPost).where(
            SlackPost.team_id == team_id, SlackPost.turn_id == turn_id, SlackPost.part == part
        )
    )
