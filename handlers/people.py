"""Who is clicking: asks Slack (users.info, usergroups.users.list) only what the approvers
configuration needs, and decides with `bots.approvers.may_approve`."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.approvers import ApprovalConfig, Person, may_approve

LOOKUP_FAILED = (
    "I couldn't check with Slack who may decide on this ({error}). Nothing changed; "
    "try again in a moment."
)


class LookupFailed(Exception):
    """Slack could not tell us who is clicking; the message says why (never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.message = LOOKUP_FAILED.format(error=reason)


def may_decide(client: WebClient, config: ApprovalConfig, action_type: str, user_id: str) -> bool:
    """Raises LookupFailed when Slack cannot tell us (the caller says so, changing nothing)."""
    try:
        return _may_decide(client, config, action_type, user_id)
    except SlackApiError as error:
        raise LookupFailed(str(error.response.get("error"))) from error
    except OSError as error:  # timeouts, refused connections
        raise LookupFailed("no answer from Slack") from error


def _may_decide(client: WebClient, config: ApprovalConfig, action_type: str, user_id: str) -> bool:
    rule = config.for_action(action_type)
    if user_id in rule.users:
        return True
    admins = config.defaults.admins if rule.admins is None else rule.admins
    is_admin = False
    if admins:
        user: dict[str, Any] = client.users_info(user=user_id).get("user") or {}
        is_admin = any(user.get(key) for key in ("is_admin", "is_owner", "is_primary_owner"))
    groups = set()
    if not is_admin:
        for group in rule.groups:
            members = client.usergroups_users_list(usergroup=group).get("users") or []
            if user_id in members:
                groups.add(group)
                break
    return may_approve(config, action_type, Person(user_id, is_admin, frozenset(groups)))
