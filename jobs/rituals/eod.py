"""The VP Marketing's end-of-day summary to the CMO in #mkt-leadership (design §5.3): the
day's output (work finished, each with a link to its thread), what slipped (work due today
or earlier and not finished), the decisions taken, and the day's LLM spend.

Built from the records without a model call: it is a list of real tasks and decisions,
which plain formatting states exactly; nothing in it is invented or rounded by a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bots.roster import Roster
from jobs.rituals import figures, periods
from jobs.rituals.review_post import post, section, thread_link
from jobs.rituals.where import review_channel, review_config, workspace_zone
from jobs.runtime import Runtime
from jobs.slack.blocks import context, header
from jobs.slack.text import Mrkdwn, is_user_id, join, md, mention
from models import metrics, review_rows
from models.rituals import RitualRun
from models.work import Decision, Task


@dataclass(frozen=True)
class DayFacts:
    done: list[Task]
    slipped: list[Task]
    decisions: list[Decision]
    spend: Decimal

    @property
    def quiet(self) -> bool:
        return not (self.done or self.slipped or self.decisions)


def hold_eod(rt: Runtime, run: RitualRun) -> str:
    """Ritual handler: post the end-of-day summary once for this run."""
    channel = review_channel(rt, run, "eod")
    if channel is None:
        return "no-channel"
    today = periods.day(run.local_date, workspace_zone(rt, run.team_id))
    with rt.sessions() as session:
        facts = DayFacts(
            done=review_rows.work_done(session, run.team_id, today),
            slipped=review_rows.work_slipped(session, run.team_id, run.local_date),
            decisions=review_rows.decisions_taken(session, run.team_id, today),
            spend=metrics.llm_spend(session, run.team_id, today),
        )
    text, blocks = render(rt, run.local_date, facts)
    post(rt, run, "eod", (channel, None), text, blocks)
    return "posted"


def render(rt: Runtime, local: date, facts: DayFacts) -> tuple[Mrkdwn, list[dict[str, Any]]]:
    limit = review_config(rt).limits.listed_tasks
    cmo = rt.roster.by_id.get("cmo")
    title = f"End of day · {local:%a} {local.day} {local:%b}"
    opening = md(
        "To the {cmo}: {summary}",
        cmo=cmo.display_name if cmo else "CMO",
        summary="a quiet day: nothing finished, nothing slipped, nothing was decided."
        if facts.quiet
        else "here is the day.",
    )
    parts = [
        opening,
        _list("Done today", [_task_line(rt, task) for task in facts.done], limit),
        _list("Slipped", [_slipped_line(rt.roster, task) for task in facts.slipped], limit),
        _list("Decisions", [_decision_line(rt.roster, d) for d in facts.decisions], limit),
        md("*LLM spend today* {spend}", spend=figures.usd(facts.spend)),
    ]
    shown = [part for part in parts if part]
    blocks = [header(title), *[section(part) for part in shown]]
    blocks.append(context(md("{n} done · {s} slipped · {d} decided", **_counts(facts))))
    return join("\n\n", [md("*{title}*", title=title), *shown]), blocks


def _counts(facts: DayFacts) -> dict[str, int]:
    return {"n": len(facts.done), "s": len(facts.slipped), "d": len(facts.decisions)}


def _list(title: str, lines: list[Mrkdwn], limit: int) -> Mrkdwn:
    if not lines:
        return Mrkdwn("")
    more = [md("…and {n} more", n=len(lines) - limit)] if len(lines) > limit else []
    return join("\n", [md("*{title}*", title=title), *lines[:limit], *more])


def _agent(roster: Roster, agent_id: str) -> str:
    agent = roster.by_id.get(agent_id)
    return agent.display_name if agent else agent_id


def _task_line(rt: Runtime, task: Task) -> Mrkdwn:
    return md(
        "• {who}: {title} · {thread}",
        who=_agent(rt.roster, task.assigned_to),
        title=task.title,
        thread=thread_link(rt, task.team_id, task.channel_id, task.thread_ts, "thread"),
    )


def _slipped_line(roster: Roster, task: Task) -> Mrkdwn:
    due = task.due_date
    return md(
        "• {who}: {title} (due {due}, {status})",
        who=_agent(roster, task.assigned_to),
        title=task.title,
        due=f"{due:%a} {due.day} {due:%b}" if due else "",
        status=task.status.replace("_", " "),
    )


def _decision_line(roster: Roster, decision: Decision) -> Mrkdwn:
    maker = decision.decision_maker
    who: Mrkdwn | str = mention(maker) if is_user_id(maker) else _agent(roster, maker)
    return md(
        "• {who}: {decision} ({context})",
        who=who,
        decision=decision.decision,
        context=decision.context or decision.type,
    )
