"""Slash commands typed in the page: a signed form post to the Bolt app, as Slack sends it, and
the answer shown as Slack shows it (the ack body or the response_url; ephemeral unless
`in_channel`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk import WebClient

from sandbox.signing import SentResponse, SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.slack_commands import deliver_command, split_command
from sandbox.slack_responses import RESPONSE_URL_USES
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, serve_app
from tests.sandbox.conftest import MARIA, SAM, call, demo_app


def _command(page_api: str, text: str, user: str = MARIA, channel: str = "C0GENERAL") -> Any:
    return call(page_api, "/api/command", {"user": user, "channel": channel, "text": text})


def _ephemeral_texts(page_api: str, user: str) -> list[str]:
    shown = call(page_api, f"/api/ephemerals?channel=C0GENERAL&user={user}")["messages"]
    return [e["text"] for e in shown]


def test_the_ack_body_is_shown_to_the_person_alone_and_the_command_is_not_posted(
    page_api: str, slack: SlackStandIn
) -> None:
    # The page sends the wire form Slack clients send (&, <, > escaped); it arrives unchanged.
    assert _command(page_api, "/echo hello &amp; &lt;you&gt;") == {"ok": True}

    assert _ephemeral_texts(page_api, MARIA) == ["Only you see: hello &amp; &lt;you&gt;"]
    assert _ephemeral_texts(page_api, SAM) == []
    assert slack.messages("C0GENERAL") == []  # Slack never posts the command itself


def test_the_request_is_a_signed_form_with_slacks_fields(slack: SlackStandIn) -> None:
    """The fields as sent; the Bolt app's signature check passing shows in its answer."""
    sent: list[dict[str, str]] = []

    class Recording(SlackRequestSender):
        def _send(self, body: bytes, content_type: str, *args: Any, **kwargs: Any) -> SentResponse:
            sent.append({"content_type": content_type, **dict(parse_qsl(body.decode()))})
            return super()._send(body, content_type, *args, **kwargs)

    slack.add_user(MARIA, "maria")
    server, url = serve_app(demo_app(WebClient(token=BOT_TOKEN, base_url=slack.url)))
    try:
        sender = Recording(url, SIGNING_SECRET, team_id=TEAM)
        answer = deliver_command(
            slack, sender, user=MARIA, channel="C0GENERAL", command="/echo", text="hi"
        )
    finally:
        server.close()
    assert answer == {"ok": True}
    [form] = sent
    assert form["content_type"] == "application/x-www-form-urlencoded"
    assert {k: form[k] for k in ("team_id", "channel_id", "user_id", "command", "text")} == {
        "team_id": TEAM,
        "channel_id": "C0GENERAL",
        "user_id": MARIA,
        "command": "/echo",
        "text": "hi",
    }
    assert form["response_url"].startswith(slack.url.removesuffix("/api/") + "/response/")
    assert form["trigger_id"] in slack.workspace.views.triggers
    assert _ephemeral_texts_of(slack, MARIA) == ["Only you see: hi"]  # the signature was good


def _ephemeral_texts_of(slack: SlackStandIn, user: str) -> list[str]:
    return [e["text"] for e in slack.ephemerals("C0GENERAL") if e["user"] == user]


def test_an_in_channel_answer_is_posted_for_everyone(page_api: str, slack: SlackStandIn) -> None:
    assert _command(page_api, "/echo public launch day") == {"ok": True}

    [posted] = slack.messages("C0GENERAL")
    assert posted["text"] == "Everyone sees: launch day" and posted["bot_id"]
    assert _ephemeral_texts(page_api, MARIA) == []


def test_an_answer_on_the_response_url_is_shown_to_the_person_alone(page_api: str) -> None:
    assert _command(page_api, "/echo later done") == {"ok": True}

    assert _ephemeral_texts(page_api, MARIA) == ["Later, for you: done"]
    assert _ephemeral_texts(page_api, SAM) == []


def test_the_trigger_id_opens_a_modal(page_api: str) -> None:
    assert _command(page_api, "/echo form") == {"ok": True}

    [modal] = call(page_api, f"/api/views?user={MARIA}")["modals"]
    assert modal["callback_id"] == "feedback-modal"


def test_a_response_url_answers_five_times_then_404(slack: SlackStandIn) -> None:
    slack.add_user(MARIA, "maria")
    url = slack.response_url("C0GENERAL", MARIA)
    body = json.dumps({"text": "again", "response_type": "ephemeral"}).encode()

    def post() -> int:
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert [post() for _ in range(RESPONSE_URL_USES + 1)] == [200] * RESPONSE_URL_USES + [404]
    assert _ephemeral_texts_of(slack, MARIA) == ["again"] * RESPONSE_URL_USES


def test_unknown_commands_and_others_dms_never_reach_the_app(
    page_api: str, slack: SlackStandIn
) -> None:
    assert _command(page_api, "/nope hi") == {"ok": False, "error": "/nope is not a valid command"}
    assert _command(page_api, "no slash") == {"ok": False, "error": "not_a_command"}
    assert _command(page_api, "/echo hi", user="U0NOBODY")["error"] == "user_not_found"
    assert slack.ephemerals("C0GENERAL") == []


def test_split_command() -> None:
    assert split_command("/Campaign  launch it\nnow ") == ("/campaign", "launch it\nnow")
    assert split_command("/campaign") == ("/campaign", "")
    assert split_command("campaign x") is None
    assert split_command("/ x") is None
