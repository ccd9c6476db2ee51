"""Bad requests at the HTTP door: a 4xx and one log line, never a 500 or a logged body."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from redis import Redis

import app as app_module
from errors import ConfigError
from handlers.ingress import LOGGED_BODY_CHARS
from jobs.runtime import Runtime
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import app_mention_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_USER, CHANNEL_GENERAL, HUMAN, ServedApp, make_settings

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
SECRETISH = "xoxp-9f8e7d6c5b4a-very-private-token"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", "event": ', JSON),  # cut short
        (b"{not json at all}", JSON),
        (b"[1, 2, 3]", JSON),  # JSON, but not an object
        (b"null", JSON),
        (b'{"authorizations": 5}', JSON),  # an object Bolt cannot read
        (b"\xff\xfe{}", JSON),  # not UTF-8
        (urlencode({"payload": "{broken"}).encode(), FORM),  # interactivity
        (urlencode({"payload": '"just a string"'}).encode(), FORM),
    ],
    ids=[
        "truncated",
        "garbage",
        "array",
        "null",
        "odd-object",
        "not-utf8",
        "payload-not-json",
        "payload-not-object",
    ],
)
def test_a_signed_body_that_is_not_a_json_object_gets_400_and_one_log_line(
    bolt: ServedApp, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    response = bolt.sender.raw(body, content_type)
    assert response.status == 400
    assert response.json() == {"error": "invalid request body"}
    refusals = [r for r in caplog.records if "not a JSON object" in r.getMessage()]
    assert len(refusals) == 1
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_well_formed_requests_still_pass_the_door(bolt: ServedApp) -> None:
    """The 400s above are about the body, not the form encoding: a slash command (a form body
    without `payload=`) and a mention still get their 200."""
    command = bolt.sender.send_command("/campaign", "", user_id=HUMAN, channel_id=CHANNEL_GENERAL)
    assert command.status == 200
    mention = app_mention_event(
        user=HUMAN, channel=CHANNEL_GENERAL, text=f"<@{BOT_USER}> hello", ts="1700000000.000100"
    )
    assert bolt.sender.send_event(mention).status == 200


def test_a_bad_signature_logs_the_timestamp_and_first_bytes_only(
    bolt: ServedApp, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Bolt copies the root level into its loggers when the app is built (INFO in production)
    caplog.set_level(logging.DEBUG, logger="slack_bolt.RequestVerification")
    body = json.dumps({"token": SECRETISH, "type": "event_callback", "note": SECRETISH}).encode()
    now = str(int(time.time()))
    forged = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "0" * 64}
    response = bolt.sender.raw(body, JSON, extra_headers=forged)
    assert response.status == 401
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "private-token" not in logged and "event_callback" not in logged
    [refusal] = [r.getMessage() for r in caplog.records if "bad Slack signature" in r.getMessage()]
    assert f"timestamp {now}," in refusal
    assert repr(body.decode()[:LOGGED_BODY_CHARS]) in refusal


def test_an_http_app_never_verifies_with_an_empty_signing_secret(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: Redis
) -> None:
    """Bolt would fall back to SLACK_SIGNING_SECRET from the environment, then to "", and
    accept any request signed with the empty key: building such an app is a start-up error."""
    for empty in ("", "  "):
        settings = make_settings(slack, claude, database_url, slack_signing_secret=empty)
        with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is empty"):
            app_module.create_app(settings)
