"""The one model call a review may make: its voice, on the cheapest tier, forced to call one
tool whose input is checked in code before anything of it is used.

A review's numbers come from the records, never from the model: what the model writes
(a priority, a decision) is refused if it carries a number the facts it was given do not,
and every task it names must be one of the tasks it was shown. The call is priced and
recorded against the run (`llm_calls.turn_id` = the run's id, the voice as its agent).
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.roster import Agent, ModelTier
from bots.tools import tool_definition
from errors import LlmGaveUp
from jobs.claude.client import ChatMessage, LlmRequest, stream_with_retries
from jobs.claude.framing import join
from jobs.claude.usage import record_call
from jobs.runtime import Runtime
from models.rituals import RitualRun

logger = logging.getLogger(__name__)

CHEAPEST_TIER: ModelTier = "haiku"  # phrasing from given facts: no need for more
MAX_TOKENS = 1024
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
M = TypeVar("M", bound=BaseModel)


class _Tool(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Priority(_Tool):
    title: str = Field(min_length=1, max_length=150, description="The priority, one line")
    why: str = Field(default="", max_length=300, description="Why it comes first this week")
    task_ids: list[str] = Field(
        default_factory=list, description="Ids of the shown tasks it covers (none: new work)"
    )


class WeekPriorities(_Tool):
    """propose_week_priorities: the week's priorities, most important first."""

    priorities: list[Priority] = Field(min_length=1, max_length=10)


class ReviewDecision(_Tool):
    type: str = Field(description="One of the decision types offered")
    decision: str = Field(min_length=1, max_length=300, description="What is decided")
    reasoning: str = Field(default="", max_length=500, description="Why, from the figures")


class ReviewDecisions(_Tool):
    """record_review_decisions: the decisions this review takes (none is a valid answer)."""

    decisions: list[ReviewDecision] = Field(default_factory=list, max_length=10)


PROPOSE_WEEK_PRIORITIES = "propose_week_priorities"
RECORD_REVIEW_DECISIONS = "record_review_decisions"
TOOLS: dict[str, type[_Tool]] = {
    PROPOSE_WEEK_PRIORITIES: WeekPriorities,
    RECORD_REVIEW_DECISIONS: ReviewDecisions,
}


def ask(
    rt: Runtime,
    run: RitualRun,
    agent: Agent,
    name: str,
    frames: str,
    answer: type[M],
    *,
    prompt: str | None = None,
) -> M | None:
    """Ask `agent` (as itself, on the cheapest tier) to call tool `name` on `frames`, after
    the instruction prompts/rituals/<prompt or name>.md; the validated answer, or None when
    Claude gave up or answered out of shape (the caller then goes on without it)."""
    path = rt.settings.prompts_dir / "rituals" / f"{prompt or name}.md"
    instruction = path.read_text(encoding="utf-8")
    request = LlmRequest(
        model=rt.settings.model_for(CHEAPEST_TIER),
        system=rt.prompts.system_prompt(agent),
        messages=[ChatMessage("user", join(frames, instruction))],
        max_tokens=MAX_TOKENS,
        tools=[tool_definition(name, TOOLS[name])],
        tool_choice=name,
    )
    try:
        attempt = stream_with_retries(
            rt.claude,
            request,
            lambda _text: None,
            max_attempts=rt.settings.llm_max_retries + 1,
            record=lambda made: record_call(
                rt,
                team_id=run.team_id,
                turn_id=run.id,
                task_id=None,
                agent_id=agent.id,
                attempt=made,
            ),
        )
    except LlmGaveUp as gave_up:
        logger.warning("Ritual run %s: %s gave up: %s", run.id, name, gave_up.reason)
        return None
    call = next((use.input for use in attempt.tool_uses if use.name == name), None)
    try:
        return answer.model_validate(call)
    except ValidationError as error:
        logger.warning(
            "Ritual run %s: %s unreadable (%d problems)", run.id, name, error.error_count()
        )
        return None


def invents_numbers(text: str, facts: str) -> bool:
    """Whether `text` states a number that `facts` does not: such a line is not shown.
    Numbers compare by value ("07" in a date is the 7 of "7 Dec"; "1,200" is 1200)."""
    return not _numbers(text) <= _numbers(facts)


def _numbers(text: str) -> set[Decimal]:
    return {Decimal(found.replace(",", "")).normalize() for found in NUMBER.findall(text)}
