"""A page that goes away closes its person's modals (`POST /api/close_all`), as Slack closes
the views of a client that leaves: the app hears `view_closed` (stack cleared) for a view that
asked to be told, and nothing of anyone else's changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient

from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.web_server import Person, SandboxChannel, Workspace, serve
from tests.conftest import BOT_TOKEN, BOT_USER, SIGNING_SECRET, TEAM, serve_app, wait_until
from tests.sandbox.conftest import CARD, FEEDBACK_MODAL, MARIA, SAM, call

CLICK = {"action_id": "request-changes", "block_id": "decide", "type": "button", "value": "d1"}


@pytest.fixture()
def closed() -> list[dict[str, Any]]:
    return []


@pytest.fixture()
def page(slack: SlackStandIn, closed: list[dict[str, Any]]) -> Iterator[str]:
    """The page's API before a Bolt app whose modal asks to hear when it closes."""
    client = WebClient(token=BOT_TOKEN, base_url=slack.url)
    app = App(
        client=client, name="sandbox", signing_secret=SIGNING_SECRET, process_before_response=True
    )

    @app.action("request-changes")
    def open_modal(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"], view=FEEDBACK_MODAL | {"notify_on_close": True}
        )

    @app.view_closed("feedback-modal")
    def heard_closed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        closed.append(body)

    server, url = serve_app(app)
    for person in (MARIA, SAM):
        slack.add_user(person, person.lower())
    workspace = Workspace(
        TEAM,
        "Sandbox Co",
        BOT_USER,
        [Person(MARIA, "maria", "Maria"), Person(SAM, "sam", "Sam")],
        [SandboxChannel("C0GENERAL", "general")],
        [],
        True,
        SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM, bot_user_id=BOT_USER),
        slack,
    )
    web = serve(workspace, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{web.server_address[1]}"
    web.shutdown()
    server.close()


def _open_modal(page: str, slack: SlackStandIn, user: str) -> None:
    card = WebClient(token=BOT_TOKEN, base_url=slack.url).chat_postMessage(
        channel="C0GENERAL", text="Approval needed", blocks=CARD
    )
    body = {"user": user, "channel": "C0GENERAL", "message_ts": card["ts"], "action": CLICK}
    assert call(page, "/api/action", body) == {"ok": True}
    assert wait_until(lambda: len(call(page, f"/api/views?user={user}")["modals"]) == 1)


def test_a_page_that_goes_away_closes_its_persons_modals(
    page: str, slack: SlackStandIn, closed: list[dict[str, Any]]
) -> None:
    _open_modal(page, slack, MARIA)
    _open_modal(page, slack, SAM)

    assert call(page, "/api/close_all", {"user": MARIA}) == {"ok": True, "closed": 1}

    assert call(page, f"/api/views?user={MARIA}")["modals"] == []
    assert len(call(page, f"/api/views?user={SAM}")["modals"]) == 1  # Sam's page is still there
    [heard] = closed
    assert heard["user"]["id"] == MARIA and heard["is_cleared"] is True
    assert heard["view"]["callback_id"] == "feedback-modal"


def test_closing_again_or_for_nobody_changes_nothing(
    page: str, slack: SlackStandIn, closed: list[dict[str, Any]]
) -> None:
    _open_modal(page, slack, MARIA)
    call(page, "/api/close_all", {"user": MARIA})

    assert call(page, "/api/close_all", {"user": MARIA}) == {"ok": True, "closed": 0}
    assert call(page, "/api/close_all", {"user": "U0NOBODY"}) == {
        "ok": False,
        "error": "user_not_found",
    }
    assert len(closed) == 1
