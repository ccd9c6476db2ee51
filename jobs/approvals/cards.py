"""The approval card a person sees in the thread, and the modal that shows a long draft.

A draft is never cut silently: up to `INLINE_CHARS` it is on the card; beyond that the card
shows its opening, says how much more there is, and a button opens the whole draft in a
modal. While it waits, the card names (and so notifies) who can decide; once decided, the
outcome is the line under its title ("✅ Approved by @maria") and the buttons are gone. A
version after the first says what changed and which reviewers saw it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bots.approvers import CAMPAIGN_BUDGET
from bots.roster import Roster
from jobs.slack.blocks import button, context, header
from jobs.slack.text import (
    Mrkdwn,
    Text,
    as_mrkdwn,
    date,
    escape,
    is_user_id,
    join,
    md,
    mention,
    mrkdwn_text,
    safe_cut,
    unescape,
)
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
    ApprovalStatus.CHANGES_REQUESTED: ":leftwards_arrow_with_hook:",
    ApprovalStatus.REJECTED: ":no_entry:",
    ApprovalStatus.EXPIRED: ":hourglass:",
}
OUTCOME_BLOCK = "outcome"  # the block under the title that says what became of the card
VERBS = {status.value: f"{mark} {DECISION_LABELS[status]}" for status, mark in MARKS.items()}
LABEL_MARKS = {DECISION_LABELS[status]: mark for status, mark in MARKS.items()}  # by record


def slack_time(moment: datetime) -> Mrkdwn:
    """Shown in each reader's own time zone by Slack; the fallback is UTC."""
    return date(moment)


def who(decided_by: str, roster: Roster) -> Text:
    """For a card: an agent's name (raw text), or a person's mention built here."""
    agent = roster.by_id.get(decided_by)
    if agent is not None:
        return agent.display_name
    if is_user_id(decided_by):
        return mention(decided_by)
    return decided_by


def named(decided_by: str, roster: Roster) -> str:
    """For a model to read: an agent's name, or a person as `<@U…>` (the form people have in
    the messages it reads). Escaped like any text wherever it is shown."""
    shown = who(decided_by, roster)
    return shown.text if isinstance(shown, Mrkdwn) else shown


def state_line(approval: Approval, roster: Roster, *, superseded_by: int | None = None) -> Mrkdwn:
    """'Approved by @maria at 14:02', with the feedback or reason when there is one."""
    parts: list[str] = []
    if approval.status in VERBS:
        line = escape(VERBS[approval.status])
        if approval.decided_by and approval.status != ApprovalStatus.EXPIRED.value:
            line += md(" by {who}", who=who(approval.decided_by, roster)).text
        if approval.decided_at is not None:
            line += md(" at {when}", when=slack_time(approval.decided_at)).text
        if approval.feedback:
            line += md(": {feedback}", feedback=approval.feedback).text
        parts.append(line)
    if superseded_by is not None or approval.status == ApprovalStatus.SUPERSEDED.value:
        newer = f"version {superseded_by}" if superseded_by else "a newer version"
        parts.append(f":arrows_counterclockwise: Superseded by {newer}; use the newest card.")
    return Mrkdwn("\n".join(parts)).cut(2900) or Mrkdwn("Closed.")


def card_text(approval: Approval, label: str, deciders: Mrkdwn | None = None) -> Mrkdwn:
    """The message text (what a notification shows): with `deciders`, the mentions that
    notify the people who can decide."""
    text = md(
        "Approval needed: {label} “{title}” (version {version})",
        label=label,
        title=approval.title,
        version=approval.version,
    )
    if deciders is not None:
        text = md("{text} · {who} can decide", text=text, who=deciders)
    return text.cut(3000)


def card_blocks(
    approval: Approval,
    roster: Roster,
    label: str,
    *,
    state: Text | None = None,
    deciders: Mrkdwn | None = None,
) -> list[dict[str, Any]]:
    """The card: while it waits, who can decide and the buttons; with `state` (decided,
    superseded) that line goes under the title and the buttons are gone."""
    drafted = who(approval.drafted_by, roster)
    submitted = who(approval.submitted_by, roster)
    byline = md(
        "{label} · version {version} · drafted by *{drafted}*",
        label=label,
        version=approval.version,
        drafted=drafted,
    )
    if approval.submitted_by and approval.submitted_by != approval.drafted_by:
        byline = md("{byline} · submitted by *{submitted}*", byline=byline, submitted=submitted)
    byline = md("{byline} · type `{type}`", byline=byline, type=approval.action_type)
    draft = escape(approval.draft)
    blocks: list[dict[str, Any]] = [header(f"Approval: {approval.title}")]
    if state is not None:
        outcome = as_mrkdwn(state).cut(3000)
        blocks.append({"type": "section", "block_id": OUTCOME_BLOCK, "text": mrkdwn_text(outcome)})
    blocks.append(context(byline))
    if approval.version > 1:
        blocks.append({"type": "section", "text": mrkdwn_text(what_changed(approval, roster))})
    blocks.append({"type": "section", "text": mrkdwn_text(Mrkdwn(_inline_draft(draft)))})
    long_draft = len(draft) > INLINE_CHARS
    if long_draft:
        blocks.append(
            context(
                f"Showing the opening {_shown(draft):,} of {len(approval.draft):,} "
                "characters: *Read the full draft* shows it all."
            )
        )
    if approval.notes:
        lines = "\n".join(_note_line(note, roster).text for note in approval.notes)
        title = "*Reviews*" if approval.version == 1 else f"*Reviews of version {approval.version}*"
        reviews = Mrkdwn(f"{title}\n{lines}").cut(3000)
        blocks.append({"type": "section", "text": mrkdwn_text(reviews)})
    if approval.on_approval:
        on_approval = md("*On approval:* {what}", what=approval.on_approval).cut(3000)
        blocks.append({"type": "section", "text": mrkdwn_text(on_approval)})
    if state is None and deciders is not None:
        blocks.append(context(md(":bell: Can decide: {who}", who=deciders)))
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
    return blocks


def what_changed(approval: Approval, roster: Roster) -> Mrkdwn:
    """A later version's news: the reviser's summary, and whether agents reviewed it again."""
    summary = approval.changes or "The author did not say what changed."
    if approval.notes:
        again = [
            who(str(n.get("by", "")), roster)
            for n in approval.notes
            if n.get("verdict") == "approve"
        ]
        names = join(", ", again) if again else ""
        reviewed = (
            md("Reviewed again: approved by {names}.", names=names)
            if again
            else Mrkdwn("Reviewed again (see below).")
        )
    elif approval.at_human_step:
        reviewed = Mrkdwn("Not reviewed again: it came straight back to a person.")
    else:
        reviewed = Mrkdwn("With the reviewers again.")
    return md(
        ":arrows_counterclockwise: *What changed in version {version}:* {summary}\n{reviewed}",
        version=approval.version,
        summary=summary,
        reviewed=reviewed,
    ).cut(3000)


def draft_modal(approval: Approval, label: str) -> dict[str, Any]:
    """The whole draft, in sections of at most SECTION_CHARS, split at paragraph breaks."""
    chunks = split_text(escape(approval.draft), SECTION_CHARS)[: MODAL_BLOCKS - 1]
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
        md(
            "The author revises *{title}* and posts version {next}.",
            title=approval.title,
            next=approval.version + 1,
        )
        if changes
        else md("*{title}* will be closed and the requester told.", title=approval.title)
    )
    budget = approval.action_type == CAMPAIGN_BUDGET
    rejecting, submit = ("Stop campaign", "Stop") if budget else ("Reject draft", "Reject")
    if budget and not changes:
        intro = md("The campaign is cancelled and its report posted.")
    return {
        "type": "modal",
        "callback_id": "approval-decision",
        "private_metadata": f"{approval.id}:{mode}",
        "title": {"type": "plain_text", "text": "Request changes" if changes else rejecting},
        "submit": {"type": "plain_text", "text": "Send" if changes else submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "section", "text": mrkdwn_text(intro.cut(3000))}, block],
    }


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of escaped text of at most `limit` characters, cut at a paragraph or line
    break when possible, never inside an entity."""
    pieces = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = safe_cut(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        pieces.append(rest)
    return pieces


def _inline_draft(draft: str) -> str:
    """The escaped draft, or its opening when it is too long for the card."""
    if len(draft) <= INLINE_CHARS:
        return draft
    return split_text(draft, INLINE_CHARS - 2)[0] + " …"


def _shown(draft: str) -> int:
    """How many of the draft's own characters the card shows (entities count as one)."""
    return len(unescape(split_text(draft, INLINE_CHARS - 2)[0]))


def _note_line(note: dict[str, Any], roster: Roster) -> Mrkdwn:
    mark = {"approve": ":white_check_mark:", "none": ":grey_question:"}.get(
        str(note.get("verdict")), "•"
    )
    by = who(str(note.get("by", "")), roster)
    return md("{mark} *{by}*: {text}", mark=mark, by=by, text=str(note.get("text", ""))).cut(600)
