"""The `record_decision` tool: a decision within the caller's authority, documented (design
§3.3) and listed in the thread; one outside it is refused with where to escalate.

Every record names the Slack user whose request led to it. Where the authority table says a
decision type needs a person, the agent's decision stands only if that user may approve it
(bots/approvals.toml); on anyone else's behalf it becomes an approval card instead, so a
guest cannot have the CMO allocate budget by asking."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bots.roster import HUMAN
from bots.tools import RecordDecision, SubmitForApproval, check_call, parse_as
from jobs.claude.client import ToolUse
from jobs.department.delegation import persona
from jobs.department.tool_handler import ToolHandler
from jobs.slack.people import LookupFailed, may_decide
from jobs.slack.post_once import ReplyTarget, ReplyWriter
from jobs.slack.text import Mrkdwn, join, md
from jobs.workspace import approvals_for
from models import turns
from models.base import new_id
from models.work import Decision, Task

logger = logging.getLogger(__name__)
# What the agent is told to do once a person approved its decision: the approval is the
# record (a decision record by the approver), so recording it again would ask again.
APPROVED_DECISION = (
    "it is on record as the approver's decision, so do not record it again; carry out its actions"
)
DRAFT_CHARS = 12000  # what a submitted draft may hold (bots/tools.py SubmitForApproval)


def decision_text(decision: Decision, label: str) -> Mrkdwn:
    """The decision as listed in the thread; every piece of it is the agent's text."""
    lines = [
        md("*Decision* ({label}): {decision}", label=label, decision=decision.decision),
        md("_Why:_ {why}", why=decision.reasoning),
    ]
    for action in decision.actions:
        due = f" (due {action['due']})" if action.get("due") else ""
        lines.append(
            md("• {who}: {what}{due}", who=action["assignee"], what=action["action"], due=due)
        )
    return join("\n", lines)


@dataclass
class DecisionRecorder(ToolHandler):
    """Handles a turn's `record_decision` calls."""

    ask_person: Callable[[SubmitForApproval], str]  # a card for the approvers, see jobs/approvals

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        args = parse_as(use.name, use.input, RecordDecision)
        if isinstance(args, str):
            return args, True
        refusal = self._refusal(args)
        if refusal is not None:
            return refusal, True
        task = self.ensure_parent()
        with self.rt.sessions() as session:
            requester = turns.requester(session, task.team_id, task.origin_turn_id)
        if self.rt.authority.rule(args.type).needs_person and not self._may_approve(
            task.team_id, args.type, requester
        ):
            logger.info(
                "Decision %s by %s on behalf of %r goes to the approvers",
                args.type,
                self.caller.id,
                requester or "nobody",
            )
            return self._as_card(args, requester), False
        return self._record(task, args, requester), False

    def _refusal(self, args: RecordDecision) -> str | None:
        refusal = check_call(args, self.caller, self.rt.roster, self.rt.authority)
        unknown = [
            a.assignee
            for a in args.actions
            if a.assignee not in self.rt.roster.by_id and a.assignee != HUMAN
        ]
        if refusal is None and unknown:
            names = ", ".join(unknown)
            refusal = f"Refused: unknown assignee(s) {names}; use agent ids from the directory."
        return refusal

    def _record(self, task: Task, args: RecordDecision, requester: str) -> str:
        decision = Decision(
            id=new_id(),
            team_id=task.team_id,
            task_id=task.id,
            decision_maker=self.caller.id,
            type=args.type,
            context=task.title,
            decision=args.decision,
            reasoning=args.reasoning,
            actions=[a.model_dump(mode="json") for a in args.actions],
            approval_chain=[self.caller.id],
            escalated=False,
            requested_by=requester,
        )
        with self.rt.sessions() as session:
            session.add(decision)
            session.commit()
        label = self.rt.authority.rule(args.type).label
        target = ReplyTarget(task.team_id, f"d{decision.id[:31]}", *self.origin)
        writer = ReplyWriter(
            self.rt.slack_for(task.team_id),
            self.rt.sessions,
            target,
            persona(self.caller),
            min_interval_s=0,
        )
        writer.render(decision_text(decision, label), final=True)
        return f"Recorded decision {decision.id} and listed it in the thread."

    def _may_approve(self, team_id: str, decision_type: str, user_id: str) -> bool:
        """Whether the person who asked may approve this decision type themselves; if Slack
        cannot tell us, they may not (the card lets an approver decide)."""
        if not user_id:
            return False
        try:
            config = approvals_for(self.rt, team_id)
            return may_decide(self.rt.people, team_id, config, decision_type, user_id)
        except LookupFailed as failed:
            logger.warning("Cannot check approver %s: %s", user_id, failed.message)
            return False

    def _as_card(self, args: RecordDecision, requester: str) -> str:
        label = self.rt.authority.rule(args.type).label
        lines = [f"{label}, as the {self.caller.display_name} would decide it:", args.decision]
        lines += ["", f"Why: {args.reasoning}"]
        lines += [f"- {a.assignee}: {a.action}" for a in args.actions]
        submitted = self.ask_person(
            SubmitForApproval(
                action_type=args.type,
                title=f"{label}: {args.decision}"[:150],
                draft="\n".join(lines)[:DRAFT_CHARS],
                on_approval=APPROVED_DECISION,
            )
        )
        asker = f"<@{requester}>" if requester else "nobody in particular"
        return (
            f"Not recorded yet: {label.lower()} needs a person, and this was asked by {asker}, "
            f"who may not approve it. {submitted}"
        )
