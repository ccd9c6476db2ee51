"""Signed Slack requests: checked with slack_sdk's own verifier and sent over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from sandbox.signing import (
    SlackRequestSender,
    app_mention_event,
    channel_message_event,
    im_message_event,
    sign,
)

SECRET = "sandbox-signing-secret"
verifier = SignatureVerifier(SECRET)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int

    def is_signed_by_slack(self) -> bool:
        return verifier.is_valid_request(self.body, self.headers)


@dataclass
class Recorder:
    """A tiny keep-alive app endpoint that records what reached it."""

    url: str
    received: list[Received] = field(default_factory=list)
    drop_idle_connections: bool = False


class _RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recorder: ClassVar[Recorder]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.recorder.received.append(Received(self.path, headers, body, self.client_address[1]))
        answer = b""
        if b'"url_verification"' in body:
            answer = json.dumps({"challenge": json.loads(body)["challenge"]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        # Close without a `Connection: close` header, as an app timing out idle sockets does.
        self.close_connection = self.recorder.drop_idle_connections

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recording = Recorder(url="")

    class Handler(_RecordingHandler):
        recorder = recording

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recording.url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield recording
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def sender(recorder: Recorder) -> Iterator[SlackRequestSender]:
    with SlackRequestSender(recorder.url, SECRET) as opened:
        yield opened


def test_signature_is_accepted_by_slack_sdk_and_breaks_on_tampering() -> None:
    body = b'{"type":"event_callback"}'
    now = int(time.time())

    signature = sign(SECRET, now, body)

    assert signature.startswith("v0=")
    assert verifier.is_valid(body, str(now), signature)
    assert not verifier.is_valid(body + b" ", str(now), signature)
    assert not SignatureVerifier("another-secret").is_valid(body, str(now), signature)


def test_an_event_arrives_in_slacks_envelope_with_retry_headers(
    sender: SlackRequestSender, recorder: Recorder
) -> None:
    mention = app_mention_event(user="U0ALICE", channel="C0GENERAL", text="<@U0BOT> hi", ts="1.2")

    answer = sender.send_event(mention, retry_num=2, retry_reason="http_error")

    (request,) = recorder.received
    envelope = json.loads(request.body)
    assert answer.status == 200 and answer.elapsed_s > 0
    assert request.path == "/slack/events"
    assert request.is_signed_by_slack()
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("Slackbot 1.0")
    assert (request.headers["x-slack-retry-num"], request.headers["x-slack-retry-reason"]) == (
        "2",
        "http_error",
    )
    assert envelope["type"] == "event_callback"
    assert envelope["event"] == mention
    assert envelope["event_id"].startswith("Ev")
    assert (envelope["team_id"], envelope["api_app_id"]) == ("T0TEST", "A0TEST")
    assert (
        envelope["authorizations"][0] | {"user_id": "U0BOT", "is_bot": True}
        == (envelope["authorizations"][0])
    )
    assert envelope["event_context"].startswith("4-")


def test_first_deliveries_carry_no_retry_headers_and_keep_a_given_event_id(
    sender: SlackRequestSender, recorder: Recorder
) -> None:
    event = im_message_event(user="U0ALICE", channel="D0ALICE", text="hello", ts="1.3")

    sender.send_event(event, event_id="Ev0SAME", event_time=1_700_000_000)

    (request,) = recorder.received
    assert "x-slack-retry-num" not in request.headers
    assert json.loads(request.body)["event_id"] == "Ev0SAME"
    assert json.loads(request.body)["event_time"] == 1_700_000_000


def test_overridden_timestamp_or_signature_fail_verification(
    sender: SlackRequestSender, recorder: Recorder
) -> None:
    event = channel_message_event(user="U0ALICE", channel="C0GENERAL", text="x", ts="1.4")

    sender.send_event(event, timestamp=int(time.time()) - 600)  # replayed: too old
    sender.send_event(event, signature="v0=" + "0" * 64)

    stale, forged = recorder.received
    assert stale.headers["x-slack-signature"] == sign(
        SECRET, int(stale.headers["x-slack-request-timestamp"]), stale.body
    )
    assert not stale.is_signed_by_slack()
    assert not forged.is_signed_by_slack()


def test_url_verification_gets_the_challenge_back(sender: SlackRequestSender) -> None:
    answer = sender.send_url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_slash_commands_are_signed_forms(sender: SlackRequestSender, recorder: Recorder) -> None:
    sender.send_command("/brief", "spring launch", user_id="U0ALICE", channel_id="C0GENERAL")

    (request,) = recorder.received
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.is_signed_by_slack()
    assert (form["command"], form["text"], form["user_id"]) == (
        "/brief",
        "spring launch",
        "U0ALICE",
    )
    assert (form["channel_id"], form["channel_name"], form["team_id"]) == (
        "C0GENERAL",
        "general",
        "T0TEST",
    )
    assert form["response_url"].startswith("https://hooks.sandbox.slack.local/commands/T0TEST/")
    assert len(form["trigger_id"].split(".")) == 3


def test_interactions_carry_the_payload_as_a_json_form_field(
    sender: SlackRequestSender, recorder: Recorder
) -> None:
    click = {"type": "block_actions", "actions": [{"action_id": "approve-draft", "value": "7"}]}

    sender.send_interaction(click)

    (request,) = recorder.received
    assert request.is_signed_by_slack()
    assert json.loads(parse_qs(request.body.decode())["payload"][0]) == click


def test_raw_bodies_can_go_unsigned_with_extra_headers(
    sender: SlackRequestSender, recorder: Recorder
) -> None:
    sender.raw(b"not json", "application/json", extra_headers={"X-Test": "1"}, sign=False)
    sender.raw(b"{}", "application/json")

    unsigned, signed = recorder.received
    assert "x-slack-signature" not in unsigned.headers
    assert unsigned.headers["x-test"] == "1"
    assert signed.is_signed_by_slack()


def test_each_thread_reuses_one_keep_alive_connection(
    sender: SlackRequestSender, recorder: Recorder
) -> None:
    def send_three() -> None:
        for _ in range(3):
            sender.raw(b"{}", "application/json")

    threads = [threading.Thread(target=send_three) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(recorder.received) == 12
    assert sender.connections_opened == 4
    assert len({r.client_port for r in recorder.received}) == 4


def test_a_connection_the_app_dropped_is_reopened_once(
    sender: SlackRequestSender, recorder: Recorder
) -> None:
    recorder.drop_idle_connections = True

    first = sender.raw(b"{}", "application/json")
    second = sender.raw(b"{}", "application/json")

    assert (first.status, second.status) == (200, 200)
    assert sender.stale_retries == 1
    assert len(recorder.received) == 2


def test_without_stale_retries_a_dropped_connection_is_reported(recorder: Recorder) -> None:
    recorder.drop_idle_connections = True
    with SlackRequestSender(recorder.url, SECRET, retry_stale_connection=False) as strict:
        strict.raw(b"{}", "application/json")

        with pytest.raises(ConnectionError):
            strict.raw(b"{}", "application/json")
        third = strict.raw(b"{}", "application/json")  # and the next call starts afresh

    assert third.status == 200
    assert len(recorder.received) == 2


def test_person_events_look_like_slacks() -> None:
    mention = app_mention_event(
        user="U0ALICE", channel="C0GENERAL", text="<@U0BOT> draft it", ts="5.6", thread_ts="5.0"
    )
    dm = im_message_event(user="U0ALICE", channel="D0ALICE", text="hi", ts="7.8")

    section = mention["blocks"][0]["elements"][0]["elements"]
    assert section == [{"type": "user", "user_id": "U0BOT"}, {"type": "text", "text": " draft it"}]
    assert (mention["type"], mention["event_ts"], mention["thread_ts"]) == (
        "app_mention",
        "5.6",
        "5.0",
    )
    assert mention["client_msg_id"] != dm["client_msg_id"]
    assert (dm["type"], dm["channel_type"], dm["team"]) == ("message", "im", "T0TEST")
    assert "thread_ts" not in dm
