"""Whether the approvers a submitted form names exist in this workspace (issue 20): every
person through users.info (not a bot, not deactivated), every group in usergroups.list.

Asked before the submission is answered, so only through `People`, whose client never waits
out a 429 (a view submission has 3 s), and cached per workspace for SLACK_PEOPLE_CACHE_S (a
form corrected and saved again asks nothing twice; the groups were listed when it opened).
Each person is asked once however many types name them. A
workspace that did not grant usergroups:read cannot list its groups: the ids are accepted as
chosen, with a note that says so. Slack failing to answer is a problem under the field, and
nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError

from handlers.setup_form import GROUPS, USERS
from jobs.slack.people import BOT, DELETED, PERSON, UNKNOWN, People
from models.workspace_settings import People as Chosen

NOT_A_PERSON = {
    BOT: "{name} is a bot or an app: approvers are people.",
    DELETED: "{name} is deactivated: pick someone else.",
    UNKNOWN: "{name} is not a member of this workspace.",
}
NO_SUCH_GROUP = "{id} is not a user group of this workspace (or it is disabled)."
NO_ANSWER = "I couldn't check with Slack ({error}). Nothing was saved; try again in a moment."
GROUPS_UNCHECKED = (
    "Saved. The app may not list this workspace's user groups (the usergroups:read scope is "
    "missing: reinstall it from manifest.yml), so the groups were saved as chosen, unchecked."
)
MAX_NAME_CHARS = 40
LOOKUPS_AT_ONCE = 8  # users.info is Tier 4 (100+ a minute): a form's worth at once is fine


@dataclass(frozen=True)
class Checked:
    """`errors`: block_id → what is wrong there; `note`: what to say once saved."""

    errors: dict[str, str] = field(default_factory=dict)
    note: str | None = None


def check_approvers(people: People, team_id: str, chosen: Mapping[str, Chosen]) -> Checked:
    """Every person and group of `chosen` (approval type → ids) as Slack knows them."""
    try:
        errors = _people_problems(people, team_id, chosen)
        groups = _group_problems(people, team_id, chosen)
    except SlackApiError as error:
        return Checked(_under_first(chosen, NO_ANSWER.format(error=error.response.get("error"))))
    except OSError:
        return Checked(_under_first(chosen, NO_ANSWER.format(error="no answer")))
    if groups is None:
        return Checked(errors, GROUPS_UNCHECKED if not errors else None)
    return Checked(errors | groups)


def _people_problems(people: People, team_id: str, chosen: Mapping[str, Chosen]) -> dict[str, str]:
    """Everyone named, each asked once and all at the same time: one after another, a form
    naming many people not yet cached could outlast the submission's 3 s."""
    user_ids = list(dict.fromkeys(user_id for who in chosen.values() for user_id in who.users))
    if not user_ids:
        return {}
    with ThreadPoolExecutor(max_workers=min(LOOKUPS_AT_ONCE, len(user_ids))) as pool:
        answers = pool.map(lambda user_id: people.standing(team_id, user_id), user_ids)
        found = dict(zip(user_ids, answers, strict=True))
    verdicts = {
        user_id: None if standing == PERSON else _said(standing, (name or user_id)[:MAX_NAME_CHARS])
        for user_id, (standing, name) in found.items()
    }
    errors: dict[str, str] = {}
    for kind, who in chosen.items():
        for user_id in who.users:
            if (problem := verdicts[user_id]) is not None:
                errors.setdefault(f"{USERS}:{kind}", problem)
    return errors


def _said(standing: str, name: str) -> str:
    return NOT_A_PERSON.get(standing, NOT_A_PERSON[UNKNOWN]).format(name=name)


def _group_problems(
    people: People, team_id: str, chosen: Mapping[str, Chosen]
) -> dict[str, str] | None:
    """None: the workspace's groups cannot be listed (the groups are taken as chosen)."""
    if not any(who.groups for who in chosen.values()):
        return {}
    known = people.groups(team_id)
    if known is None:
        return None
    errors: dict[str, str] = {}
    for kind, who in chosen.items():
        unknown = [group for group in who.groups if group not in known]
        if unknown:
            errors[f"{GROUPS}:{kind}"] = NO_SUCH_GROUP.format(id=unknown[0])
    return errors


def _under_first(chosen: Mapping[str, Chosen], message: str) -> dict[str, str]:
    """Slack gave no answer: the message under the first field that names anyone."""
    for kind, who in chosen.items():
        if who.users or who.groups:
            return {f"{USERS if who.users else GROUPS}:{kind}": message}
    return {}
