"""One model call phrases every agent's standup update (issue 18's cost rule).

Agents with nothing make no call at all, and those with work share one call on the cheapest
tier that reads well (`standup_model_tier`), forced to answer through the `standup_updates`
tool, whose schema is the pydantic model below. The answer is checked in code: an update for
an agent not asked about, or one that names a task id outside that agent's facts, is dropped
and the agent's facts are rendered plainly instead. The call is priced and recorded against
the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.roster import Roster
from bots.tools import tool_definition
from errors import LlmGaveUp
from jobs.claude import framing
from jobs.claude.client import ChatMessage, LlmRequest, stream_with_retries
from jobs.claude.usage import record_call
from jobs.rituals.standup_facts import AgentFacts, Blocker, TaskFact
from jobs.runtime import Runtime
from models.rituals import RitualRun

logger = logging.getLogger(__name__)

STANDUP_UPDATES = "standup_updates"
HOST = "vp_marketing"  # the standup's host: the call is made and attributed in its name
TOKENS_PER_UPDATE = 220  # three short points and their task ids
POINT_CHARS = 300


class AgentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agent: str = Field(description="The agent's id, as in the facts")
    completed: str = Field(default="", max_length=POINT_CHARS, description="What I finished")
    today: str = Field(default="", max_length=POINT_CHARS, description="What I work on today")
    blockers: str = Field(default="", max_length=POINT_CHARS, description="Blockers, requests")
    task_ids: list[str] = Field(default_factory=list, description="Ids of the tasks named")


class StandupUpdates(BaseModel):
    """Every listed agent's standup update: three short points each, in its own voice, naming
    only the tasks in its facts."""

    model_config = ConfigDict(extra="forbid")

    updates: list[AgentUpdate] = Field(max_length=40)


def standup_updates_tool() -> dict[str, object]:
    return tool_definition(STANDUP_UPDATES, StandupUpdates)


def phrase(
    rt: Runtime, run: RitualRun, facts: Sequence[AgentFacts]
) -> dict[str, AgentUpdate | None]:
    """Each agent with news → its checked update, or None (render its facts plainly)."""
    speaking = [entry for entry in facts if entry.has_news]
    if not speaking:
        return {}
    try:
        raw = _ask(rt, run, speaking)
    except LlmGaveUp as gave_up:
        logger.warning("Standup %s: phrasing failed (%s); facts only", run.id, gave_up.reason)
        raw = {}
    return checked(raw, speaking)


def checked(raw: object, speaking: Sequence[AgentFacts]) -> dict[str, AgentUpdate | None]:
    """Keep only updates for the agents asked about whose task ids are all their own."""
    try:
        answer = StandupUpdates.model_validate(raw)
    except ValidationError as error:
        logger.info("Standup updates unreadable (%d problems)", error.error_count())
        answer = StandupUpdates(updates=[])
    by_agent = {update.agent: update for update in answer.updates}
    result: dict[str, AgentUpdate | None] = {}
    for entry in speaking:
        update = by_agent.get(entry.agent_id)
        if update is not None and not set(update.task_ids) <= entry.task_ids():
            invented = sorted(set(update.task_ids) - entry.task_ids())
            logger.info("Standup update of %s dropped: unknown tasks %s", entry.agent_id, invented)
            update = None
        result[entry.agent_id] = update
    return result


def _ask(rt: Runtime, run: RitualRun, speaking: Sequence[AgentFacts]) -> object:
    host = rt.roster.get(HOST)
    frame = facts_frame(rt.roster, run.local_date, speaking)
    instruction = (rt.settings.prompts_dir / "rituals" / "standup.md").read_text(encoding="utf-8")
    request = LlmRequest(
        model=rt.settings.model_for(rt.settings.standup_model_tier),
        system=rt.prompts.system_prompt(host),
        messages=[ChatMessage("user", framing.join(frame, instruction))],
        max_tokens=min(rt.settings.llm_max_tokens, 200 + TOKENS_PER_UPDATE * len(speaking)),
        tools=[standup_updates_tool()],
        tool_choice=STANDUP_UPDATES,
    )
    attempt = stream_with_retries(
        rt.claude,
        request,
        lambda _text: None,
        max_attempts=rt.settings.llm_max_retries + 1,
        record=lambda attempt: record_call(
            rt, team_id=run.team_id, turn_id=run.id, task_id=None, agent_id=host.id, attempt=attempt
        ),
    )
    return next((use.input for use in attempt.tool_uses if use.name == STANDUP_UPDATES), {})


def facts_frame(roster: Roster, day: date, speaking: Sequence[AgentFacts]) -> framing.Frame:
    """The facts as tagged input (`jobs/claude/framing.py`): the ids, titles and dates the
    updates may name."""
    agents = [
        framing.tag(
            "agent",
            framing.tag("completed", *(_task(f) for f in entry.completed)),
            framing.tag("working_on", *(_task(f) for f in entry.in_progress)),
            framing.tag("blocked", *(_blocked(b, roster) for b in entry.blockers)),
            attrs={"id": entry.agent_id, "name": roster.get(entry.agent_id).display_name},
        )
        for entry in speaking
    ]
    return framing.tag("standup", *agents, attrs={"date": day.isoformat()})


def _task(fact: TaskFact, **extra: str | None) -> framing.Frame:
    due = fact.due.isoformat() if fact.due else None
    attrs = {"id": fact.task_id, "priority": fact.priority, "due": due, **extra}
    return framing.tag("task", fact.title, attrs=attrs)


def _blocked(blocker: Blocker, roster: Roster) -> framing.Frame:
    on = "a person" if blocker.on_person else roster.get(blocker.agent_id or "").display_name
    return _task(
        blocker.task, waiting_on=on, reason=blocker.kind, since=blocker.since.date().isoformat()
    )
