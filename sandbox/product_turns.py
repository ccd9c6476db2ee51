"""What a Messages API request from the product says, read back for the scripted department.

Only structure is read: the agent a request is for (the agent-id line `bots.prompts` ends
every role block with), the tools offered (`tools[].name`: a review step offers `review`
alone), this turn's tool rounds (tool_use / tool_result blocks, `is_error`), and the frames
jobs/ puts around what a turn carries (`jobs/claude/framing.py`: `<task>`, `<deliverable>`,
`<escalation_answer>`, `<approval_step>`, `<approval_decision>`, thread `<message>`s and
`<refusal>`). The frames are parsed here, and only here, with one XML parser; no sentence of
prompts/ or of the instructions around the frames is read, so rewording either changes no
answer (tests/test_reworded_prompts.py). Text outside any frame, or that does not parse, is
taken as a person's own words.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bots.prompts import agent_id_in
from bots.roster import Roster, load_roster

Speaker = Literal["human", "agent"]


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


# --- the frames jobs/ writes ---------------------------------------------------------------


def frames(text: str) -> list[ElementTree.Element]:
    """The top-level frames of one message's text, in order; none when it holds no markup
    (or markup that does not parse: then it is not ours, and reads as plain words)."""
    if "<" not in text:
        return []
    try:
        return list(ElementTree.fromstring(f"<turn>{text}</turn>"))
    except ElementTree.ParseError:
        return []


def _first(text: str, name: str) -> ElementTree.Element | None:
    return next((frame for frame in frames(text) if frame.tag == name), None)


def _child_text(frame: ElementTree.Element, name: str) -> str:
    child = frame.find(name)
    return "" if child is None else (child.text or "")


@dataclass(frozen=True)
class TaskBrief:
    """A task turn's `<task>` frame: from whom, how urgent, its title and brief."""

    kind: str
    requester: str
    priority: str
    title: str
    brief: str


def split_task(text: str) -> TaskBrief | None:
    frame = _first(text, "task")
    if frame is None:
        return None
    return TaskBrief(
        frame.get("kind", ""),
        frame.get("from", ""),
        frame.get("priority", "normal"),
        _child_text(frame, "title").strip(),
        _child_text(frame, "brief").strip(),
    )


@dataclass(frozen=True)
class Section:
    """One subtask's outcome, as the synthesis request lists it: a report's deliverable
    (`kind` assignment or consult), an escalation's answer, or an approval step."""

    kind: str
    agent_id: str
    name: str
    status: str
    text: str

    @property
    def done(self) -> bool:
        return self.status == "done"


_SECTION_KINDS = {"escalation_answer": "escalation", "approval_step": "approval_step"}


def sections_of(body: dict[str, Any]) -> list[Section]:
    found = []
    for frame in frames(first_user_text(body)):
        if frame.tag == "deliverable":
            kind = frame.get("kind", "assignment")
        elif frame.tag in _SECTION_KINDS:
            kind = _SECTION_KINDS[frame.tag]
        else:
            continue
        agent = frame.get("agent", "")
        name = frame.get("name") or frame.get("from") or ""
        found.append(
            Section(kind, agent, name, frame.get("status", ""), (frame.text or "").strip())
        )
    return found


def is_synthesis(body: dict[str, Any]) -> bool:
    """A task turn that lists its subtasks' outcomes."""
    return bool(sections_of(body))


def escalation_answer(body: dict[str, Any]) -> str | None:
    """The answer from above in a synthesis that waited on an escalation; None otherwise.
    A person's answer says who decided (their verdict and id are attributes)."""
    frame = _first(first_user_text(body), "escalation_answer")
    if frame is None:
        return None
    words = (frame.text or "").strip()
    user, verdict = frame.get("user"), frame.get("verdict")
    if user is None:
        return words
    verb = "Decided" if verdict == "decided" else "Sent back with guidance"
    return f"{verb} by <@{user}>: {words}"


@dataclass(frozen=True)
class Decided:
    """The author's turn after an approval step: what was decided about which draft."""

    outcome: Literal["approved", "changes", "closed"]
    title: str
    feedback: str  # what a person or reviewer asked to change ("" unless changes)
    draft: str  # the version they decided on ("" unless changes)
    reason: str  # a rejection's reason ("" when none was given)


def decided(body: dict[str, Any]) -> Decided | None:
    frame = _first(first_user_text(body), "approval_decision")
    if frame is None:
        return None
    title = _child_text(frame, "title") or "the post"
    feedback = _child_text(frame, "feedback").strip()
    match frame.get("outcome"):
        case "approved":
            return Decided("approved", title, "", "", "")
        case "changes":
            return Decided("changes", title, feedback, _child_text(frame, "draft"), "")
        case _:
            return Decided("closed", title, "", "", feedback)


def speakers(text: str) -> Sequence[tuple[Speaker, str]]:
    """A thread's user message split into who said what: people, or other agents. Text in no
    `<message>` frame (a test's bare words, say) is a person's."""
    said: list[tuple[Speaker, str]] = []
    for frame in frames(text):
        if frame.tag == "message":
            kind: Speaker = "agent" if frame.get("speaker") == "agent" else "human"
            said.append((kind, frame.text or ""))
    if not said and text.strip() and not frames(text):
        said.append(("human", text))
    return said


def refusal_reason(result: str) -> str:
    """A refused call's reason, its first sentence, for saying it to a person."""
    frame = _first(result, "refusal")
    reason = (frame.text or "") if frame is not None else result
    return reason.strip().split(". ")[0].rstrip(".")


# --- campaigns (jobs/campaigns/analysis.py) ------------------------------------------------


def forced_tool(body: dict[str, Any]) -> str | None:
    """The tool the product made this turn call (`tool_choice` of type tool), if any."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        return str(choice.get("name"))
    return None


@dataclass(frozen=True)
class CampaignAsk:
    """A campaign's frames: the brief, and for a plan the dates, shape and pattern template."""

    brief: str
    start: str = ""
    end: str = ""
    shape: str = ""
    template: str = ""  # the matched pattern's template as JSON ("" when none matched)


def campaign_ask(body: dict[str, Any]) -> CampaignAsk | None:
    """The campaign frames of the turn's first message (a repair turn keeps them there)."""
    text = first_user_text(body)
    campaign = _first(text, "campaign")
    if campaign is None:
        return None
    dates = _first(text, "dates")
    decision = _first(text, "decision")
    template = _first(text, "pattern_template")
    return CampaignAsk(
        brief=_child_text(campaign, "brief"),
        start=dates.get("start", "") if dates is not None else "",
        end=dates.get("end", "") if dates is not None else "",
        shape=decision.get("shape", "") if decision is not None else "",
        template=(template.text or "") if template is not None else "",
    )


# --- rituals (jobs/rituals/) ----------------------------------------------------------------


@dataclass(frozen=True)
class StandupTask:
    """A task named in a standup frame: its id, title and, for a blocker, what it waits on."""

    id: str
    title: str
    due: str = ""
    waiting_on: str = ""


@dataclass(frozen=True)
class StandupAgent:
    """One agent's facts in the standup phrasing request."""

    id: str
    name: str
    completed: tuple[StandupTask, ...]
    working_on: tuple[StandupTask, ...]
    blocked: tuple[StandupTask, ...]


def standup_agents(body: dict[str, Any]) -> list[StandupAgent] | None:
    """The agents of the `<standup>` frame (jobs/rituals/standup_phrasing.py), or None."""
    standup = _first(first_user_text(body), "standup")
    if standup is None:
        return None
    return [
        StandupAgent(
            id=agent.get("id", ""),
            name=agent.get("name", ""),
            completed=_standup_tasks(agent.find("completed")),
            working_on=_standup_tasks(agent.find("working_on")),
            blocked=_standup_tasks(agent.find("blocked")),
        )
        for agent in standup.findall("agent")
    ]


def remembered_standup_tasks(body: dict[str, Any]) -> list[StandupTask]:
    """The tasks this agent named at the standup: the `<standup_tasks>` frame of its own
    update, which the thread's memory gives back as its earlier (assistant) message."""
    found: list[StandupTask] = []
    for message in body.get("messages") or []:
        if message.get("role") != "assistant":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        for block in blocks:
            if isinstance(block, dict) and block.get("type") == "text":
                frame = _first(str(block.get("text", "")), "standup_tasks")
                found += _standup_tasks(frame)
    return found


def _standup_tasks(frame: ElementTree.Element | None) -> tuple[StandupTask, ...]:
    if frame is None:
        return ()
    return tuple(
        StandupTask(
            id=task.get("id", ""),
            title=task.text or "",
            due=task.get("due", ""),
            waiting_on=task.get("waiting_on", ""),
        )
        for task in frame.findall("task")
    )


@dataclass(frozen=True)
class OpenTask:
    id: str
    agent: str
    title: str
    due: str = ""
    overdue: bool = False


REVIEW_FRAMES = ("week", "monthly_review", "quarterly_planning")


@dataclass(frozen=True)
class ReviewAsk:
    """A review's frames (jobs/rituals/): the figures, the open work, the decision types."""

    review: str  # the frames' tag: week, monthly_review, quarterly_planning
    figures: tuple[tuple[str, str], ...]  # (name, value as the post shows it)
    open_work: tuple[OpenTask, ...] = ()
    decision_types: tuple[str, ...] = ()


def review_ask(body: dict[str, Any]) -> ReviewAsk | None:
    """The frames of a weekly planning (`week`), monthly review (`monthly_review`) or
    quarterly planning (`quarterly_planning`) call."""
    text = first_user_text(body)
    review = next((frame for frame in frames(text) if frame.tag in REVIEW_FRAMES), None)
    if review is None:
        return None
    return ReviewAsk(
        review=review.tag,
        figures=tuple(
            (figure.get("name", ""), figure.text or "") for figure in review.iter("figure")
        ),
        open_work=tuple(
            OpenTask(
                id=task.get("id", ""),
                agent=task.get("agent", ""),
                title=task.text or "",
                due=task.get("due", ""),
                overdue=task.get("overdue") == "yes",
            )
            for task in review.iter("task")
        ),
        decision_types=tuple(kind.get("id", "") for kind in review.iter("type")),
    )
