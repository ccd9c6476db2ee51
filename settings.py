"""The one place configuration is read: the environment or a `.env` file.

Everything else receives a `Settings` instance; nothing else reads `os.environ`. A missing or
malformed setting stops start-up with one line naming it (`describe_error`), never a
traceback and never the secret's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bots.approvers import DEFAULT_APPROVALS_PATH
from bots.prompts import DEFAULT_PROMPTS_DIR
from bots.ritual_config import DEFAULT_RITUALS_PATH
from bots.roster import DEFAULT_ROSTER_PATH, ModelTier
from errors import ConfigError

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
# The credentials that decide how the app meets Slack (`slack_mode`).
SLACK_CREDENTIALS = (
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "slack_client_id",
    "slack_client_secret",
)
# What the OAuth variant of HTTP mode needs (one-click install; tokens per workspace).
OAUTH_CREDENTIALS = (
    "slack_client_id",
    "slack_client_secret",
    "slack_signing_secret",
    "slack_token_keys",
)


class SlackMode(StrEnum):
    HTTP = "HTTP mode"  # Events API requests on PORT, verified with the signing secret
    # HTTP mode where each workspace installs the app (/slack/install) and its token is kept,
    # encrypted, in the database (models/installations.py): no SLACK_BOT_TOKEN.
    OAUTH = "HTTP mode with OAuth install"
    SOCKET = "Socket Mode"  # a WebSocket opened with the app-level token; no signing secret
    SANDBOX = "the sandbox"  # no Slack at all: the local stand-ins (sandbox/launcher.py)


class _EmptySlackCredentials(PydanticBaseSettingsSource):
    """`env_ignore_empty` turns `SLACK_SIGNING_SECRET=` into "unset", which would quietly mean
    "no Slack, run the sandbox" (or an HMAC with an empty key). This lowest-priority source
    hands a present-but-empty Slack credential on as "" so `slack_mode` can name it."""

    def __init__(self, settings_cls: type[BaseSettings], env_file: Any) -> None:
        super().__init__(settings_cls)
        self._sources = (
            EnvSettingsSource(settings_cls, env_ignore_empty=False),
            DotEnvSettingsSource(settings_cls, env_file=env_file, env_ignore_empty=False),
        )

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the two sources whole

    def __call__(self) -> dict[str, Any]:
        empty: dict[str, Any] = {}
        for source in self._sources:
            values = source()
            named = (*SLACK_CREDENTIALS, "slack_token_keys")
            empty |= {name: "" for name in named if values.get(name) == ""}
        return empty


class Settings(BaseSettings):
    """Process configuration. Secrets are `SecretStr` so they never print by accident."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env_file = getattr(dotenv_settings, "env_file", None)
        empty = _EmptySlackCredentials(settings_cls, env_file)
        return init_settings, env_settings, dotenv_settings, file_secret_settings, empty

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # One-click install (Slack OAuth v2): the app's Client ID (public: it is in every install
    # link) and Client Secret, from Basic Information. Set → HTTP mode with OAuth install.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # Fernet keys (comma-separated) that encrypt the stored tokens: the first encrypts, all
    # decrypt. Rotate: put a new key first, `python app.py rotate-token-keys`, drop the old.
    slack_token_keys: SecretStr | None = None
    # Days a workspace's data is kept after it uninstalls the app; then every row is deleted.
    data_retention_days: int = Field(default=30, ge=0, le=3650)
    # One Slack app per agent (optional, HTTP mode; jobs/slack/agent_apps.py): JSON
    # {"<agent id>": {"signing_secret": "…", "bot_token": "xoxb-…"}}, or "client_id" and
    # "client_secret" for an app installed by OAuth. Unset: the department's app speaks as
    # every agent.
    slack_agent_apps: SecretStr | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    port: int = Field(default=3000, ge=1, le=65535)
    http_threads: int = Field(default=16, ge=1, le=256)

    anthropic_api_key: SecretStr | None = None
    # ANTHROPIC_BASE_URL is read by the anthropic client itself; kept here so it is validated
    # and so the worker can hand it on explicitly.
    anthropic_base_url: str | None = None
    model_opus: str = "claude-opus-5-5"
    model_sonnet: str = "claude-sonnet-5-5"
    model_haiku: str = "claude-haiku-5-5"
    llm_max_tokens: int = Field(default=2048, ge=16, le=64000)
    llm_max_retries: int = Field(default=3, ge=0, le=10)
    llm_timeout_s: float = Field(default=120.0, gt=0)

    roster_path: Path = DEFAULT_ROSTER_PATH
    approvals_path: Path = DEFAULT_APPROVALS_PATH
    prompts_dir: Path = DEFAULT_PROMPTS_DIR  # department.md and one <agent id>.md per agent
    rituals_path: Path = DEFAULT_RITUALS_PATH  # when the standup and the reviews run
    # The IANA zone rituals keep time in, for a workspace that set none (`/standup timezone`).
    workspace_time_zone: str = "UTC"

    redis_url: str = "redis://localhost:6379/0"
    database_url: str = "sqlite:///marketing_dept.db"
    # PostgreSQL only: the longest one statement may run (a hung server, a runaway query end
    # in an error); 0 = no limit. Not applied to the release's migration.
    database_statement_timeout_s: float = Field(default=30.0, ge=0, le=3600)
    # The department's RQ queue (the turns lane); the other lanes are QUEUE_NAME-urgent and
    # QUEUE_NAME-background (jobs/queue.py).
    queue_name: str = "turns"
    worker_processes: int = Field(default=4, ge=1, le=64)
    # Of each worker command's processes, this many take no background work (a campaign's
    # steps), so a mention never waits for a long step to end; at least one process takes it.
    worker_processes_for_people: int = Field(default=1, ge=0, le=64)
    # On SIGTERM a worker takes no new job and lets its running one finish for this long; past
    # it the job's work is handed back (its lease given back, re-enqueued for another worker)
    # and the process exits. Keep it a few seconds under the platform's grace (often 30 s).
    worker_shutdown_grace_s: float = Field(default=20.0, ge=0, le=3600)
    # Log lines as JSON objects (for a log pipeline; the Procfile and compose.yaml set it) or
    # text (a terminal). Either way each line carries the workspace and record ids (logs.py).
    log_format: Literal["json", "text"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    turn_lease_s: float = Field(default=20.0, gt=0)  # heartbeat every quarter
    sweep_interval_s: float = Field(default=5.0, gt=0)
    enqueue_grace_s: float = Field(default=3.0, ge=0)
    stream_update_interval_s: float = Field(default=1.0, ge=0)
    # Replies in threads stream with chat.startStream/appendStream/stopStream (the rule is in
    # jobs/slack/streams.py); off: every reply is a placeholder edited with chat.update.
    slack_native_streaming: bool = True
    # A manager's delegations, reviews and gates shown as a live plan in the request's thread
    # (jobs/department/plan_view.py); off: only the replies and the assignment links.
    show_work_plans: bool = True
    # The sandbox's scripted Claude pauses this long before each answer (no effect with a real
    # model): long enough to see the thread's status in the page.
    sandbox_think_s: float = Field(default=0.0, ge=0, le=10)
    # ... and streams each piece of an answer (24 characters) this long after the last: a
    # reader's pace, so a demo visibly streams; 0 answers at once (the browser tests).
    sandbox_stream_delay_s: float = Field(default=0.03, ge=0, le=1)
    # Slack limits chat.update per workspace (Tier 3, 50+/min), not per worker: every worker's
    # streaming edits share this budget, the most any minute sees (jobs/slack/edit_budget.py).
    slack_chat_update_per_minute: int = Field(default=40, ge=6, le=600)
    # Who may decide (users.info, usergroups.users.list) is remembered this long per workspace.
    slack_people_cache_s: int = Field(default=60, ge=0, le=3600)
    history_max_messages: int = Field(default=40, ge=2)
    escalation_channel: str = Field(
        default="mkt-escalations", pattern=r"^[a-z0-9][a-z0-9_\-]{0,79}$"
    )
    # Where the VP Marketing posts campaign cards (`/campaign`), and a campaign's AI budget
    # when neither the brief's form nor the command names one.
    campaign_channel: str = Field(default="mkt-campaigns", pattern=r"^[a-z0-9][a-z0-9_\-]{0,79}$")
    # Where the VP Marketing opens the daily standup's thread: the default for every workspace
    # (a workspace's own ritual settings, when it has them, override it).
    # The tier that phrases every agent's standup update in one call (issue 18: not 14 Opus calls).
    standup_model_tier: ModelTier = "haiku"
    campaign_budget_usd: Decimal = Field(default=Decimal("50.00"), gt=0)
    # When a campaign's budget holds it, the card offers to raise it by this share (percent)
    # of what it needs (the budget, or the spend plus the held call if that is more).
    campaign_budget_raise_pct: int = Field(default=50, ge=10, le=1000)
    # At most one edit of a campaign's progress message per this many seconds (coalesced).
    campaign_progress_edit_every_s: float = Field(default=3.0, ge=0.01, le=60)
    # An engine pass holds its campaign this long at most: a pass killed mid-way lets go then.
    campaign_pass_lease_s: float = Field(default=60.0, gt=0, le=600)
    # At most this many of one workspace's campaign steps started and not yet recorded as
    # finished, across its campaigns; the rest wait in the database and start as these end
    # (one workspace's 500-step campaign never fills the queues: jobs/campaigns/engine.py).
    campaign_steps_in_flight: int = Field(default=8, ge=1, le=1000)
    request_budget_usd: Decimal = Field(default=Decimal("2.00"), gt=0)
    max_delegation_depth: int = Field(default=2, ge=1, le=5)
    # A draft's task takes turns: hand out, synthesise + submit, revise (per send-back),
    # continue after approval, wrap up.
    max_task_turns: int = Field(default=8, ge=1, le=20)
    max_tool_rounds: int = Field(default=6, ge=1, le=20)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_has_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_token_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            from models.token_cipher import TokenCipher  # cryptography: only when configured

            TokenCipher.from_setting(value)  # a ValueError names no key
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("workspace_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("must be an IANA time zone such as Europe/Berlin") from error
        return value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+")):
            raise ValueError(
                "must be a SQLite or PostgreSQL SQLAlchemy URL, e.g. sqlite:///marketing_dept.db"
            )
        return value

    def model_for(self, tier: ModelTier) -> str:
        """The Claude model id configured for a roster tier."""
        return {"opus": self.model_opus, "sonnet": self.model_sonnet, "haiku": self.model_haiku}[
            tier
        ]


def as_environment(settings: Settings, base: Mapping[str, str]) -> dict[str, str]:
    """`base` without any setting of ours, plus these settings: how a child process (the
    worker command started by the sandbox, tests and benchmarks) gets exactly this config."""
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in base.items() if key not in names}
    env.pop("ANTHROPIC_BASE_URL", None)  # read by the anthropic client itself
    for name, value in settings.model_dump().items():
        if value is not None:
            secret = getattr(value, "get_secret_value", None)
            env[name.upper()] = str(secret() if secret else value)
    return env


def describe_error(error: ValidationError) -> str:
    """One line per bad setting, naming the environment variable but never its value."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]).upper() if problem["loc"] else "SETTINGS"
        lines.append(f"Setting {name} is invalid: {problem['msg']}")
    return "\n".join(lines)


def settings_and_mode(argv: list[str]) -> tuple[Settings, SlackMode] | str:
    """The settings and how to meet Slack (`--sandbox` forces the sandbox), or the lines
    that say what is wrong: each entry point prints them and exits 2, never a traceback."""
    try:
        settings = Settings()
        return settings, SlackMode.SANDBOX if "--sandbox" in argv else slack_mode(settings)
    except ValidationError as error:
        return describe_error(error)
    except ConfigError as error:
        return str(error)


def slack_mode(settings: Settings) -> SlackMode:
    """How the app meets Slack, from which credentials are set (an empty one counts as set).

    None of them → the sandbox. SLACK_APP_TOKEN → Socket Mode (bot + app token).
    SLACK_CLIENT_ID or SLACK_CLIENT_SECRET → HTTP with OAuth install (client id and secret,
    signing secret, token keys; no bot token). Otherwise → HTTP (bot token + signing secret).
    A partial set is a `ConfigError` naming what is missing for the mode it looks like:
    guessing "sandbox" would quietly run the department against whatever else is configured,
    and an empty signing secret would verify with an empty key.
    """
    values = {name: getattr(settings, name) for name in SLACK_CREDENTIALS}
    if all(value is None for value in values.values()):
        return SlackMode.SANDBOX
    mode, needed = _mode_and_needs(values)
    problems = [_credential_problem(name, getattr(settings, name)) for name in needed]
    missing = [problem for problem in problems if problem]
    if missing:
        raise ConfigError(
            f"Slack is half configured: {mode} needs "
            + " and ".join(name.upper() for name in needed)
            + f", but {', '.join(missing)}. Unset every SLACK_ credential (or run "
            "`python app.py --sandbox`) for the local sandbox; see .env.example."
        )
    if mode is SlackMode.SOCKET and values["slack_client_id"] is not None:
        raise ConfigError(
            "Slack is configured twice: Socket Mode serves the one workspace of SLACK_BOT_TOKEN; "
            "the OAuth install (SLACK_CLIENT_ID) needs HTTP mode, so unset one of them."
        )
    if mode is SlackMode.OAUTH and values["slack_bot_token"] is not None:
        raise ConfigError(
            "Slack is configured twice: with SLACK_CLIENT_ID each workspace's token comes from "
            "its installation, so unset SLACK_BOT_TOKEN (or the client id and secret)."
        )
    return mode


def _mode_and_needs(values: Mapping[str, object]) -> tuple[SlackMode, list[str]]:
    if values["slack_app_token"] is not None:
        return SlackMode.SOCKET, ["slack_bot_token", "slack_app_token"]
    if values["slack_client_id"] is not None or values["slack_client_secret"] is not None:
        return SlackMode.OAUTH, list(OAUTH_CREDENTIALS)
    return SlackMode.HTTP, ["slack_bot_token", "slack_signing_secret"]


def _credential_problem(name: str, value: SecretStr | str | None) -> str | None:
    if value is None:
        return f"{name.upper()} is not set"
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not text.strip():
        return f"{name.upper()} is empty"
    return None
