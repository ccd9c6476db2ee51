"""The approvers form of the set-up: who decides which approval type, as Block Kit, and read
back (pure: no Slack, no database).

One input per approval type (`bots.approvers.decided_by_people`: the authority matrix's and
the card-only types) for people (`multi_users_select`) and, when the workspace has user groups,
one for groups (`multi_static_select` over `usergroups.list`). Reading it back checks every
block against the types offered and every id against Slack's id patterns, so a forged
submission saves nothing and says which field is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bots.approvers import SLACK_GROUP, SLACK_USER, ApprovalConfig
from jobs.setup.home import CHOOSE_APPROVERS
from models.workspace_settings import People

APPROVERS_FORM = CHOOSE_APPROVERS  # the modal's callback_id (and the Home button's action_id)
USERS, GROUPS = "users", "groups"
MAX_OPTIONS = 100  # a static select's limit


class FormProblem(Exception):
    """What is wrong with a submitted form, per field: `errors` maps each block_id to its
    message, as a view submission's `response_action: errors` shows them under the inputs."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)

    @classmethod
    def at(cls, block_id: str, message: str) -> FormProblem:
        """One field's problem."""
        return cls({block_id: message})


def approvers_view(
    types: Sequence[str], config: ApprovalConfig, groups: Mapping[str, str]
) -> dict[str, Any]:
    """The modal: `config` is the workspace's current approvers, `groups` id → handle."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "Who may decide each kind of approval in this workspace. Empty: "
                "the department's default (bots/approvals.toml). Workspace admins decide "
                "wherever the default lets them.",
            },
        }
    ]
    for kind in types:
        blocks += _inputs(kind, config, groups)
    return {
        "type": "modal",
        "callback_id": APPROVERS_FORM,
        "title": {"type": "plain_text", "text": "Approvers"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _inputs(kind: str, config: ApprovalConfig, groups: Mapping[str, str]) -> list[dict[str, Any]]:
    rule = config.for_action(kind)
    users: dict[str, Any] = {"type": "multi_users_select", "action_id": USERS}
    if rule.users:
        users["initial_users"] = list(rule.users)
    label = config.label(kind)
    found = [_input(f"{USERS}:{kind}", f"{label}: people", users)]
    if groups:
        options = [_option(group_id, handle) for group_id, handle in groups.items()]
        chosen = [_option(g, groups[g]) for g in rule.groups if g in groups]
        select: dict[str, Any] = {
            "type": "multi_static_select",
            "action_id": GROUPS,
            "options": options[:MAX_OPTIONS],
        }
        if chosen:
            select["initial_options"] = chosen
        found.append(_input(f"{GROUPS}:{kind}", f"{label}: user groups", select))
    return found


def _input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": {"type": "plain_text", "text": label[:2000]},
        "element": element,
    }


def _option(group_id: str, handle: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": f"@{handle}"[:75]}, "value": group_id}


def read_approvers(state: Mapping[str, Any], types: Sequence[str]) -> dict[str, People]:
    """The submitted form as approval type → people; raises FormProblem on a field the form
    did not offer or an id that is not a Slack user or user-group id."""
    users: dict[str, tuple[str, ...]] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for block_id, fields in state.items():
        what, _, kind = block_id.partition(":")
        if kind not in types or what not in (USERS, GROUPS):
            raise FormProblem.at(block_id, "This is not a field of the approvers form.")
        value = (fields or {}).get(what) or {}
        if what == USERS:
            users[kind] = _checked(block_id, value.get("selected_users") or [], SLACK_USER)
        else:
            chosen = [o.get("value") for o in value.get("selected_options") or []]
            groups[kind] = _checked(block_id, chosen, SLACK_GROUP)
    return {kind: People(users.get(kind, ()), groups.get(kind, ())) for kind in types}


def _checked(block_id: str, ids: list[Any], pattern: str) -> tuple[str, ...]:
    if not all(isinstance(i, str) and re.fullmatch(pattern, i) for i in ids):
        raise FormProblem.at(block_id, "Pick people and groups from the lists.")
    return tuple(dict.fromkeys(ids))
