"""The standup's messages as Block Kit: the VP's opener, each agent's update, the VP's close.

Everything factual is built here from the facts (titles, links, due dates, who and since
when, the buttons); the model's sentences only lead each point and are escaped like any
text. A blocker that waits on a person carries the button that resolves it: the approval
card's own Approve / Request changes / Reject (handled by handlers/approvals.py, by the
approval's id), or Open card and Nudge for an escalation (handlers/standup_buttons.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from bots.roster import Roster
from jobs.approvals.cards import ACTIONS as APPROVAL_ACTIONS
from jobs.rituals.standup_facts import AgentFacts, Blocker, TaskFact, silent
from jobs.rituals.standup_ids import NUDGE, OPEN_CARD
from jobs.rituals.standup_phrasing import AgentUpdate
from jobs.slack.blocks import button, context, header
from jobs.slack.text import Mrkdwn, Text, join, link, md, mrkdwn_text

LinkTo = Callable[[tuple[str, str] | None], str | None]  # (channel, ts) → permalink
SECTION_CHARS = 3000
MAX_PRIORITIES = 5
MAX_BUTTON_ROWS = 10  # Slack allows 50 blocks; the close keeps room for its sections
POINTS = ("Completed since the last standup", "Working on today", "Blockers and requests")


def day_label(day: date) -> str:
    """'Tue 14 Jan', the way the issue names a standup."""
    return f"{day:%a} {day.day} {day:%b}"


def opener(day: date, facts: Sequence[AgentFacts], roster: Roster) -> tuple[Mrkdwn, list[Any]]:
    title = f"Daily standup · {day_label(day)}"
    blocks: list[dict[str, Any]] = [header(title)]
    for entry in facts:
        if entry.has_news:
            counts = md(
                "*{name}* · {done} done · {doing} in progress · {blocked} blocked",
                name=roster.get(entry.agent_id).display_name,
                done=len(entry.completed),
                doing=len(entry.in_progress),
                blocked=len(entry.blockers),
            )
            blocks.append({"type": "section", "text": mrkdwn_text(counts)})
    quiet = no_updates(facts, roster)
    if quiet:
        blocks.append({"type": "section", "text": mrkdwn_text(quiet)})
    blocks.append(
        context(
            "Updates follow in this thread. Reply here to talk to an agent, e.g. "
            "“copywriter: push the case study to Friday”."
        )
    )
    return md("{title}", title=title), blocks


def no_updates(facts: Sequence[AgentFacts], roster: Roster) -> Mrkdwn | None:
    names = [roster.get(agent_id).display_name for agent_id in silent(facts)]
    return md("No updates: {names}", names=", ".join(names)) if names else None


def agent_reply(
    entry: AgentFacts, update: AgentUpdate | None, roster: Roster, link_to: LinkTo
) -> tuple[Mrkdwn, list[Any]]:
    """The agent's three points: its words (if checked) over the facts code lists."""
    said = update or AgentUpdate(agent=entry.agent_id)
    points: list[tuple[str, str, list[Mrkdwn]]] = [
        (POINTS[0], said.completed, [_task_line(f, link_to) for f in entry.completed]),
        (POINTS[1], said.today, [_task_line(f, link_to) for f in entry.in_progress]),
        (POINTS[2], said.blockers, [_blocker_line(b, roster, link_to) for b in entry.blockers]),
    ]
    pieces: list[Mrkdwn] = []
    blocks: list[dict[str, Any]] = []
    for title, words, lines in points:
        if not lines:
            continue
        lead = md("*{title}*\n", title=title)
        if words:
            lead = md("{lead}{words}\n", lead=lead, words=words)
        text = md("{lead}{lines}", lead=lead, lines=join("\n", lines)).cut(SECTION_CHARS)
        pieces.append(text)
        blocks.append({"type": "section", "text": mrkdwn_text(text)})
    for index, blocker in enumerate(entry.blockers[:MAX_BUTTON_ROWS]):
        row = blocker_buttons(blocker, index, link_to)
        if row is not None:
            blocks.append(row)
    return join("\n\n", pieces), blocks


def blocker_buttons(blocker: Blocker, index: int, link_to: LinkTo) -> dict[str, Any] | None:
    """The buttons that resolve a blocker waiting on a person (None for one on an agent)."""
    if blocker.kind == "approval" and blocker.approval_id:
        elements = [
            button("Approve", APPROVAL_ACTIONS["approve"], blocker.approval_id, style="primary"),
            button("Request changes", APPROVAL_ACTIONS["changes"], blocker.approval_id),
            button("Reject", APPROVAL_ACTIONS["reject"], blocker.approval_id, style="danger"),
        ]
    elif blocker.kind == "escalation" and blocker.escalation_id:
        elements = [button("Nudge", NUDGE, blocker.escalation_id)]
        url = link_to(blocker.card)
        if url is not None:
            elements.insert(0, button("Open card", OPEN_CARD, blocker.escalation_id) | {"url": url})
    else:
        return None
    return {"type": "actions", "block_id": f"standup-blocker-{index}", "elements": elements}


def closing(
    day: date,
    facts: Sequence[AgentFacts],
    resolved: Sequence[TaskFact],
    roster: Roster,
    link_to: LinkTo,
) -> tuple[Mrkdwn, list[Any]]:
    """The VP's close: the day's priorities, blockers resolved or escalated, and what waits
    on people, each with a link (and the buttons that resolve it)."""
    owned = [(f, e.agent_id) for e in facts for f in e.in_progress]
    owned.sort(key=lambda pair: (_rank(pair[0]), pair[0].due or date.max))
    priorities = [
        md("{line} · {who}", line=_task_line(f, link_to), who=roster.get(agent).display_name)
        for f, agent in owned[:MAX_PRIORITIES]
    ]
    blockers = [b for e in facts for b in e.blockers]
    on_agents = [_blocker_line(b, roster, link_to) for b in blockers if not b.on_person]
    on_people = [b for b in blockers if b.on_person]
    sections: list[tuple[str, list[Mrkdwn]]] = [
        ("Today's priorities", priorities),
        ("Blockers resolved since the last standup", [_task_line(f, link_to) for f in resolved]),
        ("Blockers escalated, waiting on an agent", on_agents),
        ("Waiting on people", [_blocker_line(b, roster, link_to) for b in on_people]),
    ]
    title = f"Standup wrap-up · {day_label(day)}"
    blocks: list[dict[str, Any]] = [header(title)]
    for name, lines in sections:
        shown: Text = join("\n", lines) if lines else "Nothing."
        text = md("*{name}*\n{lines}", name=name, lines=shown).cut(SECTION_CHARS)
        blocks.append({"type": "section", "text": mrkdwn_text(text)})
    for index, blocker in enumerate(on_people[:MAX_BUTTON_ROWS]):
        row = blocker_buttons(blocker, index, link_to)
        if row is not None:
            blocks.append(row)
    speaking = sum(1 for entry in facts if entry.has_news)
    blocks.append(context(md("{n} of {all} agents reported.", n=speaking, all=len(facts))))
    summary = md(
        "{title}: {p} priorities, {w} waiting on people",
        title=title,
        p=len(owned),
        w=len(on_people),
    )
    return summary, blocks


def _rank(fact: TaskFact) -> int:
    return {"urgent": 0, "high": 1, "normal": 2, "low": 3}.get(fact.priority, 2)


def _task_line(fact: TaskFact, link_to: LinkTo) -> Mrkdwn:
    url = link_to(fact.where)
    title = link(url, fact.title) if url else md("{title}", title=fact.title)
    line = md("• {title}", title=title)
    if fact.due is not None:
        line = md("{line} · due {due}", line=line, due=day_label(fact.due))
    if fact.priority in ("high", "urgent"):
        line = md("{line} · _{priority}_", line=line, priority=fact.priority)
    return line


def _blocker_line(blocker: Blocker, roster: Roster, link_to: LinkTo) -> Mrkdwn:
    since = day_label(blocker.since.date())
    line = _task_line(blocker.task, link_to)
    if blocker.kind == "agent":
        who = roster.by_id.get(blocker.agent_id or "")
        name = who.display_name if who else (blocker.agent_id or "another agent")
        return md("{line}: waiting on *{name}* since {since}", line=line, name=name, since=since)
    what = "approval card" if blocker.kind == "approval" else "escalation"
    url = link_to(blocker.card)
    card = md(" · {card}", card=link(url, "open the card")) if url else ""
    return md(
        "{line}: {what} waiting on a person since {since}{card}",
        line=line,
        what=what,
        since=since,
        card=card,
    )
