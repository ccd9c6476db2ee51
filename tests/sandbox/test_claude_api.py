"""The scripted Claude, driven through the real `anthropic` client over real HTTP."""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import anthropic
import pytest
from anthropic.types import Message, MessageParam

from bots.prompts import AGENT_ID_PREFIX
from sandbox.claude_api import (
    HOLD_LAST_S,
    ErrorReply,
    MidStreamError,
    ScriptedClaude,
    TextReply,
    ToolUseReply,
)

MODEL = "claude-sonnet-5"
QUESTION = "Draft a tagline for the spring sale"
USER: list[MessageParam] = [{"role": "user", "content": QUESTION}]
BRAND_BOOK = "Acme speaks plainly, warmly and briefly. " * 120  # 4,920 chars: 1,230 tokens


def tokens(chars: int) -> int:
    """The stand-in's documented estimate: ceil(chars / 4)."""
    return math.ceil(chars / 4)


@pytest.fixture
def stub() -> Iterator[ScriptedClaude]:
    with ScriptedClaude() as running:
        yield running


@pytest.fixture
def client(stub: ScriptedClaude) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(
        base_url=stub.base_url, api_key="test", max_retries=0, timeout=5.0
    ) as sdk:
        yield sdk


def ask(client: anthropic.Anthropic, **overrides: Any) -> Message:
    params: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "messages": USER, **overrides}
    message: Message = client.messages.create(**params)
    return message


def cached_system(text: str = BRAND_BOOK) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]


# --- answers ----------------------------------------------------------------------------------


def test_json_create_returns_a_full_message(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    reply = TextReply("Spring into savings.")
    stub.enqueue(reply)

    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=256, messages=USER)
    message = raw.parse()

    assert message.id.startswith("msg_") and message.type == "message"
    assert (message.role, message.model) == ("assistant", MODEL)
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == "Spring into savings."  # type: ignore[union-attr]
    assert (message.stop_reason, message.stop_sequence) == ("end_turn", None)
    assert message.usage.input_tokens == tokens(len(QUESTION))
    assert message.usage.output_tokens == tokens(len("Spring into savings."))
    assert message.usage.cache_creation_input_tokens == 0
    assert message.usage.cache_read_input_tokens == 0
    (seen,) = stub.requests
    assert raw.headers["request-id"] == seen.request_id and seen.request_id.startswith("req_")
    assert (seen.reply, seen.status, seen.body["messages"]) == (reply, 200, USER)
    assert "anthropic-version" in seen.headers


def test_stream_delivers_text_in_deltas_as_they_are_produced(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    text = "Fresh deals bloom this spring!!!"  # 32 chars: four 8-char deltas
    # The last piece is held until the client has the first, so a client that saw nothing
    # before the end would wait out the hold (timing the arrivals' spread instead failed on a
    # loaded machine, whose client read them all late).
    last = threading.Event()
    stub.enqueue(TextReply(text, chunk_chars=8, hold_last=last))
    pieces: list[str] = []
    started = time.monotonic()
    first_after = HOLD_LAST_S

    with client.messages.stream(model=MODEL, max_tokens=256, messages=USER) as stream:
        for piece in stream.text_stream:
            if not pieces:
                first_after = time.monotonic() - started
                last.set()
            pieces.append(piece)
        final = stream.get_final_message()

    assert first_after < HOLD_LAST_S
    assert pieces == [text[i : i + 8] for i in range(0, 32, 8)]
    assert final.content[0].text == text  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn"
    assert final.usage.input_tokens == tokens(len(QUESTION))
    assert final.usage.output_tokens == tokens(len(text))
    assert (final.usage.cache_creation_input_tokens, final.usage.cache_read_input_tokens) == (0, 0)


def test_a_stub_wide_stream_delay_sets_every_text_replys_pace() -> None:
    """The sandbox's SANDBOX_STREAM_DELAY_S: a reply scripted at a demo's pace streams at the
    stub's pace instead (here slower, so the lower bound shows it was applied)."""
    text = "Fresh deals bloom this spring!!!"  # four 8-char deltas: three gaps
    with (
        ScriptedClaude(stream_delay_s=0.2) as paced,
        anthropic.Anthropic(base_url=paced.base_url, api_key="test", max_retries=0) as sdk,
    ):
        paced.enqueue(TextReply(text, chunk_chars=8, delay_per_chunk_s=0.0))
        arrivals: list[float] = []
        with sdk.messages.stream(model=MODEL, max_tokens=256, messages=USER) as stream:
            arrivals.extend(time.monotonic() for _ in stream.text_stream)

    assert len(arrivals) == 4
    assert arrivals[-1] - arrivals[0] >= 0.5  # 0.6 s of pauses, less the client's pick-up


def test_stream_has_the_real_event_sequence_on_the_wire(stub: ScriptedClaude) -> None:
    stub.enqueue(TextReply("Twelve chars", chunk_chars=6))
    url = urlsplit(stub.base_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    body = {"model": MODEL, "max_tokens": 64, "messages": USER, "stream": True}
    headers = {"x-api-key": "test", "anthropic-version": "2023-06-01"}
    connection.request("POST", "/v1/messages", json.dumps(body), headers)
    response = connection.getresponse()
    frames = response.read().decode().strip().split("\n\n")
    connection.close()

    assert response.getheader("content-type", "").startswith("text/event-stream")
    events = [
        (f.split("\n")[0], json.loads(f.split("\n")[1].removeprefix("data: "))) for f in frames
    ]
    assert [name for name, _ in events] == [
        "event: message_start",
        "event: content_block_start",
        "event: ping",
        "event: content_block_delta",
        "event: content_block_delta",
        "event: content_block_stop",
        "event: message_delta",
        "event: message_stop",
    ]
    assert all(name == f"event: {data['type']}" for name, data in events)
    start = events[0][1]["message"]
    assert (start["content"], start["stop_reason"], start["usage"]["output_tokens"]) == (
        [],
        None,
        1,
    )
    assert {"cache_creation_input_tokens", "cache_read_input_tokens"} <= start["usage"].keys()
    assert events[6][1]["delta"]["stop_reason"] == "end_turn"
    assert events[6][1]["usage"] == {"output_tokens": tokens(len("Twelve chars"))}


def test_tool_use_streams_partial_json_and_parses_the_input(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    arguments = {"channel": "#marketing", "text": "Spring sale starts Monday", "tags": [1, 2]}
    stub.enqueue(ToolUseReply("post_to_slack", arguments, text_before="Posting it now."))

    with client.messages.stream(model=MODEL, max_tokens=256, messages=USER) as stream:
        json_pieces = [event.partial_json for event in stream if event.type == "input_json"]
        final = stream.get_final_message()

    assert len([piece for piece in json_pieces if piece]) > 1
    assert "".join(json_pieces) == json.dumps(arguments)
    text, tool_use = final.content
    assert text.type == "text" and text.text == "Posting it now."
    assert tool_use.type == "tool_use" and tool_use.id.startswith("toolu_")
    assert (tool_use.name, tool_use.input) == ("post_to_slack", arguments)
    assert final.stop_reason == "tool_use"


def test_tool_use_in_json_mode_keeps_a_given_id(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    stub.enqueue(ToolUseReply("lookup_brief", {"id": 7}, tool_use_id="toolu_fixed"))

    message = ask(client)

    assert [block.type for block in message.content] == ["tool_use"]
    assert message.content[0].id == "toolu_fixed"  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"


def test_default_responder_answers_in_the_role_deterministically(
    client: anthropic.Anthropic,
) -> None:
    system = f"Write copy for Acme.\nBe brief.\n\n{AGENT_ID_PREFIX}copywriter"  # any wording
    designer_system = f"Draw things.\n\n{AGENT_ID_PREFIX}designer"

    first = ask(client, system=system).content[0].text  # type: ignore[union-attr]
    again = ask(client, system=system).content[0].text  # type: ignore[union-attr]
    designer = ask(client, system=designer_system).content[0].text  # type: ignore[union-attr]
    anyone = ask(client, system="You are the Copywriter.").content[0].text  # type: ignore[union-attr]

    assert first == again
    assert first.startswith("Copywriter here.") and QUESTION in first
    assert designer.startswith("Designer here.") and designer != first
    assert anyone.startswith('On "')  # no agent id: no role is guessed from the wording


# --- errors -----------------------------------------------------------------------------------


def test_overloaded_then_answer_is_retried_by_the_sdk(stub: ScriptedClaude) -> None:
    stub.enqueue(ErrorReply(retry_after_s=0.01), TextReply("Back online."))
    with anthropic.Anthropic(base_url=stub.base_url, api_key="test", max_retries=2) as sdk:
        message = ask(sdk)

    assert message.content[0].text == "Back online."  # type: ignore[union-attr]
    assert [r.status for r in stub.requests] == [529, 200]
    assert [r.headers["x-stainless-retry-count"] for r in stub.requests] == ["0", "1"]


def test_overloaded_until_retries_run_out_raises_overloaded_error(stub: ScriptedClaude) -> None:
    stub.enqueue(*[ErrorReply(retry_after_s=0.01)] * 3)
    with (
        anthropic.Anthropic(base_url=stub.base_url, api_key="test", max_retries=2) as sdk,
        pytest.raises(anthropic.APIStatusError) as raised,
    ):
        ask(sdk)

    assert type(raised.value) is anthropic.OverloadedError
    assert raised.value.status_code == 529
    assert raised.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": stub.requests[-1].request_id,
    }
    assert raised.value.request_id == stub.requests[-1].request_id
    assert len(stub.requests) == 3


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
    ],
)
def test_error_reply_type_follows_its_status(
    stub: ScriptedClaude,
    client: anthropic.Anthropic,
    status: int,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    stub.enqueue(ErrorReply(status=status, retry_after_s=0.25))

    with pytest.raises(error_class) as raised:
        ask(client)

    assert raised.value.status_code == status and raised.value.type == error_type
    assert raised.value.response.headers["retry-after"] == "1"  # whole seconds, rounded up
    assert raised.value.response.headers["retry-after-ms"] == "250"


def test_mid_stream_error_raises_after_the_text_that_arrived(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    stub.enqueue(MidStreamError(text_before="Here is the first half of"))
    pieces: list[str] = []

    with (
        pytest.raises(anthropic.APIStatusError) as raised,
        client.messages.stream(model=MODEL, max_tokens=256, messages=USER) as stream,
    ):
        pieces.extend(stream.text_stream)

    assert "".join(pieces) == "Here is the first half of"
    # The HTTP status was already 200, so the SDK cannot pick a status-specific class.
    assert type(raised.value) is anthropic.APIStatusError
    assert (raised.value.status_code, raised.value.type) == (200, "overloaded_error")
    assert raised.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert len(stub.requests) == 1  # a stream that has started is not retried


def test_mid_stream_error_without_streaming_is_the_http_error(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    stub.enqueue(MidStreamError(text_before="never seen"))

    with pytest.raises(anthropic.OverloadedError):
        ask(client)

    assert stub.requests[0].status == 529


# --- prompt caching ---------------------------------------------------------------------------


def test_cache_is_written_once_then_read(stub: ScriptedClaude, client: anthropic.Anthropic) -> None:
    other_question = "Now a subject line, please"
    written = tokens(len(BRAND_BOOK))

    first = ask(client, system=cached_system())
    with client.messages.stream(
        model=MODEL,
        max_tokens=256,
        system=cached_system(),  # type: ignore[arg-type]
        messages=[{"role": "user", "content": other_question}],
    ) as stream:
        second = stream.get_final_message()

    assert first.usage.cache_creation_input_tokens == written
    assert first.usage.cache_read_input_tokens == 0
    assert first.usage.input_tokens == tokens(len(BRAND_BOOK) + len(QUESTION)) - written
    assert second.usage.cache_read_input_tokens == written
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.input_tokens == tokens(len(BRAND_BOOK) + len(other_question)) - written
    assert stub.requests[1].usage == second.usage.model_dump(exclude_none=True)


def test_cache_reads_the_written_prefix_and_writes_the_rest(client: anthropic.Anthropic) -> None:
    history = "Here is last week's campaign report. " * 40
    marked_turn = [
        {"type": "text", "text": history, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    ]
    ask(client, system=cached_system())

    second = ask(
        client, system=cached_system(), messages=[{"role": "user", "content": marked_turn}]
    )

    system_tokens = tokens(len(BRAND_BOOK))
    assert second.usage.cache_read_input_tokens == system_tokens
    written = tokens(len(BRAND_BOOK) + len(history)) - system_tokens
    assert second.usage.cache_creation_input_tokens == written
    assert second.usage.cache_creation is not None
    assert second.usage.cache_creation.ephemeral_1h_input_tokens == written
    assert second.usage.input_tokens == 0  # the marker closes the prompt: nothing uncached


def test_cache_below_the_minimum_is_silently_skipped(client: anthropic.Anthropic) -> None:
    short_system = cached_system("You are the Copywriter.")

    first = ask(client, system=short_system)
    second = ask(client, system=short_system)

    for message in (first, second):
        assert message.usage.cache_creation_input_tokens == 0
        assert message.usage.cache_read_input_tokens == 0
        assert message.usage.input_tokens == tokens(len("You are the Copywriter.") + len(QUESTION))


def test_cache_is_kept_per_model(client: anthropic.Anthropic) -> None:
    ask(client, system=cached_system())

    other_model = ask(client, model="claude-haiku-5-5", system=cached_system())

    assert other_model.usage.cache_read_input_tokens == 0
    assert other_model.usage.cache_creation_input_tokens == tokens(len(BRAND_BOOK))


# --- request checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"max_tokens": 0}, "max_tokens"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "system", "content": "hi"}]}, "messages.0.role"),
        ({"messages": [{"role": "user", "content": [{"type": "video"}]}]}, "messages.0.content.0"),
        ({"system": [{"type": "image"}]}, "system.0.type"),
        ({"tools": [{"name": "post_to_slack"}]}, "tools.0.input_schema"),
        ({"system": cached_system() * 5}, "cache_control"),
    ],
)
def test_invalid_body_is_rejected_naming_the_field(
    stub: ScriptedClaude, client: anthropic.Anthropic, overrides: dict[str, Any], field: str
) -> None:
    stub.enqueue(TextReply("kept for the next valid request"))

    with pytest.raises(anthropic.BadRequestError) as raised:
        ask(client, **overrides)

    assert raised.value.type == "invalid_request_error"
    assert field in str(raised.value.api_message)
    assert ask(client).content[0].text == "kept for the next valid request"  # type: ignore[union-attr]


def test_missing_api_key_is_rejected(stub: ScriptedClaude, client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.AuthenticationError) as raised:
        ask(client, extra_headers={"Authorization": anthropic.Omit()})

    assert raised.value.type == "authentication_error"
    assert (stub.requests[0].status, stub.requests[0].reply) == (401, None)


def test_configured_api_key_must_match_either_header() -> None:
    with ScriptedClaude(api_key="sk-right") as stub:
        with anthropic.Anthropic(base_url=stub.base_url, api_key="sk-wrong", max_retries=0) as sdk:
            with pytest.raises(anthropic.AuthenticationError):
                ask(sdk)
            by_x_api_key = {"x-api-key": "sk-right", "Authorization": anthropic.Omit()}
            assert ask(sdk, extra_headers=by_x_api_key).stop_reason == "end_turn"
        with anthropic.Anthropic(base_url=stub.base_url, api_key="sk-right", max_retries=0) as sdk:
            assert ask(sdk).stop_reason == "end_turn"  # the SDK sends `Authorization: Bearer`


def test_missing_version_header_is_rejected(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as raised:
        ask(client, extra_headers={"anthropic-version": anthropic.Omit()})

    assert "anthropic-version" in str(raised.value.api_message)


def test_other_paths_are_not_found(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as raised:
        client.models.list()

    assert raised.value.type == "not_found_error"
    assert raised.value.request_id is not None and raised.value.request_id.startswith("req_")


# --- scripting and lifecycle ------------------------------------------------------------------


def test_script_for_routes_concurrent_callers_to_their_own_scripts(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    def role_is(name: str) -> Callable[[dict[str, Any]], bool]:
        return lambda body: str(body.get("system", "")).startswith(f"You are the {name}")

    slow = 0.05  # long enough that the scripted requests are in flight together
    stub.script_for(
        role_is("Copywriter"), *(TextReply(f"copy {n}", first_byte_delay_s=slow) for n in (1, 2))
    )
    stub.script_for(
        role_is("Designer"), *(TextReply(f"design {n}", first_byte_delay_s=slow) for n in (1, 2))
    )
    stub.enqueue(TextReply("from the global queue"))
    roles = ["Copywriter", "Designer", "Analyst", "Designer", "Copywriter"]

    with ThreadPoolExecutor(max_workers=len(roles)) as pool:
        answers = list(pool.map(lambda role: ask(client, system=f"You are the {role}."), roles))

    texts = [answer.content[0].text for answer in answers]  # type: ignore[union-attr]
    assert sorted(texts[i] for i in (0, 4)) == ["copy 1", "copy 2"]
    assert sorted(texts[i] for i in (1, 3)) == ["design 1", "design 2"]
    assert texts[2] == "from the global queue"


def test_client_hanging_up_mid_stream_does_not_break_the_server(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    stub.enqueue(TextReply("word " * 200, chunk_chars=10, delay_per_chunk_s=0.01))

    with client.messages.stream(model=MODEL, max_tokens=256, messages=USER) as stream:
        first_piece = next(iter(stream.text_stream))

    assert first_piece == "word word "
    assert stub.wait_for(lambda: stub.requests[0].client_disconnected, timeout_s=3)
    stub.enqueue(TextReply("still here"))
    assert ask(client).content[0].text == "still here"  # type: ignore[union-attr]


def test_wait_for_reports_a_timeout(stub: ScriptedClaude) -> None:
    assert stub.wait_for(lambda: len(stub.requests) > 0, timeout_s=0.05) is False


def test_reset_forgets_scripts_requests_and_cache(
    stub: ScriptedClaude, client: anthropic.Anthropic
) -> None:
    ask(client, system=cached_system())
    stub.enqueue(TextReply("stale"))

    stub.reset()
    message = ask(client, system=cached_system())

    assert message.content[0].text != "stale"  # type: ignore[union-attr]
    assert message.usage.cache_creation_input_tokens == tokens(len(BRAND_BOOK))
    assert len(stub.requests) == 1
