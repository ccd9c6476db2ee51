"""Who may approve a draft: configured per action type as data, decided in code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from errors import RosterError

DEFAULT_APPROVALS_PATH = Path(__file__).with_name("approvals.toml")
SLACK_USER = r"^[UW][A-Z0-9]{2,20}$"
SLACK_GROUP = r"^S[A-Z0-9]{2,20}$"


class ApprovalDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    admins: bool = True
    reminder_after_hours: float = Field(default=24, gt=0, le=24 * 30)


class ActionApprovers(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    users: tuple[Annotated[str, Field(pattern=SLACK_USER)], ...] = ()
    groups: tuple[Annotated[str, Field(pattern=SLACK_GROUP)], ...] = ()
    admins: bool | None = None  # None: the default


class ApprovalConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: ApprovalDefaults = ApprovalDefaults()
    actions: tuple[ActionApprovers, ...] = ()

    def for_action(self, action_type: str) -> ActionApprovers:
        for action in self.actions:
            if action.type == action_type:
                return action
        return ActionApprovers(type=action_type)


@dataclass(frozen=True)
class Person:
    """What Slack tells us about the person who clicked."""

    user_id: str
    is_admin: bool = False
    groups: frozenset[str] = frozenset()


def may_approve(config: ApprovalConfig, action_type: str, person: Person) -> bool:
    rule = config.for_action(action_type)
    admins = config.defaults.admins if rule.admins is None else rule.admins
    return (
        person.user_id in rule.users
        or bool(person.groups & set(rule.groups))
        or (admins and person.is_admin)
    )


def approvers_text(config: ApprovalConfig, action_type: str) -> str:
    """'only @x, @y (or an admin) can approve this' — for the refusal a person sees."""
    rule = config.for_action(action_type)
    names = [f"<@{u}>" for u in rule.users] + [f"<!subteam^{g}>" for g in rule.groups]
    admins = config.defaults.admins if rule.admins is None else rule.admins
    if admins:
        names.append("a workspace admin")
    return ", ".join(names) if names else "nobody (no approvers are configured)"


def load_approvals(path: Path = DEFAULT_APPROVALS_PATH) -> ApprovalConfig:
    try:
        return ApprovalConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise RosterError(f"Approvals file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise RosterError(f"Approvals file {path} is invalid: {exc}") from exc
