"""Wire-level pieces of the scripted Claude: validation, token estimates, caching, SSE.

Kept apart from the HTTP server in `claude_api` so each half stays readable. Everything
here is data in, data out (the prompt cache aside, which is guarded by a lock), so it can
be reasoned about without a socket in sight.

Token counting is a deterministic estimate, ceil(chars / 4), over the prompt's text in
prompt order: each tool definition as compact JSON, the system text, then each message
block's text (a tool_use counts its name and JSON input, a tool_result its text; images
count as nothing). `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`
is always the estimate for the whole prompt, as with the real API.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import string
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MESSAGE_ROLES = ("user", "assistant")
CONTENT_BLOCK_TYPES = ("text", "image", "tool_use", "tool_result", "document", "thinking")
MAX_CACHE_BREAKPOINTS = 4
# The real API also looks for hits at the ~20 block boundaries before each breakpoint, which
# is what lets a conversation whose marker moves forward every turn keep reading its history.
CACHE_LOOKBACK_BLOCKS = 20
TOOL_JSON_CHUNK_CHARS = 24  # size of each `input_json_delta.partial_json` piece


def estimate_tokens(text: str) -> int:
    """Estimate tokens as ceil(chars / 4): deterministic, and close enough to English text.

    The real tokenizer is not public; tests only need counts that are stable and grow with
    the prompt, so that usage and cache arithmetic can be asserted exactly.
    """
    return math.ceil(len(text) / 4)


def canonical_json(value: Any) -> str:
    """Serialise the way the cache keys and token estimates need: stable key order, compact."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- request validation -------------------------------------------------------------------


class _Invalid(Exception):
    """Carries the `invalid_request_error` message naming the offending field."""


def validation_error(body: object) -> str | None:
    """Return the message the real API would answer a malformed request with, or None.

    Only the fields the department uses are checked, but those the same way the API does,
    so a bug in how we build requests fails in tests rather than in production.
    """
    try:
        _validate(body)
    except _Invalid as problem:
        return str(problem)
    return None


def _validate(body: object) -> None:
    if not isinstance(body, dict):
        raise _Invalid("body: Input should be a valid dictionary")
    for field in ("model", "max_tokens", "messages"):
        if field not in body:
            raise _Invalid(f"{field}: Field required")
    if not isinstance(body["model"], str) or not body["model"]:
        raise _Invalid("model: Input should be a non-empty string")
    max_tokens = body["max_tokens"]
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise _Invalid("max_tokens: Input should be a positive integer")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _Invalid("stream: Input should be a valid boolean")
    _validate_messages(body["messages"])
    if "system" in body:
        _validate_system(body["system"])
    if "tools" in body:
        _validate_tools(body["tools"])
    breakpoints = sum(1 for _ in _cache_markers(body))
    if breakpoints > MAX_CACHE_BREAKPOINTS:
        raise _Invalid(
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {breakpoints}."
        )
    for path, marker in _cache_markers(body):
        if not isinstance(marker, dict) or marker.get("type") != "ephemeral":
            raise _Invalid(f"{path}.cache_control.type: Input should be 'ephemeral'")


def _validate_messages(messages: object) -> None:
    if not isinstance(messages, list) or not messages:
        raise _Invalid("messages: Input should be a non-empty list")
    for index, message in enumerate(messages):
        path = f"messages.{index}"
        if not isinstance(message, dict):
            raise _Invalid(f"{path}: Input should be a valid dictionary")
        if message.get("role") not in MESSAGE_ROLES:
            raise _Invalid(f"{path}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        if isinstance(content, list):
            for block_index, block in enumerate(content):
                _validate_block(block, f"{path}.content.{block_index}")
        elif not isinstance(content, str):
            raise _Invalid(f"{path}.content: Input should be a valid string or list")
        is_final_assistant = index == len(messages) - 1 and message["role"] == "assistant"
        if not content and not is_final_assistant:
            raise _Invalid(
                f"{path}: all messages must have non-empty content except for the optional "
                "final assistant message"
            )


def _validate_block(block: object, path: str) -> None:
    if not isinstance(block, dict):
        raise _Invalid(f"{path}: Input should be a valid dictionary")
    block_type = block.get("type")
    if block_type not in CONTENT_BLOCK_TYPES:
        raise _Invalid(f"{path}.type: Input should be one of {', '.join(CONTENT_BLOCK_TYPES)}")
    if block_type == "text" and (not isinstance(block.get("text"), str) or not block["text"]):
        raise _Invalid(f"{path}.text: text content blocks must be non-empty")
    if block_type == "tool_use":
        if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
            raise _Invalid(f"{path}: tool_use blocks need string `id` and `name`")
        if not isinstance(block.get("input"), dict):
            raise _Invalid(f"{path}.input: Input should be a valid dictionary")
    if block_type == "tool_result" and not isinstance(block.get("tool_use_id"), str):
        raise _Invalid(f"{path}.tool_use_id: Field required")


def _validate_system(system: object) -> None:
    if isinstance(system, str):
        return
    if not isinstance(system, list):
        raise _Invalid("system: Input should be a valid string or list of text blocks")
    for index, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise _Invalid(f"system.{index}.type: Input should be 'text'")
        if not isinstance(block.get("text"), str) or not block["text"]:
            raise _Invalid(f"system.{index}.text: text content blocks must be non-empty")


def _validate_tools(tools: object) -> None:
    if not isinstance(tools, list):
        raise _Invalid("tools: Input should be a valid list")
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            raise _Invalid(f"tools.{index}.name: Field required")
        if tool.get("type", "custom") != "custom":
            continue  # server tools (web search, ...) carry a `type` and no schema
        if not isinstance(tool.get("input_schema"), dict):
            raise _Invalid(f"tools.{index}.input_schema: Field required")
        if "description" in tool and not isinstance(tool["description"], str):
            raise _Invalid(f"tools.{index}.description: Input should be a valid string")


def _cache_markers(body: dict[str, Any]) -> Iterator[tuple[str, object]]:
    """Yield (path, cache_control) for every breakpoint, in prompt order."""
    for index, tool in enumerate(body.get("tools") or []):
        if isinstance(tool, dict) and "cache_control" in tool:
            yield f"tools.{index}", tool["cache_control"]
    system = body.get("system")
    for index, block in enumerate(system if isinstance(system, list) else []):
        if isinstance(block, dict) and "cache_control" in block:
            yield f"system.{index}", block["cache_control"]
    for index, message in enumerate(body.get("messages") or []):
        content = message.get("content") if isinstance(message, dict) else None
        for block_index, block in enumerate(content if isinstance(content, list) else []):
            if isinstance(block, dict) and "cache_control" in block:
                yield f"messages.{index}.content.{block_index}", block["cache_control"]
    if body.get("cache_control") is not None:
        yield "cache_control", body["cache_control"]


# --- prompt caching -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    """One cacheable unit of the prompt: a tool, a system block or a message block."""

    key: str  # canonical JSON without `cache_control`, so moving a marker keeps the key
    chars: int
    marker: dict[str, Any] | None


@dataclass(frozen=True)
class InputUsage:
    """How a request's input tokens split between fresh, cache-written and cache-read."""

    input_tokens: int
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    ephemeral_1h_input_tokens: int = 0  # the part of the creation written with ttl "1h"


class PromptCache:
    """Emulates prompt caching closely enough for tests to assert on the usage numbers.

    The prefix runs tools → system → messages; a block with `cache_control` ends a cacheable
    prefix, keyed by the model and a hash chain over the blocks up to it. Prefixes below
    `min_tokens` are silently not cached, as the real API does. Entries never expire here;
    the real cache lives 5 minutes (or 1 hour with ttl "1h"), refreshed on every hit.
    """

    def __init__(self, min_tokens: int) -> None:
        self._min_tokens = min_tokens
        self._written: set[str] = set()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every written prefix."""
        with self._lock:
            self._written.clear()

    def account(self, body: dict[str, Any]) -> InputUsage:
        """Read and write the cache for a validated request; return its input usage."""
        segments = _segments(body)
        prefix_tokens, hashes = _prefixes(str(body["model"]), segments)
        total = prefix_tokens[-1] if prefix_tokens else 0
        marked = [
            i for i, s in enumerate(segments) if s.marker and prefix_tokens[i] >= self._min_tokens
        ]
        if not marked:
            return InputUsage(input_tokens=total)
        candidates = {i for b in marked for i in range(max(0, b - CACHE_LOOKBACK_BLOCKS), b + 1)}
        with self._lock:
            hits = [i for i in candidates if hashes[i] in self._written]
            self._written.update(hashes[i] for i in marked)
        read = prefix_tokens[max(hits)] if hits else 0
        written = max(0, prefix_tokens[marked[-1]] - read)
        return InputUsage(
            input_tokens=max(0, total - read - written),
            cache_creation_input_tokens=written,
            cache_read_input_tokens=read,
            ephemeral_1h_input_tokens=_written_with_1h_ttl(segments, prefix_tokens, marked, read),
        )


def _prefixes(model: str, segments: list[_Segment]) -> tuple[list[int], list[str]]:
    """Token estimate and cache key of the prompt prefix ending at each segment."""
    prefix_tokens: list[int] = []
    hashes: list[str] = []
    chars, digest = 0, hashlib.sha256(model.encode()).hexdigest()
    for segment in segments:
        chars += segment.chars
        digest = hashlib.sha256((digest + segment.key).encode()).hexdigest()
        prefix_tokens.append(math.ceil(chars / 4))  # estimate_tokens' rule, over the prefix
        hashes.append(digest)
    return prefix_tokens, hashes


def _written_with_1h_ttl(
    segments: list[_Segment], prefix_tokens: list[int], marked: list[int], read: int
) -> int:
    """Attribute each written stretch to the ttl of the breakpoint that ends it."""
    one_hour, start = 0, read
    for index in marked:
        end = prefix_tokens[index]
        marker = segments[index].marker or {}
        if end > start and marker.get("ttl") == "1h":
            one_hour += end - start
        start = max(start, end)
    return one_hour


def _segments(body: dict[str, Any]) -> list[_Segment]:
    segments = [
        _segment({"tool": _unmarked(tool)}, canonical_json(_unmarked(tool)), tool)
        for tool in body.get("tools") or []
    ]
    system = body.get("system")
    if isinstance(system, str) and system:
        segments.append(_segment({"system": system}, system, {}))
    for block in system if isinstance(system, list) else []:
        segments.append(_segment({"system": _unmarked(block)}, block["text"], block))
    for index, message in enumerate(body["messages"]):
        content, role = message["content"], message["role"]
        if isinstance(content, str):
            segments.append(
                _segment({"message": index, "role": role, "text": content}, content, {})
            )
            continue
        for block in content:
            key = {"message": index, "role": role, "block": _unmarked(block)}
            segments.append(_segment(key, block_text(block), block))
    top_level = body.get("cache_control")
    if top_level is not None and segments and segments[-1].marker is None:
        last = segments[-1]  # "automatic caching": the marker lands on the last block
        segments[-1] = _Segment(key=last.key, chars=last.chars, marker=top_level)
    return segments


def _segment(key: dict[str, Any], text: str, source: dict[str, Any]) -> _Segment:
    return _Segment(key=canonical_json(key), chars=len(text), marker=source.get("cache_control"))


def _unmarked(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "cache_control"}


def block_text(block: dict[str, Any]) -> str:
    """The text a content block contributes to the token estimate (images count as none)."""
    block_type = block.get("type")
    if block_type == "text":
        return str(block.get("text", ""))
    if block_type == "thinking":
        return str(block.get("thinking", ""))
    if block_type == "tool_use":
        return str(block.get("name", "")) + canonical_json(block.get("input", {}))
    if block_type == "tool_result":
        content = block.get("content", "")
        if isinstance(content, list):
            return "".join(block_text(inner) for inner in content if isinstance(inner, dict))
        return str(content)
    if block_type == "document":
        source = block.get("source") or {}
        return str(source.get("data", "")) if source.get("type") == "text" else ""
    return ""


# --- responses ----------------------------------------------------------------------------

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_STATUSES = {error_type: status for status, error_type in ERROR_TYPES.items()}
_DEFAULT_MESSAGES = {
    "overloaded_error": "Overloaded",
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "api_error": "Internal server error",
    "authentication_error": "invalid x-api-key",
}
_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """An id shaped like the API's: `msg_01...`, `toolu_01...`, `req_01...`."""
    return f"{prefix}_01" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def error_type_for(status: int) -> str:
    """The `error.type` the API pairs with an HTTP status."""
    return ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def status_for(error_type: str) -> int:
    """The HTTP status the API answers an `error.type` with when it is not mid-stream."""
    return _STATUSES.get(error_type, 500)


def default_message(error_type: str) -> str:
    """The API's usual `error.message` for an error type."""
    return _DEFAULT_MESSAGES.get(error_type, error_type)


def retry_after_headers(retry_after_s: float | None) -> dict[str, str]:
    """`retry-after` in whole seconds (as HTTP says) plus the SDK's preferred `retry-after-ms`."""
    if retry_after_s is None:
        return {}
    return {
        "retry-after": str(math.ceil(retry_after_s)),
        "retry-after-ms": f"{retry_after_s * 1000:g}",
    }


def message_body(
    model: str, content: list[dict[str, Any]], stop_reason: str, usage: InputUsage
) -> dict[str, Any]:
    """A complete Message object; output tokens are estimated from the content."""
    output_tokens = max(1, estimate_tokens("".join(block_text(b) for b in content)))
    return {
        "id": new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage_body(usage, output_tokens),
    }


def error_body(error_type: str, message: str, request_id: str | None = None) -> dict[str, Any]:
    """The `{"type": "error", "error": {...}}` envelope every API error uses."""
    body: dict[str, Any] = {"type": "error", "error": {"type": error_type, "message": message}}
    if request_id is not None:
        body["request_id"] = request_id
    return body


def usage_body(usage: InputUsage, output_tokens: int) -> dict[str, Any]:
    """The `usage` object of a Message, cache fields included even when zero (as the API)."""
    return {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_creation_input_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": usage.cache_creation_input_tokens
            - usage.ephemeral_1h_input_tokens,
            "ephemeral_1h_input_tokens": usage.ephemeral_1h_input_tokens,
        },
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def sse_frame(event: dict[str, Any]) -> bytes:
    """One server-sent event, named after its `type` as the real stream does."""
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def stream_events(
    message: dict[str, Any], chunk_chars: int, error: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """The SSE sequence for `message`; with `error`, cut off mid-block by an `error` event."""
    shell = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    shell["usage"] = {**message["usage"], "output_tokens": 1}
    yield {"type": "message_start", "message": shell}
    for event in _content_events(message["content"], chunk_chars):
        if error is not None and event["type"] == "content_block_stop":
            break
        yield event
    if error is not None:
        yield {"type": "error", "error": error}
        return
    yield {
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": {"output_tokens": message["usage"]["output_tokens"]},
    }
    yield {"type": "message_stop"}


def _content_events(blocks: list[dict[str, Any]], chunk_chars: int) -> Iterator[dict[str, Any]]:
    """start / (ping after the first start) / deltas / stop for each content block."""
    for index, block in enumerate(blocks):
        empty: dict[str, Any] = {"input": {}} if block["type"] == "tool_use" else {"text": ""}
        yield {"type": "content_block_start", "index": index, "content_block": {**block, **empty}}
        if index == 0:
            yield {"type": "ping"}
        for delta in _deltas(block, chunk_chars):
            yield {"type": "content_block_delta", "index": index, "delta": delta}
        yield {"type": "content_block_stop", "index": index}


def _deltas(block: dict[str, Any], chunk_chars: int) -> Iterator[dict[str, Any]]:
    if block["type"] == "tool_use":
        arguments = json.dumps(block["input"])
        yield {"type": "input_json_delta", "partial_json": ""}  # the API opens with an empty one
        for piece in _chunks(arguments, TOOL_JSON_CHUNK_CHARS):
            yield {"type": "input_json_delta", "partial_json": piece}
        return
    for piece in _chunks(block["text"], max(1, chunk_chars)):
        yield {"type": "text_delta", "text": piece}


def _chunks(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]
