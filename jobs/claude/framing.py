"""The framing around what a turn's messages carry: XML-style tags with attributes.

Why tags: Anthropic's prompt guidance recommends tagging structured inputs, so the model can
tell the task header, a report's deliverable, a reviewer's feedback or who spoke in a thread
from the words inside them; and a stand-in (the sandbox's scripted department) reads the same
structure without depending on any sentence's wording. The instruction sentences around the
frames stay with the jobs that write them.

Text inside a frame and attribute values are escaped (`&`, `<`, `>`, and `"` in attributes),
so nothing a person or a model wrote can open, close or forge a tag: a frame parses back, with
any XML parser, to exactly the text that went in. A `Frame` is markup built here; anything
else handed to `tag` is text and is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping

from bots.roster import Roster
from models.work import Task

AttrValue = str | int | None


class Frame(str):
    """Markup built by `tag`: nested as is inside another frame, never escaped again."""

    __slots__ = ()


def escape_text(text: str) -> str:
    """Text content: `&` first, then the brackets (a parser needs only `&` and `<`; `>` too,
    so no `]]>` or lookalike survives)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    """An attribute value, to go between double quotes; line breaks kept as references so a
    parser does not fold them into spaces."""
    escaped = escape_text(value).replace('"', "&quot;")
    return escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def tag(name: str, *content: str, attrs: Mapping[str, AttrValue] | None = None) -> Frame:
    """`<name a="…">content</name>`. Attributes that are None are left out. With nested
    frames the children go on lines of their own (easier for a model to read); plain text
    stays inline."""
    pairs = "".join(
        f' {key}="{escape_attr(str(value))}"'
        for key, value in (attrs or {}).items()
        if value is not None
    )
    parts = [part if isinstance(part, Frame) else escape_text(part) for part in content]
    if any(isinstance(part, Frame) for part in content):
        inner = "\n" + "\n".join(parts) + "\n"
    else:
        inner = "".join(parts)
    return Frame(f"<{name}{pairs}>{inner}</{name}>")


def join(*pieces: str) -> str:
    """Frames and instruction sentences as one message, a blank line between pieces."""
    return "\n\n".join(piece for piece in pieces if piece)


# --- the frames jobs/ writes ---------------------------------------------------------------


def task_frame(
    kind: str,
    *,
    requester: str,
    priority: str,
    title: str,
    brief: str,
    due: str | None = None,
) -> Frame:
    """A task turn's header: what kind of task, from whom, how urgent, and its words."""
    return tag(
        "task",
        tag("title", title),
        tag("brief", brief),
        attrs={"kind": kind, "from": requester, "priority": priority, "due": due},
    )


def requester_name(roster: Roster, task: Task) -> str:
    """Who asked for a task: the delegating agent, or a person (a request's task)."""
    requester = roster.by_id.get(task.created_by)
    return requester.display_name if requester else "a person in Slack"


def task_header(roster: Roster, task: Task) -> Frame:
    """A stored task as its header frame (its kind from `task.details`)."""
    return task_frame(
        task.details.kind,
        requester=requester_name(roster, task),
        priority=task.priority,
        title=task.title,
        brief=task.brief,
        due=task.due_date.isoformat() if task.due_date else None,
    )


def deliverable(*, kind: str, agent: str, name: str, status: str, title: str, text: str) -> Frame:
    """One report's work, as its manager's synthesis reads it."""
    attrs = {"kind": kind, "agent": agent, "name": name, "status": status, "title": title}
    return tag("deliverable", text, attrs=attrs)


def escalation_answer(
    *, answered_by: str, status: str, text: str, verdict: str | None = None, user: str | None = None
) -> Frame:
    """The answer to an escalation: from an agent above, or a person's (their verdict and
    Slack user id as attributes)."""
    attrs = {"from": answered_by, "status": status, "verdict": verdict, "user": user}
    return tag("escalation_answer", text, attrs=attrs)


def approval_step(*, status: str, text: str) -> Frame:
    """An approval step that finished earlier in this task (its outcome, in a synthesis)."""
    return tag("approval_step", text, attrs={"status": status})


def approval_decision(
    *,
    outcome: str,
    action: str,
    version: int,
    decided_by: str,
    title: str,
    feedback: str | None = None,
    draft: str | None = None,
    on_approval: str | None = None,
) -> Frame:
    """What was decided about a submitted draft: `approved`, `changes` (with the feedback and
    the draft it was about), `rejected` or `not_decided` (with the reason, if any)."""
    children = [tag("title", title)]
    for name, value in (("feedback", feedback), ("on_approval", on_approval), ("draft", draft)):
        if value is not None:
            children.append(tag(name, value))
    attrs: dict[str, AttrValue] = {
        "outcome": outcome,
        "action": action,
        "version": version,
        "by": decided_by,
    }
    return tag("approval_decision", *children, attrs=attrs)


def approval_review(
    *,
    action: str,
    step: int,
    steps: int,
    version: int,
    drafted_by: str,
    title: str,
    on_approval: str,
    notes: list[tuple[str, str]],
    draft: str,
) -> Frame:
    """A draft in front of a reviewer: which step of how many (a person decides after the
    last), what it is, what happens on approval, the earlier reviewers' notes, the draft."""
    earlier = [tag("earlier_review", text, attrs={"by": by}) for by, text in notes]
    attrs: dict[str, AttrValue] = {
        "action": action,
        "step": step,
        "of": steps,
        "version": version,
        "drafted_by": drafted_by,
    }
    children = [tag("title", title), tag("on_approval", on_approval), *earlier, tag("draft", draft)]
    return tag("approval_review", *children, attrs=attrs)


def person_said(user_id: str, text: str) -> Frame:
    """A person's message in a thread (`user`: their Slack id)."""
    return tag("message", text, attrs={"speaker": "human", "user": user_id})


def agent_said(agent_id: str, name: str, text: str) -> Frame:
    """Another agent's message in a thread (the agent whose turn it is speaks as assistant)."""
    return tag("message", text, attrs={"speaker": "agent", "agent": agent_id, "name": name})


def refusal(tool: str, reason: str) -> Frame:
    """A refused tool call's result (sent with is_error=true): the tool and why."""
    return tag("refusal", reason.removeprefix("Refused: "), attrs={"tool": tool})
