"""Wiring only: Settings → Bolt app → listeners → HTTP (waitress) or Socket Mode.

`python app.py` runs the Slack-facing app. Workers run separately (`python -m jobs.worker`).
"""

from __future__ import annotations

import logging
import sys
from urllib.error import URLError

from pydantic import ValidationError
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError

import handlers
from bots.approvers import ApprovalConfig, check_against, load_approvals
from bots.authority import load_authority
from bots.prompts import PromptLibrary
from bots.roster import load_roster
from errors import ConfigError, StartupError
from handlers.intake import Intake
from jobs.pricing import load_prices
from jobs.queue import turn_queue
from jobs.runtime import (
    check_models_priced,
    redis_client,
    slack_best_effort_client,
    slack_client,
)
from models.db import assert_migrated, make_engine
from settings import Settings, describe_error, missing_slack_settings

logger = logging.getLogger("app")
EVENTS_PATH = "/slack/events"
LOOKUP_TIMEOUT_S = 2
SANDBOX_MODE = 3  # `app.py --check` exit status: no Slack credentials, the sandbox will run


class _QuietTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that our client
    (which carries the same token, with retry handlers) wins; that warning only confuses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(settings: Settings) -> App:
    """The Bolt app with every listener registered; raises on bad data or schema."""
    approvers = load_and_check_data(settings)
    engine = make_engine(settings.database_url)
    assert_migrated(engine)
    intake = Intake(
        engine=engine,
        queue=turn_queue(redis_client(settings), settings.queue_name),
    )
    secret = settings.slack_signing_secret
    logging.getLogger("slack_bolt.App").addFilter(_QuietTokenNotice())
    try:
        app = App(
            client=slack_client(settings),
            signing_secret=secret.get_secret_value() if secret else None,
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
    lookup = slack_best_effort_client(settings, timeout_s=LOOKUP_TIMEOUT_S)
    handlers.register(app, intake, approvers, lookup)
    return app


def load_and_check_data(settings: Settings) -> ApprovalConfig:
    """Roster, prompts, authority, approvers and prices are validated before anything listens."""
    roster = load_roster(settings.roster_path)
    PromptLibrary(roster)
    authority = load_authority()
    approvers = load_approvals(settings.approvals_path)
    check_against(approvers, roster, set(authority.autonomy))
    check_models_priced(settings, load_prices())
    return approvers


def serve(app: App, settings: Settings) -> None:
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("Connecting to Slack in Socket Mode")
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
        return
    import waitress

    logger.info("Listening on http://0.0.0.0:%d%s", settings.port, EVENTS_PATH)
    waitress.serve(
        SlackRequestHandler(app, path=EVENTS_PATH),
        host="0.0.0.0",
        port=settings.port,
        threads=settings.http_threads,
        ident="marketing-dept",
    )


def run_sandbox(settings: Settings) -> int:
    from sandbox import launcher

    try:
        return launcher.run(settings)
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = Settings()
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    missing = missing_slack_settings(settings)
    if missing and "--check" in sys.argv:
        return SANDBOX_MODE
    if missing:
        print(
            "No Slack credentials: to connect a workspace set "
            + " and ".join(missing)
            + " (from your Slack app's OAuth & Permissions and Basic Information pages; "
            "create the app from manifest.yml), in the environment or in .env. "
            "See .env.example for every setting.",
            file=sys.stderr,
        )
        print("Starting the local sandbox instead.", file=sys.stderr)
        return run_sandbox(settings)
    try:
        app = create_app(settings)
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    if "--check" in sys.argv:
        print("Configuration OK")
        return 0
    serve(app, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
