"""One agent turn with tools: stream, run the tools it asks for, stream again, until it stops.

The reply is rendered into one Slack reply as it streams (every round's text, in order). The
number of tool rounds is bounded; tools themselves decide, in code, what is allowed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from errors import BudgetSpent, CampaignBudgetHeld
from jobs.claude import framing
from jobs.claude.client import ChatMessage, LlmAttempt, LlmRequest, ToolUse, stream_with_retries
from jobs.runtime import Runtime
from jobs.slack.post_once import ReplyWriter

# -> (tool_result text, is_error); an error goes back framed as a refusal naming the tool
ToolHandler = Callable[[ToolUse], tuple[str, bool]]
# Looks at the request about to be sent; raises (CampaignBudgetHeld) if it must not be.
CallCheck = Callable[[LlmRequest], None]
ROUNDS_SPENT_NOTE = "_(I stopped here: I reached the limit of tool calls for one turn.)_"


def no_check(_request: LlmRequest) -> None:
    """Work outside a campaign: only the request's own budget applies."""


@dataclass(frozen=True)
class LoopOutcome:
    text: str  # everything the agent said this turn, as shown in Slack
    tool_calls: int


def run_agent_loop(
    rt: Runtime,
    request: LlmRequest,
    writer: ReplyWriter,
    *,
    record: Callable[[LlmAttempt], None],
    handle_tool: ToolHandler | None,
    budget_left: Callable[[], bool] = lambda: True,
    check_call: CallCheck = no_check,
) -> LoopOutcome:
    """Raises LlmGaveUp when Claude keeps failing, BudgetSpent when the request's budget is
    used up before a call (the caller stops the request and asks a person), and what
    `check_call` raises before a call it refuses (a campaign's budget: the task is parked)."""
    messages = list(request.messages)
    shown = ""
    calls = 0
    for _ in range(rt.settings.max_tool_rounds):
        if not budget_left():
            raise BudgetSpent(shown)
        prefix = shown + "\n\n" if shown else ""
        call = dataclasses.replace(request, messages=messages)
        try:
            check_call(call)
        except CampaignBudgetHeld as held:
            raise CampaignBudgetHeld(shown) from held

        def show(text: str, before: str = prefix) -> bool:
            return writer.render(before + text)

        attempt = stream_with_retries(
            rt.claude,
            call,
            show,
            max_attempts=rt.settings.llm_max_retries + 1,
            record=record,
        )
        if attempt.text.strip():
            shown = prefix + attempt.text.strip()
        if not attempt.tool_uses or handle_tool is None:
            return LoopOutcome(shown, calls)
        results: list[dict[str, Any]] = []
        for use in attempt.tool_uses:
            calls += 1
            text, is_error = handle_tool(use)
            results.append(
                {
                    "type": "tool_result",
                    "tool_use_id": use.id,
                    "content": framing.refusal(use.name, text) if is_error else text,
                    "is_error": is_error,
                }
            )
        messages += [
            ChatMessage("assistant", "", blocks=attempt.content),
            ChatMessage("user", "", blocks=tuple(results)),
        ]
    return LoopOutcome((shown + "\n\n" if shown else "") + ROUNDS_SPENT_NOTE, calls)
