"""Who may see a piece of work, for a view built for one person (the App Home tab).

Work is seen by the people who could read the conversation it was asked in: anyone for a
public channel, the members of a private channel, only the requester for a DM. A guest sees
only their own requests. What Slack cannot confirm is not shown: the safe side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bots.approvers import ApprovalConfig
from jobs.runtime import Runtime
from jobs.slack import placement
from jobs.slack.people import LookupFailed, may_decide
from jobs.workspace import approvals_for
from models.records import Turn
from models.work import Task

logger = logging.getLogger(__name__)

MEMBERS_PAGES = 10  # at most 10,000 members read per private channel


def origins(session: Session, team_id: str, task_ids: set[str]) -> dict[str, Turn]:
    """Each task's originating request (who asked, where), by task id."""
    if not task_ids:
        return {}
    rows = session.execute(
        select(Task.id, Turn)
        .join(Turn, (Turn.team_id == Task.team_id) & (Turn.id == Task.origin_turn_id))
        .where(Task.team_id == team_id, Task.id.in_(task_ids))
    )
    return {task_id: turn for task_id, turn in rows}


@dataclass
class Viewer:
    """One person looking at one view; the lookups made for it live as long as the view."""

    rt: Runtime
    team_id: str
    user_id: str
    is_guest: bool
    _in_channel: dict[str, bool] = field(default_factory=dict)
    _decides: dict[str, bool] = field(default_factory=dict)
    _approvals: ApprovalConfig = field(init=False)

    def __post_init__(self) -> None:
        self._approvals = approvals_for(self.rt, self.team_id)  # this workspace's people

    @classmethod
    def of(cls, rt: Runtime, team_id: str, user_id: str) -> Viewer:
        """A guest (single- or multi-channel) is known from users.info; unknown = guest."""
        try:
            user = rt.slack_for(team_id).users_info(user=user_id).get("user") or {}
            guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        except SlackApiError as error:
            logger.warning("Cannot look up %s: %s", user_id, error.response.get("error"))
            guest = True
        return cls(rt, team_id, user_id, guest)

    def sees(self, turn: Turn | None) -> bool:
        """Whether this person could read the conversation the work was asked in."""
        if turn is None:
            return False
        if turn.user_id == self.user_id:
            return True
        if self.is_guest or turn.is_dm:
            return False
        if not placement.is_private(self.rt, self.team_id, turn.channel_id):
            return True
        if turn.channel_id not in self._in_channel:
            self._in_channel[turn.channel_id] = self._member_of(turn.channel_id)
        return self._in_channel[turn.channel_id]

    def decides(self, action_type: str) -> bool:
        """Whether this person may decide cards of this kind (False when Slack cannot say)."""
        if action_type not in self._decides:
            try:
                allowed = may_decide(
                    self.rt.people, self.team_id, self._approvals, action_type, self.user_id
                )
            except LookupFailed:
                allowed = False
            self._decides[action_type] = allowed and not self.is_guest
        return self._decides[action_type]

    def _member_of(self, channel_id: str) -> bool:
        cursor: str | None = None
        try:
            for _ in range(MEMBERS_PAGES):
                page = self.rt.slack_for(self.team_id).conversations_members(
                    channel=channel_id, limit=1000, cursor=cursor
                )
                if self.user_id in (page.get("members") or []):
                    return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return False
        except SlackApiError as error:
            logger.warning("Cannot list %s's members: %s", channel_id, error.response.get("error"))
        return False
