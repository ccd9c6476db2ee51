"""The `record_decision` tool: a decision within the caller's authority, documented (design
§3.3) and listed in the thread; one outside it is refused with where to escalate."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bots.roster import HUMAN, Agent
from bots.tools import RecordDecision, check_call, parse_call
from jobs.delegation import persona
from jobs.llm import ToolUse
from jobs.runtime import Runtime
from jobs.slack_out import ReplyTarget, ReplyWriter
from jobs.slack_text import Mrkdwn, join, md
from models.base import new_id
from models.work import Decision, Task

logger = logging.getLogger(__name__)


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
class DecisionRecorder:
    rt: Runtime
    caller: Agent
    ensure_parent: Callable[[], Task]
    origin: tuple[str, str]

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        call = parse_call(use.name, use.input)
        args = call.arguments
        if call.refusal is not None or not isinstance(args, RecordDecision):
            return call.refusal or "Invalid record_decision call.", True
        refusal = check_call(args, self.caller, self.rt.roster, self.rt.authority)
        unknown = [
            a.assignee
            for a in args.actions
            if a.assignee not in self.rt.roster.by_id and a.assignee != HUMAN
        ]
        if refusal is None and unknown:
            names = ", ".join(unknown)
            refusal = f"Refused: unknown assignee(s) {names}; use agent ids from the directory."
        if refusal is not None:
            logger.info("Refused decision by %s: %s", self.caller.id, refusal)
            return refusal, True
        task = self.ensure_parent()
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
        )
        with self.rt.sessions() as session:
            session.add(decision)
            session.commit()
        label = self.rt.authority.rule(args.type).label
        target = ReplyTarget(task.team_id, f"d{decision.id[:31]}", *self.origin)
        writer = ReplyWriter(
            self.rt.slack, self.rt.sessions, target, persona(self.caller), min_interval_s=0
        )
        writer.render(decision_text(decision, label), final=True)
        return f"Recorded decision {decision.id} and listed it in the thread.", False
