"""Who is clicking: asks Slack (users.info, usergroups.users.list) only what the approvers
configuration needs, and decides with `bots.approvers.may_approve`; and whether the people
and groups the approvers form names exist (users.info, usergroups.list).

The answers are kept in Redis for `SLACK_PEOPLE_CACHE_S` per workspace: a person clicking
through a card, its modal and the next card asks Slack once, not three times, and a burst of
clicks stays inside users.info's rate limit. An admin removed, or a member leaving a group,
counts for at most that long; the cache never outlives it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.approvers import ESCALATION, ApprovalConfig, Person, approvers_text, may_approve

logger = logging.getLogger(__name__)

LOOKUP_FAILED = (
    "I couldn't check with Slack who may decide on this ({error}). Nothing changed; "
    "try again in a moment."
)
ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")
# What users.info says of someone chosen as an approver (`People.standing`)
PERSON, BOT, DELETED, UNKNOWN = "person", "bot", "deleted", "unknown"
SLACKBOT = "USLACKBOT"  # Slack's own bot, which users.info does not mark as one
NOT_YOURS = "Only {who} can {what}. Nothing changed."
# What a refused person may not do: "decide", never "approve", since the click may have been
# Request changes, Reject, Decide or Send back as well as Approve.
ESCALATION_WHAT = "decide on this escalation"
APPROVAL_WHAT = "decide on this card"


class LookupFailed(Exception):
    """Slack could not tell us who is clicking; the message says why (never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.message = LOOKUP_FAILED.format(error=reason)


@dataclass(frozen=True)
class People:
    """Slack's answers about people, cached per team and asked with that team's own token:
    `client_for(team_id)` gives its client, which must not wait out 429s (a click has 3 s).
    `cache_s` 0 turns the cache off."""

    client_for: Callable[[str], WebClient]
    redis: Redis
    cache_s: int

    def is_admin(self, team_id: str, user_id: str) -> bool:
        def ask() -> bool:
            user: dict[str, Any] = (
                self.client_for(team_id).users_info(user=user_id).get("user") or {}
            )
            return any(bool(user.get(key)) for key in ADMIN_FLAGS)

        return bool(self._cached(f"slack:people:{team_id}:admin:{user_id}", ask))

    def standing(self, team_id: str, user_id: str) -> tuple[str, str]:
        """Whether `user_id` can be an approver here, and their name: (PERSON | BOT | DELETED
        | UNKNOWN, name). Slack's other refusals raise, as `is_admin`'s do."""

        def ask() -> tuple[str, str]:
            try:
                user = self.client_for(team_id).users_info(user=user_id).get("user") or {}
            except SlackApiError as error:
                if error.response.get("error") != "user_not_found":
                    raise
                return UNKNOWN, ""
            name = str(user.get("real_name") or user.get("name") or "")
            if user.get("deleted"):
                return DELETED, name
            is_bot = user.get("is_bot") or user.get("id") == SLACKBOT
            return (BOT if is_bot else PERSON), name

        standing, name = self._cached(f"slack:people:{team_id}:standing:{user_id}", ask)
        return str(standing), str(name)

    def groups(self, team_id: str) -> dict[str, str] | None:
        """The workspace's enabled user groups, id → handle; None when the app may not list
        them (no usergroups:read scope). Slack's other refusals raise."""

        def ask() -> dict[str, str] | None:
            try:
                listed = self.client_for(team_id).usergroups_list().get("usergroups") or []
            except SlackApiError as error:
                if error.response.get("error") != "missing_scope":
                    raise
                return None
            return {str(g["id"]): str(g.get("handle") or g["id"]) for g in listed}

        found = self._cached(f"slack:people:{team_id}:groups", ask)
        return None if found is None else {str(k): str(v) for k, v in found.items()}

    def group_members(self, team_id: str, group_id: str) -> list[str]:
        def ask() -> list[str]:
            members = (
                self.client_for(team_id).usergroups_users_list(usergroup=group_id).get("users")
                or []
            )
            return [str(member) for member in members]

        return list(self._cached(f"slack:people:{team_id}:group:{group_id}", ask))

    def _cached(self, key: str, ask: Any) -> Any:
        if self.cache_s <= 0:
            return ask()
        try:
            raw = self.redis.get(key)
        except RedisError:
            logger.warning("People cache unavailable; asking Slack")
            return ask()
        if raw is not None:
            return json.loads(raw)
        value = ask()
        try:
            self.redis.set(key, json.dumps(value), ex=self.cache_s)
        except RedisError:
            logger.warning("People cache unavailable; answer not kept")
        return value


def may_decide(
    people: People, team_id: str, config: ApprovalConfig, action_type: str, user_id: str
) -> bool:
    """Raises LookupFailed when Slack cannot tell us (the caller says so, changing nothing)."""
    try:
        return _may_decide(people, team_id, config, action_type, user_id)
    except SlackApiError as error:
        raise LookupFailed(str(error.response.get("error"))) from error
    except OSError as error:  # timeouts, refused connections
        raise LookupFailed("no answer from Slack") from error


def refusal_to_decide(
    people: People, team_id: str, config: ApprovalConfig, action_type: str, user_id: str
) -> str | None:
    """The one check behind every click and modal on an approval or escalation card: None
    when `user_id` may decide, otherwise what to tell them (who may, or that Slack could not
    say). Asked again on a modal's submission: that is a request of its own."""
    try:
        if may_decide(people, team_id, config, action_type, user_id):
            return None
    except LookupFailed as failed:
        return failed.message
    what = ESCALATION_WHAT if action_type == ESCALATION else APPROVAL_WHAT
    return NOT_YOURS.format(who=approvers_text(config, action_type), what=what)


def _may_decide(
    people: People, team_id: str, config: ApprovalConfig, action_type: str, user_id: str
) -> bool:
    rule = config.for_action(action_type)
    if user_id in rule.users:
        return True
    admins = config.defaults.admins if rule.admins is None else rule.admins
    is_admin = bool(admins) and people.is_admin(team_id, user_id)
    groups = set()
    if not is_admin:
        for group in rule.groups:
            if user_id in people.group_members(team_id, group):
                groups.add(group)
                break
    return may_approve(config, action_type, Person(user_id, is_admin, frozenset(groups)))
