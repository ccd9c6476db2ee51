"""One engine pass at a time per campaign: a short lease on the campaign row.

Step starts are guarded one by one (`models/campaign_steps.start`), but a pass decides from
what it read: two overlapping passes could read a conditional's variable before and after a
change and each take a different branch. So a pass holds the campaign while it runs; a pass
asked for meanwhile is not lost but recorded (`pass_again`), and the holder passes again
before it lets go. None of these count as a change of the campaign (`updated_at` is kept).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from models.base import guarded, utcnow
from models.campaigns import Campaign


def claim_pass(session: Session, team_id: str, campaign_id: str, lease_s: float) -> str | None:
    """Hold the campaign for one engine pass; its token, or None if another pass holds it
    (which then passes once more). A holder that died lets go at the lease's expiry."""
    for _ in range(3):  # the holder may let go between our two statements: try again
        token = uuid.uuid4().hex
        now = utcnow()
        free = or_(Campaign.pass_token.is_(None), Campaign.pass_expires_at < now)
        mine = (Campaign.team_id == team_id, Campaign.id == campaign_id)
        if guarded(
            session,
            update(Campaign)
            .where(*mine, free)
            .values(
                pass_token=token,
                pass_expires_at=now + timedelta(seconds=lease_s),
                pass_again=False,
                updated_at=Campaign.updated_at,
            ),
        ):
            return token
        if guarded(
            session,
            update(Campaign)
            .where(*mine, Campaign.pass_token.is_not(None))
            .values(pass_again=True, updated_at=Campaign.updated_at),
        ):
            return None
    return None


def release_pass(session: Session, team_id: str, campaign_id: str, token: str) -> bool:
    """Let go after a pass; False (and still held) if another pass was asked for meanwhile:
    then pass again and release again."""
    mine = (Campaign.team_id == team_id, Campaign.id == campaign_id, Campaign.pass_token == token)
    if guarded(
        session,
        update(Campaign)
        .where(*mine, Campaign.pass_again.is_(False))
        .values(pass_token=None, pass_expires_at=None, updated_at=Campaign.updated_at),
    ):
        return True
    guarded(
        session,
        update(Campaign).where(*mine).values(pass_again=False, updated_at=Campaign.updated_at),
    )
    return False


def give_back_pass(session: Session, team_id: str, campaign_id: str, token: str) -> bool:
    """A pass failed: let go at once, so the sweeper's next pass is not held up."""
    return guarded(
        session,
        update(Campaign)
        .where(
            Campaign.team_id == team_id, Campaign.id == campaign_id, Campaign.pass_token == token
        )
        .values(pass_token=None, pass_expires_at=None, updated_at=Campaign.updated_at),
    )


def mark_advanced(session: Session, team_id: str, campaign_id: str, at: datetime) -> bool:
    """Stamp a complete engine pass that started at `at` (the sweeper's reference)."""
    return guarded(
        session,
        update(Campaign)
        .where(Campaign.team_id == team_id, Campaign.id == campaign_id)
        .values(advanced_at=at, updated_at=Campaign.updated_at),  # no onupdate: not a change
    )
