"""The one thin wrapper around the Anthropic client: build the request, stream, measure.

The request is laid out for prompt caching: the department preamble, the role prompt and the
conversation so far each end a cache breakpoint, so a thread's second turn reads everything
but the newest message from the cache.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import anthropic

from bots.prompts import SystemPrompt
from errors import LlmGaveUp
from jobs.claude.pricing import Usage

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
RETRYABLE_ERROR_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error"})
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 16.0
CACHE = {"type": "ephemeral"}


@dataclass(frozen=True)
class ChatMessage:
    """A conversation turn: plain text, or content blocks (tool_use / tool_result rounds)."""

    role: Literal["user", "assistant"]
    text: str
    blocks: tuple[dict[str, Any], ...] = ()

    def content(self) -> list[dict[str, Any]]:
        if self.blocks:
            return [dict(block) for block in self.blocks]
        return [{"type": "text", "text": self.text}]


@dataclass(frozen=True)
class LlmRequest:
    model: str
    system: SystemPrompt
    messages: Sequence[ChatMessage]
    max_tokens: int
    tools: Sequence[dict[str, Any]] = ()
    tool_choice: str | None = None  # a tool's name: the model must call it (a forced answer)


@dataclass(frozen=True)
class ToolUse:
    """A tool the model asked to run: answered with a tool_result carrying the same id."""

    id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class LlmAttempt:
    """One call to Claude as it happened: what it cost to make and how it ended."""

    model: str
    usage: Usage
    latency_ms: int
    error: str | None = None
    text: str = ""
    stop_reason: str | None = None
    tool_uses: tuple[ToolUse, ...] = ()
    content: tuple[dict[str, Any], ...] = ()  # the assistant turn, to send back with results


class StreamBroken(Exception):
    """The stream had started (HTTP 200) and then failed: the SDK does not retry these."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def build_params(request: LlmRequest) -> dict[str, Any]:
    """The Messages API body: byte-stable system blocks first, merged turns after."""
    system = [
        {"type": "text", "text": request.system.department, "cache_control": CACHE},
        {"type": "text", "text": request.system.role, "cache_control": CACHE},
    ]
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        mergeable = not message.blocks and messages and messages[-1]["role"] == message.role
        if mergeable and messages[-1]["content"][-1].get("type") == "text":
            messages[-1]["content"][-1]["text"] += "\n\n" + message.text
        elif messages and messages[-1]["role"] == message.role:
            messages[-1]["content"].extend(message.content())
        else:
            messages.append({"role": message.role, "content": message.content()})
    if messages:
        messages[-1]["content"][-1]["cache_control"] = CACHE
    params: dict[str, Any] = {}
    if request.tools:
        tools = [dict(tool) for tool in request.tools]
        tools[-1]["cache_control"] = CACHE  # tools come first in the cached prefix
        params["tools"] = tools
    if request.tool_choice is not None:
        params["tool_choice"] = {"type": "tool", "name": request.tool_choice}
    return params | {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "system": system,
        "messages": messages,
    }


def is_retryable(error: Exception) -> bool:
    """Overload, 5xx, rate limits, timeouts and dropped connections are worth another try."""
    if isinstance(error, anthropic.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, anthropic.APIStatusError):
        if error.status_code in RETRYABLE_STATUS:
            return True
        body = error.body if isinstance(error.body, dict) else {}
        detail = body.get("error", {}) if isinstance(body.get("error"), dict) else body
        return detail.get("type") in RETRYABLE_ERROR_TYPES
    return False


def stream_once(
    client: anthropic.Anthropic, request: LlmRequest, on_text: Callable[[str], object]
) -> LlmAttempt:
    """One streamed call; `on_text` gets the whole text so far after each delta."""
    started = time.monotonic()
    text = ""
    with client.messages.stream(**build_params(request)) as stream:
        try:
            for delta in stream.text_stream:
                text += delta
                on_text(text)
            final = stream.get_final_message()
        except (anthropic.APIStatusError, anthropic.APIConnectionError) as error:
            raise StreamBroken(error) from error
    usage = final.usage
    content = tuple(block.model_dump(exclude_none=True) for block in final.content)
    tool_uses = tuple(
        ToolUse(block.id, block.name, dict(block.input))
        for block in final.content
        if block.type == "tool_use" and isinstance(block.input, dict)
    )
    return LlmAttempt(
        model=request.model,
        usage=Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_input_tokens or 0,
            cache_write_tokens=usage.cache_creation_input_tokens or 0,
        ),
        latency_ms=int((time.monotonic() - started) * 1000),
        text=text,
        stop_reason=final.stop_reason,
        tool_uses=tool_uses,
        content=content,
    )


def stream_with_retries(
    client: anthropic.Anthropic,
    request: LlmRequest,
    on_text: Callable[[str], object],
    *,
    max_attempts: int,
    record: Callable[[LlmAttempt], None],
    sleep: Callable[[float], None] = time.sleep,
) -> LlmAttempt:
    """Stream a reply, retrying a stream that breaks off after it started.

    The client itself retries a request that fails before the stream starts (overload, 5xx,
    429, timeouts; with backoff, honouring retry-after), so such an error here means its
    retries are spent. An overload reported inside a running stream is not retried by the
    SDK, so this loop does it. Every attempt is recorded, failed ones included.
    """
    for attempt in range(1, max_attempts + 1):
        started = time.monotonic()
        try:
            result = stream_once(client, request, on_text)
        except StreamBroken as broken:
            record(_failed_attempt(request.model, broken.error, started))
            if not is_retryable(broken.error) or attempt == max_attempts:
                raise LlmGaveUp(_describe(broken.error)) from broken.error
            sleep(min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1)) * random.uniform(0.5, 1))
            continue
        except (anthropic.APIStatusError, anthropic.APIConnectionError) as error:
            record(_failed_attempt(request.model, error, started))
            raise LlmGaveUp(_describe(error)) from error
        record(result)
        return result
    raise LlmGaveUp("no attempts allowed")


def _failed_attempt(model: str, error: Exception, started: float) -> LlmAttempt:
    return LlmAttempt(
        model=model,
        usage=Usage(),
        latency_ms=int((time.monotonic() - started) * 1000),
        error=_describe(error),
    )


def _describe(error: Exception) -> str:
    """A short operator-facing reason, without request bodies or keys."""
    if isinstance(error, anthropic.APITimeoutError):
        return "timeout"
    if isinstance(error, anthropic.APIConnectionError):
        return "connection_error"
    if isinstance(error, anthropic.APIStatusError):
        body = error.body if isinstance(error.body, dict) else {}
        detail = body.get("error", {}) if isinstance(body.get("error"), dict) else body
        return f"{error.status_code}:{detail.get('type', 'error')}"
    return type(error).__name__
