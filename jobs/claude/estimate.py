"""What a Claude call will cost at most, before it is made: the ceiling a budget is checked
against, so a budget holds before it is spent, not after.

Input tokens are estimated from the request's size (system, messages, tools) at
`CHARS_PER_TOKEN`, fewer characters per token than English text averages (about 4), so the
estimate errs high; output is the request's `max_tokens`, the most the call may produce. Both
are priced at the full input and output rates (no cache discount), with the price table every
recorded call uses.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

from jobs.claude.client import LlmRequest
from jobs.claude.pricing import PriceTable, Usage

CHARS_PER_TOKEN = 3  # below English text's ~4 characters per token: the estimate errs high


def prompt_chars(request: LlmRequest) -> int:
    """The characters the request sends: system blocks, every message's content, tools."""
    system = len(request.system.department) + len(request.system.role)
    messages = sum(
        len(json.dumps(message.content(), ensure_ascii=False)) for message in request.messages
    )
    tools = len(json.dumps(list(request.tools), ensure_ascii=False)) if request.tools else 0
    return system + messages + tools


def estimate_usd(prices: PriceTable, request: LlmRequest) -> Decimal:
    """The most this call should cost: its estimated prompt, and `max_tokens` of output."""
    usage = Usage(
        input_tokens=math.ceil(prompt_chars(request) / CHARS_PER_TOKEN),
        output_tokens=request.max_tokens,
    )
    return prices.cost_usd(request.model, usage)
