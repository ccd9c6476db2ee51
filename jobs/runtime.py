"""What a worker process needs, built once per process from `Settings`.

Only clients and configuration live here, never the state of any request: every job
reloads what it needs from the database by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bots.approvers import ApprovalConfig, check_against, load_approvals
from bots.authority import AuthorityMatrix, check_submitters, load_authority
from bots.campaign_data import CampaignData, load_campaign_data
from bots.prompts import PromptLibrary
from bots.ritual_config import RitualConfig, load_ritual_config
from bots.roster import Roster, load_roster
from errors import ConfigError
from jobs.claude.pricing import PriceTable, load_prices
from jobs.queue import check_job_refs
from jobs.slack.agent_apps import check_installs, load_agent_apps, with_agent_apps
from jobs.slack.clients import EnvToken, SlackClients, TokenSource
from models.db import assert_migrated, make_engine, make_sessionmaker
from settings import Settings

if TYPE_CHECKING:
    import anthropic

    from jobs.slack.people import People

REDIS_SOCKET_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    roster: Roster
    authority: AuthorityMatrix
    approvals: ApprovalConfig
    prompts: PromptLibrary
    prices: PriceTable
    campaign_data: CampaignData  # the advisor's numbers and patterns, checked at start-up
    rituals: RitualConfig  # when the standup and the reviews run unless a workspace chose
    sessions: sessionmaker[Session]
    # Per workspace (and per agent app): `slack_for` / `best_effort_for` (jobs/slack/clients.py).
    slack_clients: SlackClients
    claude: anthropic.Anthropic
    redis: Redis

    def slack_for(self, team_id: str, agent_id: str | None = None) -> WebClient:
        """The client that waits out 429s, with this workspace's (and agent app's) token."""
        return self.slack_clients.patient(team_id, agent_id)

    def best_effort_for(self, team_id: str, agent_id: str | None = None) -> WebClient:
        """The client for reads we can do without, with this workspace's token."""
        return self.slack_clients.best_effort(team_id, agent_id)

    @property
    def people(self) -> People:
        """Who may decide, asked of Slack through the same short-lived Redis cache as clicks."""
        from jobs.slack.people import People  # jobs.slack.people imports this module

        return People(self.best_effort_for, self.redis, self.settings.slack_people_cache_s)


def token_source(settings: Settings, engine: Engine) -> TokenSource:
    """Each workspace's installation (SLACK_CLIENT_ID set: the OAuth install), else
    SLACK_BOT_TOKEN for every team."""
    if settings.slack_client_id is None:
        return env_token(settings)
    from jobs.slack.installation_tokens import installation_tokens

    return installation_tokens(settings, engine, redis_client(settings))


def env_token(settings: Settings) -> EnvToken:
    """The single-workspace token source: SLACK_BOT_TOKEN for every team."""
    token = settings.slack_bot_token
    return EnvToken(token.get_secret_value() if token is not None else None)


def slack_clients(settings: Settings, tokens: TokenSource | None = None) -> SlackClients:
    """Every Slack client of a process (worker or Slack app) comes from here: a workspace's
    calls carry that workspace's token (from `tokens`; by default SLACK_BOT_TOKEN)."""
    return SlackClients(settings.slack_api_url, tokens or env_token(settings))


def with_agent_apps_of(
    settings: Settings, roster: Roster, tokens: TokenSource, engine: Engine
) -> TokenSource:
    """`tokens`, and each agent's own app's where it has one (SLACK_AGENT_APPS; unset:
    `tokens` as they are): its one bot token, or its installation in the workspace."""
    apps = load_agent_apps(
        settings.slack_agent_apps, roster, department_secret=settings.slack_signing_secret
    )
    check_installs(apps, settings)
    installed: dict[str, TokenSource] = {}
    for agent_id, app in apps.items():
        if app.client_id is not None and app.client_secret is not None:
            from jobs.slack.installation_tokens import agent_installation_tokens

            secret = app.client_secret.get_secret_value()
            installed[agent_id] = agent_installation_tokens(
                settings, engine, redis_client(settings), app.client_id, secret
            )
    return with_agent_apps(tokens, apps, installed)


def claude_client(settings: Settings) -> anthropic.Anthropic:
    """Imported here: only workers talk to Claude, and the Slack app need not load the SDK
    (about a second of its start-up)."""
    import anthropic

    if settings.anthropic_api_key is None:
        raise ConfigError("ANTHROPIC_API_KEY is not set: the workers need it to call Claude.")
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        max_retries=settings.llm_max_retries,
        timeout=settings.llm_timeout_s,
    )


def redis_client(settings: Settings) -> Redis:
    return Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=REDIS_SOCKET_TIMEOUT_S,
        socket_timeout=REDIS_SOCKET_TIMEOUT_S,
        health_check_interval=30,
    )


def check_models_priced(settings: Settings, prices: PriceTable) -> None:
    """Refuse to start if any configured model could be called without a price."""
    for tier in ("opus", "sonnet", "haiku"):
        prices.price_for(settings.model_for(tier))


def build_runtime(settings: Settings, tokens: TokenSource | None = None) -> Runtime:
    roster = load_roster(settings.roster_path)
    prices = load_prices()
    check_models_priced(settings, prices)
    authority = load_authority()
    approvals = load_approvals(settings.approvals_path)
    check_submitters(authority, roster)
    check_against(approvals, roster, authority.approval_types)
    check_job_refs()
    campaign_data = load_campaign_data(roster, authority)  # a bad advisor/patterns file stops
    engine = make_engine(settings.database_url, settings.database_statement_timeout_s)
    assert_migrated(engine)
    return Runtime(
        settings=settings,
        roster=roster,
        authority=authority,
        approvals=approvals,
        prompts=PromptLibrary(roster, settings.prompts_dir),
        prices=prices,
        campaign_data=campaign_data,
        rituals=load_ritual_config(settings.rituals_path),
        sessions=make_sessionmaker(engine),
        slack_clients=slack_clients(
            settings,
            with_agent_apps_of(settings, roster, tokens or token_source(settings, engine), engine),
        ),
        claude=claude_client(settings),
        redis=redis_client(settings),
    )


_current: Runtime | None = None


def current() -> Runtime:
    """This process's runtime, built from the environment on first use."""
    global _current
    if _current is None:
        _current = build_runtime(Settings())
    return _current


def forget_inherited() -> None:
    """In a forked worker: leave the parent's pooled connections to the parent, start afresh."""
    global _current
    if _current is not None:
        engine = _current.sessions.kw["bind"]
        engine.dispose(close=False)
        _current = None


def install(runtime: Runtime | None) -> None:
    """Use a ready-made runtime (tests and in-process workers)."""
    global _current
    _current = runtime
