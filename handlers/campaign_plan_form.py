"""The plan's Edit form (the campaign card's Edit button) as Block Kit, and its submission
read back into changes.

A person may change, per step, its agent (a menu of the roster, so no unknown id can be
typed), its action and its due date; and the campaign's end date and LLM budget. Phases,
their kinds, conditions and gates are not in the form: the phase grammar stays Claude's and
the pattern's, and the gates are recomputed from the authority matrix on every save. This
module only reads fields (dates, lengths, amounts); the plan as a whole is checked by the
same `bots.plan_checks.check_plan` as a plan from Claude (`handlers/campaign_plan_edits.py`).

Each step's inputs are keyed by its id in the plan (`agent-<id>`, `action-<id>`, `due-<id>`),
so an error lands under the input it is about. Labels are plain_text: not escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bots.roster import Roster
from handlers.campaign_command import MAX_BUDGET_USD
from handlers.campaign_forms import (
    Errors,
    field_state,
    input_block,
    metadata,
    number_input,
    option,
    read_budget,
    text_input,
    values_of,
)

PLAN_FORM = "campaign-plan-edit"  # callback_id of the plan's Edit form
STEP_INPUTS = 3  # blocks per step: agent, action, due date
MAX_FORM_BLOCKS = 100  # Slack's limit for a modal
FIXED_BLOCKS = 3  # the header section, end date, budget
MAX_FORM_STEPS = (MAX_FORM_BLOCKS - FIXED_BLOCKS) // STEP_INPUTS
MIN_ACTION_CHARS, MAX_ACTION_CHARS = 3, 300  # bots.plans.Step.action
LABEL_MAX_CHARS = 2000  # Slack's limit for an input's label
OPTION_MAX_CHARS = 75  # Slack's limit for an option's text


@dataclass(frozen=True)
class StepEdit:
    agent: str
    action: str
    due: date


@dataclass(frozen=True)
class PlanEdit:
    """What the submitted form asks for; `seen` is the campaign's `updated_at` when the form
    was opened, so a save over a plan changed meanwhile is refused, not made silently."""

    campaign_id: str
    seen: str
    steps: dict[str, StepEdit]  # by step id
    end: date
    budget_usd: Decimal


def plan_form(
    campaign_id: str, seen: str, plan: dict[str, Any], budget_usd: Decimal, roster: Roster
) -> dict[str, Any]:
    """The form, filled in with the plan as it is (`plan` is the stored JSON of a checked
    `Plan`). Callers refuse a plan of more than MAX_FORM_STEPS steps first."""
    agents = [option(a.id, a.display_name[:OPTION_MAX_CHARS]) for a in roster.agents]
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "plain_text",
                "text": f"Plan {plan['name']}: change who does what, and when. Phases, "
                "conditions and approval gates follow from the plan and the authority "
                "matrix; the gates are worked out again when you save.",
            },
        }
    ]
    for phase, step in _steps(plan):
        where = f"{phase['name']} · {step['id']}"
        chosen = next((o for o in agents if o["value"] == step["agent"]), None)
        menu: dict[str, Any] = {"type": "static_select", "options": agents}
        blocks += [
            input_block(f"agent-{step['id']}", _label(f"Agent ({where})"), menu | _initial(chosen)),
            input_block(
                f"action-{step['id']}",
                _label(f"Action ({where})"),
                text_input(MAX_ACTION_CHARS) | {"initial_value": step["action"]},
            ),
            input_block(
                f"due-{step['id']}",
                _label(f"Due ({where})"),
                {"type": "datepicker", "initial_date": step["due"]},
            ),
        ]
    blocks += [
        input_block(
            "end", "Campaign end date", {"type": "datepicker", "initial_date": plan["end"]}
        ),
        input_block(
            "budget",
            "Budget for AI work (USD)",
            number_input(minimum="0.01", maximum=str(MAX_BUDGET_USD))
            | {"initial_value": str(budget_usd)},
        ),
    ]
    return {
        "type": "modal",
        "callback_id": PLAN_FORM,
        "private_metadata": json.dumps({"campaign_id": campaign_id, "seen": seen}),
        "title": {"type": "plain_text", "text": "Edit the plan"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def step_count(plan: dict[str, Any]) -> int:
    return len(_steps(plan))


def read_plan_form(view: dict[str, Any], plan: dict[str, Any]) -> PlanEdit | Errors:
    """The edit the form asks for, or the errors per input. Only the fields are checked
    here (a date, an action's length, an agent chosen); the plan is checked whole later."""
    values, errors = values_of(view), Errors()
    steps: dict[str, StepEdit] = {}
    for _phase, step in _steps(plan):
        sid = step["id"]
        agent = (field_state(values, f"agent-{sid}").get("selected_option") or {}).get("value")
        if not agent:
            errors[f"agent-{sid}"] = "Pick the agent who does this step."
        action = " ".join(str(field_state(values, f"action-{sid}").get("value") or "").split())
        if not MIN_ACTION_CHARS <= len(action) <= MAX_ACTION_CHARS:
            errors[f"action-{sid}"] = (
                f"Say what to do in {MIN_ACTION_CHARS} to {MAX_ACTION_CHARS} characters."
            )
        due = _date(field_state(values, f"due-{sid}").get("selected_date"), f"due-{sid}", errors)
        if agent and due and not errors.get(f"action-{sid}"):
            steps[sid] = StepEdit(str(agent), action, due)
    end = _date(field_state(values, "end").get("selected_date"), "end", errors)
    budget = read_budget(field_state(values, "budget").get("value"), errors)
    if budget is None and "budget" not in errors:
        errors["budget"] = "Give the budget in USD, e.g. 25."
    if errors or end is None or budget is None:
        return errors
    meta = metadata(view)
    return PlanEdit(
        str(meta.get("campaign_id") or ""), str(meta.get("seen") or ""), steps, end, budget
    )


def edited_plan(plan: dict[str, Any], edit: PlanEdit) -> dict[str, Any]:
    """The plan's JSON with the edit applied and every gate removed (they are recomputed
    from the edited steps: an agent changed may need another approver, or none)."""

    def changed(step: dict[str, Any]) -> dict[str, Any]:
        new = edit.steps[step["id"]]
        kept = {k: v for k, v in step.items() if k != "gate"}
        return kept | {"agent": new.agent, "action": new.action, "due": new.due.isoformat()}

    phases = []
    for phase in plan["phases"]:
        keys = ("if_true", "if_false") if phase["type"] == "conditional" else ("steps",)
        phases.append(phase | {key: [changed(s) for s in phase.get(key, [])] for key in keys})
    return plan | {"end": edit.end.isoformat(), "phases": phases}


def _steps(plan: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (phase, step)
        for phase in plan["phases"]
        for key in ("steps", "if_true", "if_false")
        for step in phase.get(key, [])
    ]


def _initial(chosen: dict[str, Any] | None) -> dict[str, Any]:
    return {"initial_option": chosen} if chosen else {}


def _label(text: str) -> str:
    return text[:LABEL_MAX_CHARS]


def _date(selected: object, block_id: str, errors: Errors) -> date | None:
    try:
        return date.fromisoformat(str(selected))
    except ValueError:
        errors[block_id] = "Pick a date from the calendar."
        return None
