"""One Slack app per agent (optional): which agents have their own app, and its token.

By default one app (the department's) speaks as every agent, under a persona (a name and an
icon per post). A workspace that wants `@CMO` and `@Copywriter` as real, separately
mentionable bot users creates one Slack app per agent from the generated manifests
(`python app.py manifest --agent cmo`, bots/agent_manifest.py) and configures each here:

    SLACK_AGENT_APPS={"copywriter": {"signing_secret": "…", "bot_token": "xoxb-…"}}

The whole value is a secret (it holds secrets): it never prints, and a bad one stops start-up
with one line that names the problem, never a value.

Where a token comes from is a `TokenSource` per agent app (jobs/slack/clients.py): today each
agent app's single-workspace bot token (`AppToken`, bound to its `team_id` when given); with
OAuth, the installation store keyed by that agent app's client_id answers instead (slack_sdk's
stores take a `client_id`), and `AgentAppTokens` stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from bots.roster import Roster
from errors import ConfigError
from jobs.slack.clients import TokenSource

SETTING = "SLACK_AGENT_APPS"


class AgentAppCredentials(BaseModel):
    """One agent's own Slack app in one workspace: what verifies its requests, what it posts
    with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signing_secret: SecretStr
    bot_token: SecretStr
    # The workspace it is installed in (T…): needed only when the deployment serves several
    # workspaces, so no other workspace's calls carry this app's token.
    team_id: str | None = Field(default=None, pattern=r"^[TE][A-Z0-9]{2,}$")

    @field_validator("signing_secret", "bot_token")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value


_APPS = TypeAdapter(dict[str, AgentAppCredentials])


def load_agent_apps(
    raw: SecretStr | None,
    roster: Roster,
    *,
    department_secret: SecretStr | None = None,
) -> dict[str, AgentAppCredentials]:
    """The configured agent apps, checked: valid JSON of the right shape, every id an agent
    of the roster, and no two apps (nor an agent app and the department's) sharing a signing
    secret, which would make a request's sender ambiguous. {} when unset."""
    if raw is None or not raw.get_secret_value().strip():
        return {}
    try:
        apps = _APPS.validate_json(raw.get_secret_value())
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(
            f"Setting {SETTING} is invalid{f' at {where}' if where else ''}: {problem['msg']} "
            '(expected {"<agent id>": {"signing_secret": "…", "bot_token": "xoxb-…"}})'
        ) from None
    unknown = sorted(set(apps) - set(roster.by_id))
    if unknown:
        raise ConfigError(
            f"Setting {SETTING} names {', '.join(map(repr, unknown))}, not an agent of the "
            f"roster (known: {', '.join(roster.by_id)})"
        )
    secrets = [app.signing_secret.get_secret_value() for app in apps.values()]
    if department_secret is not None:
        secrets.append(department_secret.get_secret_value())
    if len(set(secrets)) != len(secrets):
        raise ConfigError(
            f"Setting {SETTING}: two Slack apps share a signing secret; each app has its own "
            "(Basic Information → Signing Secret of that agent's app)"
        )
    return apps


@dataclass(frozen=True)
class AgentAppTokens:
    """A `TokenSource`: an agent's own app's token where it has one in the workspace, the
    department app's otherwise (and for every call made without an agent)."""

    department: TokenSource
    agents: Mapping[str, TokenSource]

    def bot_token(self, team_id: str, agent_id: str | None = None) -> str | None:
        own = self.agents.get(agent_id) if agent_id is not None else None
        token = own.bot_token(team_id) if own is not None else None
        return token or self.department.bot_token(team_id)


@dataclass(frozen=True)
class AppToken:
    """One agent app's single-workspace token: for its workspace (any, if not given)."""

    token: str
    team_id: str | None = None

    def bot_token(self, team_id: str, agent_id: str | None = None) -> str | None:
        return self.token if self.team_id in (None, team_id) else None


def with_agent_apps(
    department: TokenSource, apps: Mapping[str, AgentAppCredentials]
) -> TokenSource:
    """`department` alone when no agent has an app (the default: nothing changes)."""
    if not apps:
        return department
    agents = {
        agent_id: AppToken(app.bot_token.get_secret_value(), app.team_id)
        for agent_id, app in apps.items()
    }
    return AgentAppTokens(department, agents)


def has_own_app(tokens: TokenSource, team_id: str, agent_id: str) -> bool:
    """Whether `agent_id` speaks with its own bot user in this workspace: its token is not
    the department's. Asked of the token source alone, so any source (the environment, an
    installation store) answers it the same way."""
    own = tokens.bot_token(team_id, agent_id)
    return own is not None and own != tokens.bot_token(team_id)
