"""Interactivity in the sandbox: clicks reach the Bolt app as `block_actions`, modals open with
a live trigger_id, submissions come back with `response_action` applied as Slack would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_api import SlackStandIn
from sandbox.slack_methods import SlackMethodError
from sandbox.slack_views import views_open
from sandbox.slack_workspace import Identity
from sandbox.slack_workspace import Workspace as SlackWorkspace
from tests.conftest import BOT_TOKEN, BOT_USER, TEAM
from tests.sandbox.conftest import CARD, FEEDBACK_MODAL, MARIA, SAM, call


def test_click_opens_a_modal_and_a_submission_is_validated_then_accepted(
    page_api: str, slack: SlackStandIn
) -> None:
    card = WebClient(token=BOT_TOKEN, base_url=slack.url).chat_postMessage(
        channel="C0GENERAL", text="Approval needed", blocks=CARD
    )
    click = {
        "action_id": "request-changes",
        "block_id": "decide",
        "type": "button",
        "value": "draft-1",
    }
    assert call(
        page_api,
        "/api/action",
        {"user": MARIA, "channel": "C0GENERAL", "message_ts": card["ts"], "action": click},
    ) == {"ok": True}

    views = call(page_api, f"/api/views?user={MARIA}")
    [modal] = views["modals"]
    assert modal["callback_id"] == "feedback-modal" and modal["private_metadata"] == "draft-1"
    assert call(page_api, f"/api/views?user={SAM}")["modals"] == []  # only the clicker sees it

    short = {"feedback": {"text": {"type": "plain_text_input", "value": "meh"}}}
    answer = call(page_api, "/api/submit", {"user": MARIA, "view_id": modal["id"], "values": short})
    assert answer == {"ok": False, "errors": {"feedback": "Say a little more (10+ characters)."}}
    assert len(call(page_api, f"/api/views?user={MARIA}")["modals"]) == 1  # still open

    good = {
        "feedback": {"text": {"type": "plain_text_input", "value": "Lead with the ROI number."}}
    }
    assert call(
        page_api, "/api/submit", {"user": MARIA, "view_id": modal["id"], "values": good}
    ) == {"ok": True}
    assert call(page_api, f"/api/views?user={MARIA}")["modals"] == []
    texts = [m["text"] for m in slack.messages("C0GENERAL")]
    assert "Changes requested: Lead with the ROI number." in texts


def test_someone_else_cannot_submit_or_click_in_your_modal(
    page_api: str, slack: SlackStandIn
) -> None:
    card = WebClient(token=BOT_TOKEN, base_url=slack.url).chat_postMessage(
        channel="C0GENERAL", text="Approval needed", blocks=CARD
    )
    click = {"action_id": "request-changes", "block_id": "decide", "type": "button"}
    call(
        page_api,
        "/api/action",
        {"user": MARIA, "channel": "C0GENERAL", "message_ts": card["ts"], "action": click},
    )
    [modal] = call(page_api, f"/api/views?user={MARIA}")["modals"]
    assert (
        call(page_api, "/api/submit", {"user": SAM, "view_id": modal["id"], "values": {}})["error"]
        == "view_not_found"
    )
    assert (
        call(page_api, "/api/action", {"user": SAM, "view_id": modal["id"], "action": click})[
            "error"
        ]
        == "view_not_found"
    )
    assert (
        call(page_api, "/api/action", {"user": "U0NOBODY", "action": click})["error"]
        == "user_not_found"
    )
    assert call(page_api, "/api/close", {"user": MARIA, "view_id": modal["id"]}) == {"ok": True}
    assert call(page_api, f"/api/views?user={MARIA}")["modals"] == []


def _refused(client: WebClient, method: str, body: dict[str, Any]) -> str:
    with pytest.raises(SlackApiError) as refused:
        client.api_call(method, json=body)
    return str(refused.value.response["error"])


def test_views_methods_refuse_what_slack_refuses(slack: SlackStandIn) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.url)
    slack.add_user(MARIA, "maria")
    trigger = slack.workspace.views.issue_trigger(MARIA)
    long_title = FEEDBACK_MODAL | {"title": {"type": "plain_text", "text": "x" * 25}}
    assert (
        _refused(client, "views.open", {"trigger_id": trigger, "view": long_title})
        == "invalid_arguments"
    )
    assert (
        _refused(client, "views.open", {"trigger_id": "bogus", "view": FEEDBACK_MODAL})
        == "invalid_trigger_id"
    )
    home = {"type": "home", "blocks": CARD}
    assert client.views_publish(user_id=MARIA, view=home)["ok"] is True
    assert slack.workspace.views.for_user(MARIA)["home"]["blocks"] == CARD
    too_many = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert (
        _refused(client, "views.publish", {"user_id": MARIA, "view": too_many})
        == "invalid_arguments"
    )
    assert (
        _refused(client, "views.publish", {"user_id": "U0GHOST", "view": home}) == "user_not_found"
    )


def test_a_trigger_id_used_after_three_seconds_has_expired() -> None:
    workspace = SlackWorkspace(Identity(BOT_TOKEN, TEAM, BOT_USER, "B0BOT"))
    with freeze_time("2026-11-25 12:00:00") as clock:
        late = workspace.views.issue_trigger(MARIA)
        on_time = workspace.views.issue_trigger(MARIA)
        assert views_open(workspace, {"trigger_id": on_time, "view": FEEDBACK_MODAL})["view"]["id"]
        clock.tick(timedelta(seconds=3.5))
        with pytest.raises(SlackMethodError) as refused:
            views_open(workspace, {"trigger_id": late, "view": FEEDBACK_MODAL})
    assert refused.value.error == "expired_trigger_id"
