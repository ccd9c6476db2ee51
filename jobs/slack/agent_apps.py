"""One Slack app per agent (optional): which agents have their own app, and its token.

By default one app (the department's) speaks as every agent, under a persona (a name and an
icon per post). A workspace that wants `@CMO` and `@Copywriter` as real, separately
mentionable bot users creates one Slack app per agent from the generated manifests
(`python app.py manifest --agent cmo`, bots/agent_manifest.py) and configures each here:

    SLACK_AGENT_APPS={"copywriter": {"signing_secret": "…", "bot_token": "xoxb-…"}}
    SLACK_AGENT_APPS={"cmo": {"signing_secret": "…", "client_id": "…", "client_secret": "…"}}

The first is one workspace's bot token; the second installs the agent's app by OAuth in any
number of workspaces (/slack/install/<agent id>, handlers/agent_apps.py), beside the
department's own OAuth install. The whole value is a secret (it holds secrets): it never
prints, and a bad one stops start-up with one line that names the problem, never a value.

Where a token comes from is a `TokenSource` per agent app (jobs/slack/clients.py): the
single-workspace bot token (`AppToken`, bound to its `team_id` when given), or the
installations kept under that app's client_id (`InstallationTokens`, built by the runtime).
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
    model_validator,
)

from bots.roster import Roster
from errors import ConfigError
from jobs.slack.clients import TokenSource
from settings import Settings

SETTING = "SLACK_AGENT_APPS"


class AgentAppCredentials(BaseModel):
    """One agent's own Slack app in one workspace: what verifies its requests, what it posts
    with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signing_secret: SecretStr
    bot_token: SecretStr | None = None
    # The workspace it is installed in (T…): needed only when the deployment serves several
    # workspaces, so no other workspace's calls carry this app's token.
    team_id: str | None = Field(default=None, pattern=r"^[TE][A-Z0-9]{2,}$")
    # Or installed by OAuth (Basic Information → App Credentials): a token per workspace.
    client_id: str | None = Field(default=None, pattern=r"^[0-9]+\.[0-9]+$")
    client_secret: SecretStr | None = None

    @field_validator("signing_secret", "bot_token", "client_secret")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _one_way_to_a_token(self) -> AgentAppCredentials:
        oauth = (self.client_id is not None, self.client_secret is not None)
        if oauth[0] != oauth[1]:
            raise ValueError('an OAuth install needs both "client_id" and "client_secret"')
        if (self.bot_token is None) == (self.client_id is None):
            raise ValueError('give "bot_token" (one workspace) or "client_id" and "client_secret"')
        if self.client_id is not None and self.team_id is not None:
            raise ValueError('"team_id" is for a "bot_token"; an OAuth install knows its workspace')
        return self

    @property
    def installs(self) -> bool:
        """Installed by OAuth (per workspace), not configured with one bot token."""
        return self.client_id is not None


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
            '(expected {"<agent id>": {"signing_secret": "…", "bot_token": "xoxb-…"}}, or '
            '"client_id" and "client_secret" in place of "bot_token")'
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


def check_installs(apps: Mapping[str, AgentAppCredentials], settings: Settings) -> None:
    """An agent app installed by OAuth keeps its tokens where the department's are: it needs
    the department's OAuth install (SLACK_CLIENT_ID, SLACK_TOKEN_KEYS), and a client id of its
    own (slack_sdk's stores are keyed by it)."""
    installed = [agent_id for agent_id, app in apps.items() if app.installs]
    if not installed:
        return
    if settings.slack_client_id is None or settings.slack_token_keys is None:
        raise ConfigError(
            f"Setting {SETTING}: agent app {installed[0]!r} is installed by OAuth, which needs "
            "the department's OAuth install too (SLACK_CLIENT_ID, SLACK_TOKEN_KEYS)"
        )
    client_ids = [settings.slack_client_id] + [apps[a].client_id or "" for a in installed]
    if len(set(client_ids)) != len(client_ids):
        raise ConfigError(
            f"Setting {SETTING}: two Slack apps share a client_id; each agent app has its own"
        )


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
    department: TokenSource,
    apps: Mapping[str, AgentAppCredentials],
    installed: Mapping[str, TokenSource] | None = None,
) -> TokenSource:
    """`department` alone when no agent has an app (the default: nothing changes).
    `installed`: the installations of each agent app installed by OAuth, by agent id."""
    if not apps:
        return department
    agents = {
        agent_id: (installed or {}).get(agent_id) or _env_token(agent_id, app)
        for agent_id, app in apps.items()
    }
    return AgentAppTokens(department, agents)


def _env_token(agent_id: str, app: AgentAppCredentials) -> AppToken:
    if app.bot_token is None:
        raise ConfigError(f"Setting {SETTING}: agent app {agent_id!r} has no installations")
    return AppToken(app.bot_token.get_secret_value(), app.team_id)


def has_own_app(tokens: TokenSource, team_id: str, agent_id: str) -> bool:
    """Whether `agent_id` speaks with its own bot user in this workspace: its token is not
    the department's. Asked of the token source alone, so any source (the environment, an
    installation store) answers it the same way."""
    own = tokens.bot_token(team_id, agent_id)
    return own is not None and own != tokens.bot_token(team_id)


def agents_with_own_apps(tokens: TokenSource) -> tuple[str, ...]:
    """The agents configured with an app of their own (installed in a workspace or not)."""
    return tuple(tokens.agents) if isinstance(tokens, AgentAppTokens) else ()
