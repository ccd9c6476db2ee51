"""Wiring only: Settings → Bolt app → listeners → HTTP (waitress) or Socket Mode.

`python app.py` runs the Slack-facing app. Workers run separately (`python -m jobs.worker`).
With no Slack credential set at all, or with `--sandbox`, it runs the local sandbox instead.
"""

from __future__ import annotations

import functools
import logging
import sys
from dataclasses import dataclass
from urllib.error import URLError

from pydantic import ValidationError
from slack_bolt import App
from slack_bolt.error import BoltError

import handlers
import logs
from bots.advisor_config import PlanLimits
from bots.approvers import ApprovalConfig, check_against, load_approvals
from bots.authority import AuthorityMatrix, check_submitters, load_authority
from bots.campaign_data import load_campaign_data
from bots.prompts import PromptLibrary
from bots.ritual_config import load_ritual_config
from bots.roster import Roster, load_roster
from errors import ConfigError, StartupError
from handlers.agent_apps import attach_agent_apps
from handlers.authorize import bolt_auth
from handlers.campaign_access import CampaignAccess
from handlers.campaign_engine import CampaignsRunning
from handlers.campaign_plan_edits import PlanEdits
from handlers.database_gate import DatabaseGate
from handlers.health import HEALTH_PATH, READY_PATH, Health, WsgiApp, with_health
from handlers.ingress import (
    BOLT_APP_NAME,
    EVENTS_PATH,
    DepartmentApp,
    QuietRequestVerification,
    wsgi_handler,
)
from handlers.install import NOT_INSTALLED_MESSAGE, oauth_flow
from handlers.intake import Intake
from handlers.serving import serve_http, serve_socket_mode
from handlers.standup_actions import RitualControl
from handlers.uninstall import Uninstalls, reinstalled_with_token
from jobs.claude.pricing import load_prices
from jobs.queue import turn_queue
from jobs.runtime import check_models_priced, redis_client, slack_clients, token_source
from jobs.setup.channel_names import department_channel_names
from jobs.slack.clients import TokenSource
from jobs.slack.people import People
from jobs.workspace import WorkspaceApprovers, defaults_of
from models import token_keys
from models.db import make_engine
from settings import Settings, SlackMode, describe_error, settings_and_mode, slack_mode

logger = logging.getLogger("app")
LOOKUP_TIMEOUT_S = 2
# `app.py --mode` / `--check` exit status: no Slack credentials (or --sandbox), the sandbox
# will run. `--mode` only says which mode (for scripts; `make run` runs start.py, which decides).
SANDBOX_MODE = 3


class _QuietTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that our client
    (which carries the same token, with retry handlers) wins; that warning only confuses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(
    settings: Settings, tokens: TokenSource | None = None, *, wait_for_database: bool = False
) -> DepartmentApp:
    """The Bolt app with every listener registered; raises on bad data, schema or Slack
    settings (an HTTP app never verifies with an empty signing secret). `tokens`: where each
    workspace's token comes from (default: SLACK_BOT_TOKEN, one workspace). A database that
    does not answer stops it too, unless `wait_for_database` (serving): then over HTTP the app
    answers 503 until it does, and in Socket Mode `serve` connects only once it does
    (handlers/database_gate.py)."""
    mode = slack_mode(settings)
    if mode is SlackMode.SANDBOX:
        raise ConfigError("No Slack credentials: set SLACK_BOT_TOKEN (see .env.example)")
    approvers, department = load_and_check_data(settings)
    engine = make_engine(settings.database_url, settings.database_statement_timeout_s)
    gate = DatabaseGate(engine)
    if not (wait_for_database and mode is SlackMode.SOCKET):  # Socket Mode waits in `serve`
        gate.open_at_start(wait=wait_for_database)
    intake = Intake(
        engine=engine,
        queue=turn_queue(redis_client(settings), settings.queue_name),
    )
    # Socket Mode requests come over our own WebSocket: there is no signature to check.
    secret = settings.slack_signing_secret if mode is not SlackMode.SOCKET else None
    signing_secret = secret.get_secret_value() if secret is not None else ""
    logging.getLogger("slack_bolt.App").addFilter(_QuietTokenNotice())
    clients = slack_clients(settings, tokens or token_source(settings, engine))
    auth = bolt_auth(clients)
    if mode is SlackMode.OAUTH:  # the install flow and its store (handlers/install.py)
        auth = {
            "client": auth["client"],
            "oauth_flow": oauth_flow(settings, engine, clients, auth["client"]),
            "user_facing_authorize_error_message": NOT_INSTALLED_MESSAGE,
        }
    try:
        app = DepartmentApp(
            **auth,
            name=BOLT_APP_NAME,
            signing_secret=signing_secret,
            request_verification_enabled=False,  # ours instead, in the same place (ingress.py)
            before_authorize=QuietRequestVerification(signing_secret) if secret else None,
            # Persist before answering Slack: if the database write fails Slack gets a 500
            # and retries, instead of a 200 for a request we then lose.
            process_before_response=True,
        )
    except BoltError as error:  # auth.test refused the token
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN: {error}") from error
    except URLError as error:
        raise ConfigError(
            f"Cannot reach the Slack API at {settings.slack_api_url} ({error.reason})"
        ) from error
    # Who is clicking is asked of Slack inside the 3 s a click may take: no Retry-After waits.
    lookup = People(
        functools.partial(clients.best_effort, timeout_s=LOOKUP_TIMEOUT_S),
        intake.queue.connection,
        settings.slack_people_cache_s,
    )
    # who decides, channel names and budgets: the files' and settings' values, over which
    # each workspace's own settings go (jobs/workspace.py)
    workspace_approvers = WorkspaceApprovers(intake.engine, approvers)
    campaigns = CampaignsRunning(
        intake.engine, intake.queue, defaults_of(settings), workspace_approvers, lookup
    )
    rituals = RitualControl(
        intake.engine,
        intake.queue,
        load_ritual_config(settings.rituals_path),
        settings.workspace_time_zone,
    )
    plan_edits = PlanEdits(
        intake.engine,
        intake.queue,
        department.roster,
        department.authority,
        department.plan_limits,
        CampaignAccess(workspace_approvers, lookup),
    )
    channels = department_channel_names(
        department.roster, settings.escalation_channel, settings.campaign_channel
    )
    services = handlers.register(
        app, intake, approvers, lookup, rituals, campaigns, plan_edits, department.roster, channels
    )
    attach_agent_apps(app, settings, department.roster, services, clients, engine)
    Uninstalls(engine, intake.queue, settings.data_retention_days, app.installation_store).register(
        app
    )
    if mode is not SlackMode.OAUTH:
        gate.when_open(functools.partial(reinstalled_with_token, app.client, engine))
    app.database_gate = gate
    return app


@dataclass(frozen=True)
class Department:
    """What the listeners check a person's plan against: the same data the workers use."""

    roster: Roster
    authority: AuthorityMatrix
    plan_limits: PlanLimits


def load_and_check_data(settings: Settings) -> tuple[ApprovalConfig, Department]:
    """Roster, prompts, authority, approvers, campaign data and prices are validated before
    anything listens."""
    roster = load_roster(settings.roster_path)
    PromptLibrary(roster, settings.prompts_dir)
    authority = load_authority()
    approvers = load_approvals(settings.approvals_path)
    check_submitters(authority, roster)
    check_against(approvers, roster, authority.approval_types)
    check_models_priced(settings, load_prices())
    plan_limits = load_campaign_data(roster, authority).advisor.plans
    return approvers, Department(roster, authority, plan_limits)


def serve(app: DepartmentApp, settings: Settings) -> None:
    """Until SIGTERM or SIGINT, then what is in flight is finished (handlers/serving.py).
    Socket Mode connects once the database answers; raises DatabaseNotMigrated if it answers
    with a schema not at head."""
    if settings.slack_app_token is not None:
        gate = app.database_gate  # None: the database answered when the app was built
        ready = functools.partial(gate.wait_until_open, "Socket Mode app") if gate else _no_wait
        serve_socket_mode(app, settings.slack_app_token.get_secret_value(), ready)
        return
    logger.info(
        "Listening on http://0.0.0.0:%d%s (health: %s, %s)",
        settings.port,
        EVENTS_PATH,
        HEALTH_PATH,
        READY_PATH,
    )
    serve_http(web_app(app, settings), settings.port, settings.http_threads)


def _no_wait() -> None:
    """Nothing to wait for before connecting (no database gate)."""


def web_app(app: App, settings: Settings) -> WsgiApp:
    """What HTTP serves: /healthz and /readyz, then Slack's paths (Bolt's adapter)."""
    engine = make_engine(settings.database_url, settings.database_statement_timeout_s)
    health = Health(engine, redis_client(settings), settings.queue_name)
    return with_health(wsgi_handler(app), health)


def run_sandbox(settings: Settings) -> int:
    from sandbox import launcher

    return launcher.start(settings, create_app, announce="--sandbox" not in sys.argv)


def manifest(argv: list[str]) -> int:
    """`python app.py manifest --agent ID | --all --out DIR`: an agent's own app's manifest
    (bots/agent_manifest.py), from the roster the settings name."""
    from bots import agent_manifest

    try:
        roster_path = Settings().roster_path
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    return agent_manifest.command(argv, roster_path)


def main() -> int:
    logs.configure()  # until the settings say how
    if sys.argv[1:2] == ["manifest"]:
        return manifest(sys.argv[2:])
    if sys.argv[1:2] and sys.argv[1] in token_keys.COMMANDS:
        return token_keys.run(sys.argv[1])
    decided = settings_and_mode(sys.argv)
    if isinstance(decided, str):
        print(decided, file=sys.stderr)
        return 2
    settings, mode = decided
    logs.configure_for(settings)
    if sys.argv[1:2] == ["setup"]:  # set up a workspace (jobs/setup/command.py)
        from jobs.setup.command import run_setup_command

        return run_setup_command(settings, sys.argv[2:])
    if "--mode" in sys.argv:
        print(mode)
    if mode is SlackMode.SANDBOX:
        return SANDBOX_MODE if {"--check", "--mode"} & set(sys.argv) else run_sandbox(settings)
    if "--mode" in sys.argv:
        return 0
    checking = "--check" in sys.argv
    try:
        # Serving rides out a database outage (HTTP: 503 until it answers; Socket Mode: no
        # connection until it answers); a check stops with one line: it is a check.
        app = create_app(settings, wait_for_database=not checking)
        if checking:
            print(f"Configuration OK ({mode})")
            return 0
        serve(app, settings)  # Socket Mode: a schema not at head is found here
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
