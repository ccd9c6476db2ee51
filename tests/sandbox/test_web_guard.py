"""The sandbox page's server answers its own page only: another origin, a DNS-rebinding name
or a plain form cannot make it send messages (and, with a real key, spend money)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient

from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_TOKEN
from tests.sandbox.conftest import CARD, MARIA, call

JSON = "application/json"
CLICK = {"action_id": "request-changes", "block_id": "decide", "type": "button", "value": "d-1"}


def _request(
    base: str,
    method: str,
    path: str,
    *,
    host: str | None = None,
    origin: str | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
) -> tuple[int, str, bytes]:
    """One real HTTP request with exactly the headers a browser (or an attacker's page) sends."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host or parts.netloc)
        if origin is not None:
            connection.putheader("Origin", origin)
        if content_type is not None:
            connection.putheader("Content-Type", content_type)
        connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body)
        response = connection.getresponse()
        read = (
            response.read()
            if "event-stream" not in (response.getheader("Content-Type") or "")
            else b""
        )
        return response.status, response.getheader("Content-Type") or "", read
    finally:
        connection.close()


def _send_body(text: str = "hello from elsewhere") -> bytes:
    return json.dumps({"user": MARIA, "channel": "C0GENERAL", "text": text}).encode()


def _error(answer: tuple[int, str, bytes]) -> tuple[int, Any]:
    return answer[0], json.loads(answer[2])["error"]


def test_the_page_its_files_its_stream_and_its_clicks_still_work(
    page_api: str, slack: SlackStandIn
) -> None:
    own = urlsplit(page_api).netloc
    for host in (own, own.replace("127.0.0.1", "localhost")):
        status, kind, page = _request(page_api, "GET", "/", host=host)
        assert (status, kind.split(";")[0]) == (200, "text/html") and b"<script" in page
        assert _request(page_api, "GET", "/app.js", host=host)[0] == 200
        stream = _request(page_api, "GET", "/api/stream", host=host, origin=f"http://{host}")
        assert stream[:2] == (200, "text/event-stream")
    card = WebClient(token=BOT_TOKEN, base_url=slack.url).chat_postMessage(
        channel="C0GENERAL", text="Approval needed", blocks=CARD
    )
    click = {"user": MARIA, "channel": "C0GENERAL", "message_ts": card["ts"], "action": CLICK}
    status, _, answer = _request(
        page_api,
        "POST",
        "/api/action",
        origin=f"http://{own}",
        body=json.dumps(click).encode(),
        content_type="application/json; charset=utf-8",
    )
    assert (status, json.loads(answer)) == (200, {"ok": True})
    assert len(call(page_api, f"/api/views?user={MARIA}")["modals"]) == 1


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1"]
)
def test_a_post_from_another_origin_is_refused_and_sends_nothing(
    page_api: str, slack: SlackStandIn, origin: str
) -> None:
    answer = _request(
        page_api, "POST", "/api/send", origin=origin, body=_send_body(), content_type=JSON
    )
    assert _error(answer) == (403, "origin_not_allowed")
    assert slack.messages("C0GENERAL") == []


def test_a_dns_rebinding_name_is_refused_for_reads_and_writes(
    page_api: str, slack: SlackStandIn
) -> None:
    port = urlsplit(page_api).port
    rebound = f"rebind.evil.example:{port}"
    slack.add_message("C0GENERAL", user=MARIA, text="private plans")
    read = _request(page_api, "GET", "/api/messages?channel=C0GENERAL", host=rebound)
    assert _error(read) == (421, "host_not_allowed")
    assert b"private plans" not in read[2]
    assert _error(_request(page_api, "GET", "/api/stream", host=rebound))[0] == 421
    write = _request(
        page_api,
        "POST",
        "/api/send",
        host=rebound,
        origin=f"http://{rebound}",
        body=_send_body(),
        content_type=JSON,
    )
    assert _error(write) == (421, "host_not_allowed")
    assert [m["text"] for m in slack.messages("C0GENERAL")] == ["private plans"]


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data", None]
)
def test_a_post_that_is_not_json_is_refused_and_sends_nothing(
    page_api: str, slack: SlackStandIn, content_type: str | None
) -> None:
    """What an HTML form on any site can send without asking: refused even with no Origin."""
    answer = _request(page_api, "POST", "/api/send", body=_send_body(), content_type=content_type)
    assert _error(answer) == (415, "json_only")
    assert slack.messages("C0GENERAL") == []
