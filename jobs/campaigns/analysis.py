"""The advisor at work on a new campaign: factors from Claude, the decision in code, a plan
from Claude checked in code, then the campaign card (issue 17, from brief to plan card).

Claude is asked twice at most, each time offered one tool and made to call it:
`analyze_request` (the factors) and, for a workflow or a project, `propose_plan` with the
matched pattern's template, the roster and the action types as framed input. A plan that
fails `check_plan` is sent back once with the problems as an `is_error` tool_result; a second
failure is told to the person on the card. A direct delegation needs no second call: its
plan is one step for the right manager (`bots/hand_off.py`), and it runs at once, without an
approval click. Every call is priced and recorded against the campaign. Safe to run
twice: the campaign leaves `analyzing` by one guarded UPDATE, and the card is posted once
(a re-run, or a run on a campaign already past analysis, edits it).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from bots.advisor import Decision, decide
from bots.campaign_data import CampaignData
from bots.factors import ANALYZE_REQUEST, AnalyzeRequest, analyze_request_tool
from bots.gates import with_gates
from bots.hand_off import hand_off_plan, manager_for
from bots.learning import Outcome, PatternHistory, learn
from bots.patterns import instantiate
from bots.plan_checks import action_types, check_plan, problems_text
from bots.plans import PROPOSE_PLAN, Plan, SequentialPhase, propose_plan_tool
from errors import LlmGaveUp
from jobs.campaigns import cards
from jobs.claude import framing
from jobs.claude.client import ChatMessage, LlmAttempt, LlmRequest, stream_with_retries
from jobs.claude.usage import record_call
from jobs.queue import ADVANCE_CAMPAIGN, try_enqueue, turn_queue
from jobs.runtime import Runtime
from models import campaign_steps, campaigns
from models.campaigns import Campaign, CampaignStatus

logger = logging.getLogger(__name__)

ADVISOR = "vp_marketing"  # the campaign's owner in the roster: its persona asks and posts
PLANNED_APPROACHES = ("workflow_engine", "project_management")
DEFAULT_DAYS = 21  # a campaign's length when neither the brief nor a pattern gives one


def analyze(team_id: str, campaign_id: str) -> str:
    """Job ANALYZE_CAMPAIGN: analyse a campaign in `analyzing` and post its card (a re-run
    after that only shows the card again)."""
    from jobs import runtime

    return CampaignAnalysis(runtime.current()).run(team_id, campaign_id)


@dataclass(frozen=True)
class Proposal:
    """What the advisor made of a brief: factors, decision, and a plan or the reasons why not."""

    factors: AnalyzeRequest | None
    decision: Decision | None
    plan: dict[str, Any] | None
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    hands_off: bool = False  # a direct delegation: runs at once, nobody approves a plan


class CampaignAnalysis:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.data: CampaignData = rt.campaign_data
        self.advisor = rt.roster.get(ADVISOR)

    def run(self, team_id: str, campaign_id: str) -> str:
        with self.rt.sessions() as session:
            campaign = campaigns.load_campaign(session, team_id, campaign_id)
        if campaign is None:
            return "missing"
        if campaign.status == CampaignStatus.ANALYZING.value:
            self._save(campaign, self._propose(campaign))
        cards.show(self.rt, team_id, campaign_id)
        with self.rt.sessions() as session:
            status = campaigns.status_of(session, team_id, campaign_id) or "missing"
        if status == CampaignStatus.RUNNING:  # a hand-off: the engine starts it at once
            queue = turn_queue(self.rt.redis, self.rt.settings.queue_name)
            try_enqueue(queue, ADVANCE_CAMPAIGN, team_id, campaign_id)
        return status

    def _propose(self, campaign: Campaign) -> Proposal:
        try:
            factors = self._factors(campaign)
        except LlmGaveUp as gave_up:
            logger.warning("Campaign %s: analysis failed: %s", campaign.id, gave_up.reason)
            return Proposal(None, None, None, (cards.AI_DOWN,))
        if isinstance(factors, tuple):
            return Proposal(None, None, None, factors)
        histories = self._histories(campaign)
        decision = decide(factors, self.data.advisor, self.data.patterns, histories)
        if decision.approach == "direct_delegation":
            return self._hand_off(campaign, factors, decision)
        if decision.approach not in PLANNED_APPROACHES:
            return Proposal(factors, decision, None)
        try:
            return self._plan(campaign, factors, decision)
        except LlmGaveUp as gave_up:
            logger.warning("Campaign %s: planning failed: %s", campaign.id, gave_up.reason)
            return Proposal(factors, decision, None, (cards.AI_DOWN,))

    def _histories(self, campaign: Campaign) -> dict[str, PatternHistory]:
        """What this workspace's recorded outcomes say about each pattern (the advisor uses
        the matched one's): outcomes of other workspaces never count, nor those of campaigns
        that matched no pattern."""
        with self.rt.sessions() as session:
            rows = campaign_steps.outcomes(session, campaign.team_id)
            recorded = [
                Outcome(
                    pattern=row.pattern,
                    estimated_hours=row.estimated_hours,
                    actual_hours=row.actual_hours,
                    success=row.success,
                    satisfaction=row.satisfaction,
                    rework_needed=row.rework_needed,
                )
                for row in rows
                if row.pattern is not None
            ]
        return learn(recorded, self.data.advisor.learning)

    def _factors(self, campaign: Campaign) -> AnalyzeRequest | tuple[str, ...]:
        frame = framing.tag(
            "campaign", framing.tag("brief", campaign.brief), attrs=_campaign_attrs(campaign)
        )
        ask = ChatMessage("user", framing.join(frame, self._instruction("analyze.md")))
        attempt = self._ask(campaign, [ask], analyze_request_tool(), ANALYZE_REQUEST)
        call = _tool_input(attempt, ANALYZE_REQUEST)
        try:
            return AnalyzeRequest.model_validate(call)
        except ValidationError as error:
            return (f"The analysis could not be read ({error.error_count()} problem(s)).",)

    def _plan(self, campaign: Campaign, factors: AnalyzeRequest, decision: Decision) -> Proposal:
        start, end = _dates(campaign, decision, self.data)
        linear = decision.approach == "project_management"
        messages = [ChatMessage("user", self._plan_frame(campaign, decision, start, end, linear))]
        attempt = self._ask(campaign, messages, propose_plan_tool(), PROPOSE_PLAN)
        checked, problems = self._check(_tool_input(attempt, PROPOSE_PLAN), linear)
        if problems:  # one repair, with every problem, as the failed call's result
            messages += _repair(attempt, problems)
            attempt = self._ask(campaign, messages, propose_plan_tool(), PROPOSE_PLAN)
            checked, problems = self._check(_tool_input(attempt, PROPOSE_PLAN), linear)
        if problems or checked is None:
            return Proposal(factors, decision, None, tuple(problems))
        plan, notes = with_gates(checked, self.rt.roster, self.rt.authority)
        return Proposal(factors, decision, plan.model_dump(mode="json"), (), tuple(notes))

    def _hand_off(
        self, campaign: Campaign, factors: AnalyzeRequest, decision: Decision
    ) -> Proposal:
        """A direct delegation: the one-step plan for the right manager, checked like any
        plan (the data was checked at start-up, so a problem here is a bug), started without
        an approval click."""
        rule = self.data.advisor.direct_delegation
        start, end = _dates(campaign, decision, self.data)
        manager = manager_for(factors, rule, self.rt.roster)
        raw = hand_off_plan(campaign.brief, manager, rule, start, end)
        checked, problems = self._check(raw, linear=True)
        if problems or checked is None:
            return Proposal(factors, decision, None, tuple(problems))
        plan, notes = with_gates(checked, self.rt.roster, self.rt.authority)
        return Proposal(factors, decision, plan.model_dump(mode="json"), (), tuple(notes), True)

    def _check(self, raw: object, linear: bool) -> tuple[Plan | None, list[str]]:
        """The checked plan and every problem (a project's plan must also be one chain)."""
        check = check_plan(raw, self.rt.roster, self.rt.authority, self.data.advisor.plans)
        problems = list(check.problems)
        if check.plan is not None and linear:
            problems += [
                f"phase {phase.name!r}: a project plan is one chain, so every phase is "
                f"sequential (this one is {getattr(phase, 'type', '?')})"
                for phase in check.plan.phases
                if not isinstance(phase, SequentialPhase) or phase.after is not None
            ]
        return check.plan, problems

    def _plan_frame(
        self, campaign: Campaign, decision: Decision, start: date, end: date, linear: bool
    ) -> str:
        template = (
            json.dumps(
                instantiate(self.data.patterns.get(decision.pattern), "plan", start), indent=1
            )
            if decision.pattern
            else ""
        )
        roster = [
            framing.tag(
                "agent",
                "; ".join(agent.responsibilities),
                attrs={"id": agent.id, "name": agent.display_name, "reports_to": agent.reports_to},
            )
            for agent in self.rt.roster.agents
        ]
        return framing.join(
            framing.tag("campaign", framing.tag("brief", campaign.brief)),
            framing.tag(
                "decision",
                attrs={
                    "approach": decision.approach,
                    "pattern": decision.pattern or "",
                    "shape": "linear" if linear else "phases",
                },
            ),
            framing.tag("dates", attrs={"start": start.isoformat(), "end": end.isoformat()}),
            framing.tag("pattern_template", template, attrs={"id": decision.pattern or ""}),
            framing.tag("roster", *roster),
            framing.tag("action_types", ", ".join(sorted(action_types(self.rt.authority)))),
            self._instruction("plan.md"),
        )

    def _ask(
        self, campaign: Campaign, messages: list[ChatMessage], tool: dict[str, Any], name: str
    ) -> LlmAttempt:
        request = LlmRequest(
            model=self.rt.settings.model_for(self.advisor.model_tier),
            system=self.rt.prompts.system_prompt(self.advisor),
            messages=messages,
            max_tokens=self.rt.settings.llm_max_tokens,
            tools=[tool],
            tool_choice=name,
        )
        return stream_with_retries(
            self.rt.claude,
            request,
            lambda _text: None,
            max_attempts=self.rt.settings.llm_max_retries + 1,
            record=lambda attempt: record_call(
                self.rt,
                team_id=campaign.team_id,
                turn_id=campaign.id,  # a campaign's spend is attributed to the campaign
                task_id=None,
                agent_id=self.advisor.id,
                attempt=attempt,
            ),
        )

    def _instruction(self, name: str) -> str:
        return (self.rt.settings.prompts_dir / "campaigns" / name).read_text(encoding="utf-8")

    def _save(self, campaign: Campaign, proposal: Proposal) -> None:
        """analyzing → planned (or failed, with the reasons): one guarded UPDATE, so a second
        run of this job changes nothing."""
        analysis = {
            "factors": proposal.factors.model_dump(mode="json") if proposal.factors else None,
            "problems": list(proposal.problems),
            "gate_notes": list(proposal.notes),
        }
        decision = _decision_data(proposal.decision) if proposal.decision else None
        plan = proposal.plan
        values: dict[str, Any] = {"analysis": analysis, "decision": decision, "plan": plan}
        if plan is not None:
            values |= {
                "starts_on": date.fromisoformat(plan["start"]),
                "ends_on": date.fromisoformat(plan["end"]),
                "pattern": plan.get("pattern") or (decision or {}).get("pattern"),
            }
        elif decision is not None:
            values["pattern"] = decision.get("pattern")
        to = CampaignStatus.RUNNING if proposal.hands_off else CampaignStatus.PLANNED
        with self.rt.sessions() as session:
            campaigns.move(
                session,
                campaign.team_id,
                campaign.id,
                from_=(CampaignStatus.ANALYZING,),
                to=CampaignStatus.FAILED if proposal.problems else to,
                **values,
            )


def _campaign_attrs(campaign: Campaign) -> dict[str, str]:
    attrs = {"budget_usd": f"{campaign.budget_usd:.2f}"}
    if campaign.ends_on:
        attrs["deadline"] = campaign.ends_on.isoformat()
    return attrs


def _dates(campaign: Campaign, decision: Decision, data: CampaignData) -> tuple[date, date]:
    """From today (UTC) to the deadline, else to the pattern's usual length."""
    start = datetime.now(UTC).date()
    if campaign.ends_on and campaign.ends_on > start:
        return start, campaign.ends_on
    days = data.patterns.get(decision.pattern).duration_days if decision.pattern else DEFAULT_DAYS
    return start, start + timedelta(days=days)


def _tool_input(attempt: LlmAttempt, name: str) -> dict[str, Any]:
    """The forced call's input ({} if the model did not make it: every field then fails)."""
    return next((use.input for use in attempt.tool_uses if use.name == name), {})


def _repair(attempt: LlmAttempt, problems: list[str]) -> list[ChatMessage]:
    """The assistant's call and its refusal: the problems, for one corrected call."""
    use = next((u for u in attempt.tool_uses if u.name == PROPOSE_PLAN), None)
    answer = ChatMessage("assistant", attempt.text, attempt.content)
    if use is None:
        return [answer, ChatMessage("user", framing.refusal(PROPOSE_PLAN, problems_text(problems)))]
    result = {
        "type": "tool_result",
        "tool_use_id": use.id,
        "is_error": True,
        "content": framing.refusal(PROPOSE_PLAN, problems_text(problems)),
    }
    return [answer, ChatMessage("user", "", (result,))]


def _decision_data(decision: Decision) -> dict[str, Any]:
    data = asdict(decision)
    data.pop("signals")
    return data
