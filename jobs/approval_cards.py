"""The approval card a person sees in the thread, and the modal that shows a long draft.

A draft is never cut silently: up to `INLINE_CHARS` it is on the card; beyond that the card
shows its opening, says how much more there is, and a button opens the whole draft in a
modal. Once decided, the buttons give way to one line saying who decided what, and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bots.roster import Roster
from jobs.blocks import button, context, header
from models.approvals import DECISION_LABELS, Approval, ApprovalStatus

INLINE_CHARS = 2800  # a section's text may hold 3,000
SECTION_CHARS = 2900
MODAL_BLOCKS = 100
ACTIONS = {
    "approve": "approval-approve",
    "changes": "approval-request-changes",
    "reject": "approval-reject",
    "view": "approval-view-draft",
}
MARKS = {
    ApprovalStatus.APPROVED: ":white_check_mark:",
    ApprovalStatus.CHANGES_REQUESTED: ":pencil2:",
    ApprovalStatus.REJECTED: ":x:",
    ApprovalStatus.EXPIRED: ":hourglass:",
}
VERBS = {status.value: f"{mark} {DECISION_LABELS[status]}" for status, mark in MARKS.items()}
LABEL_MARKS = {DECISION_LABELS[status]: mark for status, mark in MARKS.items()}  # by record


def slack_time(moment: datetime) -> str:
    """Shown in each reader's own time zone by Slack; the fallback is UTC."""
    return f"<!date^{int(moment.timestamp())}^{{time}}|{moment:%H:%M} UTC>"


def who(decided_by: str, roster: Roster) -> str:
    agent = roster.by_id.get(decided_by)
    if agent is not None:
        return agent.display_name
    if decided_by.startswith(("U", "W")):
        return f"<@{decided_by}>"
    return decided_by


def state_line(approval: Approval, roster: Roster, *, superseded_by: int | None = None) -> str:
    """'Approved by @maria at 14:02', with the feedback or reason when there is one."""
    parts = []
    if approval.status in VERBS:
        line = VERBS[approval.status]
        if approval.decided_by and approval.status != ApprovalStatus.EXPIRED.value:
            line += f" by {who(approval.decided_by, roster)}"
        if approval.decided_at is not None:
            line += f" at {slack_time(approval.decided_at)}"
        if approval.feedback:
            line += f": {approval.feedback}"
        parts.append(line)
    if superseded_by is not None or approval.status == ApprovalStatus.SUPERSEDED.value:
        newer = f"version {superseded_by}" if superseded_by else "a newer version"
        parts.append(f":arrows_counterclockwise: Superseded by {newer}; use the newest card.")
    return "\n".join(parts)[:2900] or "Closed."


def card_text(approval: Approval, label: str) -> str:
    return f"Approval needed: {label} “{approval.title}” (version {approval.version})"[:3000]


def card_blocks(
    approval: Approval, roster: Roster, label: str, *, state: str | None = None
) -> list[dict[str, Any]]:
    """The card; with `state` the buttons are replaced by that line (decided, superseded)."""
    drafted = who(approval.drafted_by, roster)
    submitted = who(approval.submitted_by, roster)
    byline = f"{label} · version {approval.version} · drafted by *{drafted}*"
    if approval.submitted_by and approval.submitted_by != approval.drafted_by:
        byline += f" · submitted by *{submitted}*"
    blocks: list[dict[str, Any]] = [
        header(f"Approval: {approval.title}"),
        context(byline),
        {"type": "section", "text": {"type": "mrkdwn", "text": _inline_draft(approval.draft)}},
    ]
    long_draft = len(approval.draft) > INLINE_CHARS
    if long_draft:
        blocks.append(
            context(
                f"Showing the opening {_shown(approval.draft):,} of {len(approval.draft):,} "
                "characters: *Read the full draft* shows it all."
            )
        )
    if approval.notes:
        lines = [_note_line(note, roster) for note in approval.notes]
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": ("*Reviews*\n" + "\n".join(lines))[:3000]},
            }
        )
    if approval.on_approval:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*On approval:* {approval.on_approval}"[:3000]},
            }
        )
    elements: list[dict[str, Any]] = []
    if state is None:
        elements = [
            button("Approve", ACTIONS["approve"], approval.id, style="primary"),
            button("Request changes", ACTIONS["changes"], approval.id),
            button("Reject", ACTIONS["reject"], approval.id, style="danger"),
        ]
    if long_draft:
        elements.append(button("Read the full draft", ACTIONS["view"], approval.id))
    if elements:
        blocks.append({"type": "actions", "block_id": "approval", "elements": elements})
    if state is not None:
        blocks.append(context(state))
    return blocks


def draft_modal(approval: Approval, label: str) -> dict[str, Any]:
    """The whole draft, in sections of at most SECTION_CHARS, split at paragraph breaks."""
    chunks = split_text(approval.draft, SECTION_CHARS)[: MODAL_BLOCKS - 1]
    blocks: list[dict[str, Any]] = [context(f"{label} · version {approval.version}")]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]
    return {
        "type": "modal",
        "callback_id": "approval-draft",
        "title": {"type": "plain_text", "text": "Full draft"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


def decision_modal(approval: Approval, mode: str) -> dict[str, Any]:
    """Request changes (feedback required) or Reject (reason optional)."""
    changes = mode == "changes"
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "text", "multiline": True}
    block: dict[str, Any] = {
        "type": "input",
        "block_id": "feedback",
        "label": {
            "type": "plain_text",
            "text": "What should change?" if changes else "Reason (optional)",
        },
        "element": element,
        "optional": not changes,
    }
    intro = (
        f"The author revises *{approval.title}* and posts version {approval.version + 1}."
        if changes
        else f"*{approval.title}* will be closed and the requester told."
    )
    return {
        "type": "modal",
        "callback_id": "approval-decision",
        "private_metadata": f"{approval.id}:{mode}",
        "title": {"type": "plain_text", "text": "Request changes" if changes else "Reject draft"},
        "submit": {"type": "plain_text", "text": "Send" if changes else "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": intro[:3000]}}, block],
    }


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph or line break when possible."""
    pieces = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        pieces.append(rest)
    return pieces


def _inline_draft(draft: str) -> str:
    if len(draft) <= INLINE_CHARS:
        return draft
    return split_text(draft, INLINE_CHARS - 2)[0] + " …"


def _shown(draft: str) -> int:
    return len(split_text(draft, INLINE_CHARS - 2)[0])


def _note_line(note: dict[str, Any], roster: Roster) -> str:
    mark = {"approve": ":white_check_mark:", "none": ":grey_question:"}.get(
        str(note.get("verdict")), "•"
    )
    return f"{mark} *{who(str(note.get('by', '')), roster)}*: {note.get('text', '')}"[:600]
