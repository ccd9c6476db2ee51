"""What a Messages API request from the product says, read back for the scripted department.

Structured signals first, and they are most of it: the agent a request is for (the agent-id
line `bots.prompts` ends every role block with), the tools offered (`tools[].name`: a review
step offers `review` alone), and this turn's tool rounds (tool_use / tool_result blocks,
`is_error`). Nothing here reads prompts/, so rewording a prompt file changes no answer.

What the product sends no structure for yet is the framing that jobs/ writes around a task
turn (jobs/task_turns.py: "[Task from …]", a synthesis's sections; jobs/approvals.py: the
author's turn after a decision; jobs/turns.py: who said what in a thread). Those few fixed
markers are read here and only here, so a change to them fails the sandbox's end-to-end
tests (tests/test_scripted_blog_flow.py, tests/test_reworded_prompts.py) in one place. Once
task kinds are typed, the kind can travel as structure and these markers can go.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bots.prompts import agent_id_in
from bots.roster import Roster, load_roster

Speaker = Literal["human", "agent"]

# jobs/task_turns.py: a task turn's first message, its ending, a synthesis's sections
SYNTHESIS_MARK = "Your team's work is in:"
_TASK = re.compile(
    r"^\[Task from (?P<who>[^\]]+?), priority (?P<priority>\w+)\] (?P<title>[^\n]*)"
    r"(?:\n\n(?P<brief>.*))?$",
    re.S,
)
_TASK_TRAILERS = ("\n\n" + SYNTHESIS_MARK, "\n\nDo the work and reply with the deliverable")
_DUE = re.compile(r"\nDue: \d{4}-\d{2}-\d{2}\.\s*$")
_SECTION = re.compile(r"^--- (.+?) \((\w+)\) ---$", re.M)
_SYNTHESIS_ASK = re.compile(r"\n\nSynthesise one answer for .*$", re.S)
APPROVAL_SECTION = "Approval of your draft"
ANSWER_MARK = "--- Answer to your escalation"
_ANSWER = re.compile(rf"{ANSWER_MARK}, from [^-\n]+ ---\n(?P<a>.*?)(?:\n\n|$)", re.S)
# jobs/approvals.py: the author's turn after a person or a reviewer decided
_DECIDED = {"approved": "It was APPROVED", "changes": "asked for CHANGES"}
_CLOSED = ("It was REJECTED", "It was not decided")
_TITLE = re.compile(r"“(?P<title>[^”]+)” \(version (?P<version>\d+)\)")
_FEEDBACK = re.compile(r"asked for CHANGES: (?P<feedback>.+?)\n\n--- Your version", re.S)
_OLD_DRAFT = re.compile(r"--- Your version \d+ ---\n(?P<draft>.*?)\n--- End ---", re.S)
_REASON = re.compile(r"Reason: (.+?)\n")
# bots/tools.py: a refusal's tool_result starts so; only what follows is shown to people
_REFUSED = re.compile(r"^Refused:\s*")
# jobs/turns.py: who said what in the thread, one tag per message
_SPEAKER = re.compile(r"(?=\[<@[A-Z0-9]+>\]|\[[^\]\n]+ said in this thread\])")
_HUMAN_TAG = re.compile(r"^\[<@[A-Z0-9]+>\]\s*")
_AGENT_TAG = re.compile(r"^\[[^\]\n]+ said in this thread\]\s*")


# --- structure ---------------------------------------------------------------------------------


@functools.cache
def roster() -> Roster:
    return load_roster()


def agent_of(body: dict[str, Any]) -> str | None:
    """The agent the product built this request for, from the system blocks' agent-id line."""
    system = body.get("system")
    blocks = system if isinstance(system, list) else [{"text": system}]
    for block in reversed(blocks):
        agent_id = agent_id_in(str(block.get("text", ""))) if isinstance(block, dict) else None
        if agent_id is not None:
            return agent_id
    return None


def offered(body: dict[str, Any]) -> list[str]:
    """The names of the tools this turn may use, in the order the product offers them."""
    return [str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)]


def is_review_step(body: dict[str, Any]) -> bool:
    """A review step is the one turn offered `review` and nothing else (jobs/reviews.py)."""
    return offered(body) == ["review"]


def is_tool_round(message: dict[str, Any]) -> bool:
    """An assistant tool_use turn or the user turn carrying its tool_result."""
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(block, dict) and block.get("type") in ("tool_use", "tool_result")
        for block in content
    )


def tool_results(body: dict[str, Any]) -> list[str]:
    """Every tool_result of this turn so far, as text."""
    results = []
    for message in body.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                results.append(str(block.get("content")))
    return results


def first_user_text(body: dict[str, Any]) -> str:
    for message in body.get("messages") or []:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            return "\n".join(str(b.get("text", "")) for b in content if b.get("type") == "text")
        return str(content or "")
    return ""


# --- the framing jobs/ writes ------------------------------------------------------------------


@dataclass(frozen=True)
class TaskBrief:
    """A task turn's first message: "[Task from X, priority P] title\\n\\nbrief…"."""

    requester: str
    priority: str
    title: str
    brief: str


def split_task(text: str) -> TaskBrief | None:
    match = _TASK.match(text.strip())
    if match is None:
        return None
    brief = match["brief"] or ""
    for trailer in _TASK_TRAILERS:
        brief = brief.split(trailer)[0]
    brief = _DUE.sub("", brief)
    return TaskBrief(match["who"], match["priority"], match["title"].strip(), brief.strip())


@dataclass(frozen=True)
class Section:
    """One report's deliverable, as the synthesis request lists it."""

    agent_id: str
    name: str
    status: str
    text: str

    @property
    def done(self) -> bool:
        return self.status == "done"


def is_synthesis(body: dict[str, Any]) -> bool:
    return SYNTHESIS_MARK in first_user_text(body)


def sections_of(body: dict[str, Any]) -> list[Section]:
    text = first_user_text(body)
    team = _SYNTHESIS_ASK.sub("", text.split(SYNTHESIS_MARK, 1)[-1])
    parts = _SECTION.split(team)
    by_name = {agent.display_name: agent.id for agent in roster().agents}
    return [
        Section(by_name.get(name, ""), name, status, body.strip())
        for name, status, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True)
    ]


def escalation_answer(body: dict[str, Any]) -> str | None:
    """The answer from above in a synthesis that waited on an escalation; None otherwise."""
    text = first_user_text(body)
    if ANSWER_MARK not in text:
        return None
    found = _ANSWER.search(text)
    return found.group("a").strip() if found else ""


@dataclass(frozen=True)
class Decided:
    """The author's turn after an approval step: what was decided about which draft."""

    outcome: Literal["approved", "changes", "closed"]
    title: str
    feedback: str  # what a person or reviewer asked to change ("" unless changes)
    draft: str  # the version they decided on ("" unless changes)
    reason: str  # a rejection's reason ("" when none was given)


def decided(body: dict[str, Any]) -> Decided | None:
    text = first_user_text(body)
    title_match = _TITLE.search(text)
    title = title_match.group("title") if title_match else "the post"
    if _DECIDED["approved"] in text:
        return Decided("approved", title, "", "", "")
    if _DECIDED["changes"] in text:
        feedback, draft = _FEEDBACK.search(text), _OLD_DRAFT.search(text)
        return Decided(
            "changes",
            title,
            feedback.group("feedback").strip() if feedback else "",
            draft.group("draft") if draft else "",
            "",
        )
    if any(mark in text for mark in _CLOSED):
        reason = _REASON.search(text)
        return Decided("closed", title, "", "", reason.group(1).strip() if reason else "")
    return None


def speakers(text: str) -> Sequence[tuple[Speaker, str]]:
    """A thread's user message split into who said what: people, or other agents."""
    said: list[tuple[Speaker, str]] = []
    for part in filter(str.strip, _SPEAKER.split(text)):
        kind: Speaker = "agent" if _AGENT_TAG.match(part) else "human"
        said.append((kind, _AGENT_TAG.sub("", _HUMAN_TAG.sub("", part))))
    return said


def refusal_reason(result: str) -> str:
    """A refused call's reason, its first sentence, for saying it to a person."""
    return _REFUSED.sub("", result.strip()).split(". ")[0].rstrip(".")
