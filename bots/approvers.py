"""Who may approve a draft: configured per action type as data, decided in code."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.roster import Agent, Roster
from errors import RosterError

DEFAULT_APPROVALS_PATH = Path(__file__).with_name("approvals.toml")
SLACK_USER = r"^[UW][A-Z0-9]{2,20}$"
SLACK_GROUP = r"^S[A-Z0-9]{2,20}$"
ESCALATION = "escalation"  # the action type of an escalation card's answer
CAMPAIGN_PLAN = "campaign_plan"  # who may click "Approve plan" on a campaign card
CAMPAIGN_BUDGET = "campaign_budget"  # who may raise a held campaign's budget, or stop it
# decided by a person on a card, no chain
CARD_ONLY = frozenset({ESCALATION, CAMPAIGN_PLAN, CAMPAIGN_BUDGET})


class ApprovalDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    admins: bool = True
    reminder_after_hours: float = Field(default=24, gt=0, le=24 * 30)
    max_send_backs: int = Field(default=2, ge=0, le=10)


class ActionApprovers(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    label: str = Field(default="", max_length=60)
    chain: tuple[str, ...] = ()  # agent reviewers, in order, before the person
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

    def label(self, action_type: str) -> str:
        return self.for_action(action_type).label or action_type.replace("_", " ").capitalize()

    def with_people(
        self, chosen: Mapping[str, tuple[Sequence[str], Sequence[str]]]
    ) -> ApprovalConfig:
        """This configuration with the users and groups of some types replaced (a
        workspace's own choice, `jobs/workspace.py`); chains, labels and defaults stay."""
        actions = {action.type: action for action in self.actions}
        for action_type, (users, groups) in chosen.items():
            base = actions.get(action_type, ActionApprovers(type=action_type))
            actions[action_type] = base.model_copy(
                update={"users": tuple(users), "groups": tuple(groups)}
            )
        return self.model_copy(update={"actions": tuple(actions.values())})

    def reviewers(self, action_type: str, roster: Roster, submitter: Agent) -> list[str]:
        """The agent reviewers a submitter's draft goes through: the configured chain after
        the submitter, without anyone who reports (directly or not) to the submitter."""
        chain = list(self.for_action(action_type).chain)
        if submitter.id in chain:
            chain = chain[chain.index(submitter.id) + 1 :]
        return [r for r in chain if submitter.id not in _managers_of(roster, r)]


def _managers_of(roster: Roster, agent_id: str) -> set[str]:
    managers: set[str] = set()
    current = roster.by_id.get(agent_id)
    while current is not None and current.reports_to not in managers:
        managers.add(current.reports_to)
        current = roster.by_id.get(current.reports_to)
    return managers


@dataclass(frozen=True)
class Person:
    """What Slack tells us about the person who clicked."""

    user_id: str
    is_admin: bool = False
    groups: frozenset[str] = frozenset()


def may_approve(config: ApprovalConfig, action_type: str, person: Person) -> bool:
    rule = config.for_action(action_type)
    return (
        person.user_id in rule.users
        or bool(person.groups & set(rule.groups))
        or (admins_decide(config, action_type) and person.is_admin)
    )


def approver_mentions(config: ApprovalConfig, action_type: str) -> list[str]:
    """The configured approvers as Slack mention markup (`<@U…>`, `<!subteam^S…>`): the ids
    are checked by the config's patterns, so the markup is ours, never a model's or a user's."""
    rule = config.for_action(action_type)
    return [f"<@{u}>" for u in rule.users] + [f"<!subteam^{g}>" for g in rule.groups]


def admins_decide(config: ApprovalConfig, action_type: str) -> bool:
    rule = config.for_action(action_type)
    return config.defaults.admins if rule.admins is None else rule.admins


def approvers_text(config: ApprovalConfig, action_type: str) -> str:
    """'@x, @y or a workspace admin' — who may decide, for a refusal, a card or a reminder."""
    names = approver_mentions(config, action_type)
    if admins_decide(config, action_type):
        names.append("a workspace admin")
    if not names:
        return "nobody (no approvers are configured)"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def check_against(config: ApprovalConfig, roster: Roster, action_types: set[str]) -> None:
    """Cross-checks with the roster and the autonomy table: one clear error at start-up."""
    for action in config.actions:
        if action.type not in action_types | CARD_ONLY:
            known = ", ".join(sorted(action_types | CARD_ONLY))
            raise RosterError(f"Approvals: unknown action type {action.type!r}; known: {known}")
        for reviewer in action.chain:
            if reviewer not in roster.by_id:
                raise RosterError(
                    f"Approvals: reviewer {reviewer!r} of {action.type} is not in the roster"
                )
        if len(set(action.chain)) != len(action.chain):
            raise RosterError(f"Approvals: a reviewer appears twice in the {action.type} chain")
        if action.type in CARD_ONLY and action.chain:
            raise RosterError(f"Approvals: {action.type} has no agent reviewers (chain = [])")


def decided_by_people(action_types: set[str]) -> list[str]:
    """Every approval type a workspace may name people for: the authority matrix's and the
    card-only ones, sorted (the set-up's approvers form lists them in this order)."""
    return sorted(action_types | CARD_ONLY)


def load_approvals(path: Path = DEFAULT_APPROVALS_PATH) -> ApprovalConfig:
    try:
        return ApprovalConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise RosterError(f"Approvals file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise RosterError(f"Approvals file {path} is invalid: {exc}") from exc
