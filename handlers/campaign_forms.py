"""The `/campaign` forms as Block Kit, and their submissions read back into requests.

Two modals: the brief form (`/campaign` alone) and the outcome form (`/campaign outcome <id>`).
A submission is checked field by field here, so the listener answers Slack with every error
under its input at once (`response_action: errors`) or with a request of the same type a
typed command gives. Labels and titles are plain_text (Slack parses no markup there, so they
are not escaped); the one mrkdwn section, the answer shown after a submission, is `Mrkdwn`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from handlers.campaign_command import (
    MAX_BRIEF_CHARS,
    MAX_BUDGET_USD,
    CampaignRequest,
    brief_problem,
)
from jobs.slack.text import Mrkdwn

BRIEF_FORM = "campaign-brief"  # callback_id of the brief form
OUTCOME_FORM = "campaign-outcome"  # callback_id of the outcome form
MAX_TEXT_CHARS = 1000  # success metrics, key learning
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")

Errors = dict[str, str]  # block_id → what to fix, shown under that input


@dataclass(frozen=True)
class Outcome:
    """How a campaign went, for the learning loop (`bots/learning.py`)."""

    campaign_id: str
    success: bool
    actual_hours: float
    satisfaction: float  # 0 to 1
    rework_needed: bool
    key_learning: str


def brief_form(channel_id: str) -> dict[str, Any]:
    """The form for `/campaign` alone. The channel it was opened in travels in the metadata:
    the person hears back there, and the channel menu starts on it."""
    return modal_view(
        BRIEF_FORM,
        "New campaign",
        "Analyze",
        {"channel_id": channel_id},
        [
            input_block(
                "brief", "Brief", text_input(MAX_BRIEF_CHARS, multiline=True), hint=BRIEF_HINT
            ),
            input_block("deadline", "Deadline", {"type": "datepicker"}, optional=True),
            input_block(
                "budget",
                "Budget for AI work (USD)",
                number_input(minimum="0.01", maximum=str(MAX_BUDGET_USD)),
                optional=True,
                hint="What the department may spend on Claude for this campaign. "
                "Empty: the workspace default.",
            ),
            input_block(
                "metrics",
                "Success metrics",
                text_input(MAX_TEXT_CHARS, multiline=True),
                optional=True,
            ),
            input_block("channel", "Channel for updates", _channel_menu(), optional=True),
        ],
    )


BRIEF_HINT = "What to launch, for whom and by when, e.g. a conference launch in 3 weeks."


def outcome_form(campaign_id: str, channel_id: str) -> dict[str, Any]:
    """The form for `/campaign outcome <id>`: what the learning loop needs from a person."""
    yes_no = [option("yes", "Yes"), option("no", "No")]
    return modal_view(
        OUTCOME_FORM,
        "Campaign outcome",
        "Record",
        {"campaign_id": campaign_id, "channel_id": channel_id},
        [
            input_block("success", "Did it succeed?", {"type": "radio_buttons", "options": yes_no}),
            input_block("hours", "Actual hours", number_input(minimum="0")),
            input_block(
                "satisfaction",
                "Satisfaction (0 to 1)",
                number_input(minimum="0", maximum="1"),
                hint="1 = exactly what was wanted; 0 = not usable.",
            ),
            input_block(
                "rework",
                "Rework",
                {"type": "checkboxes", "options": [option("rework", "Rework was needed")]},
                optional=True,
            ),
            input_block(
                "learning",
                "Key learning",
                text_input(MAX_TEXT_CHARS, multiline=True),
                optional=True,
            ),
        ],
    )


def read_brief_form(view: dict[str, Any], today: date) -> CampaignRequest | Errors:
    """The request the form describes, or the errors per field (`today` is the UTC date: a
    deadline before it is refused, today itself is fine)."""
    values, errors = values_of(view), Errors()
    brief = str(field_state(values, "brief").get("value") or "").strip()
    problem = brief_problem(brief)
    if problem is not None:
        errors["brief"] = problem[0].upper() + problem[1:]
    deadline = _date(field_state(values, "deadline").get("selected_date"), today, errors)
    budget = read_budget(field_state(values, "budget").get("value"), errors)
    channel = field_state(values, "channel").get("selected_conversation")
    if channel is not None and not _CHANNEL_ID.fullmatch(str(channel)):
        errors["channel"] = "Pick a channel from the list."
    if errors:
        return errors
    return CampaignRequest(
        brief=brief,
        deadline=deadline,
        budget_usd=budget,
        success_metrics=str(field_state(values, "metrics").get("value") or "").strip(),
        channel_id=str(channel) if channel else None,
    )


def read_outcome_form(view: dict[str, Any]) -> Outcome | Errors:
    """The outcome the form records, or the errors per field (satisfaction 0 to 1, hours
    above 0: the learning loop compares them with the estimate, and 0 h says nothing)."""
    values, errors = values_of(view), Errors()
    chosen = (field_state(values, "success").get("selected_option") or {}).get("value")
    if chosen not in ("yes", "no"):
        errors["success"] = "Say whether it succeeded."
    hours = _number(field_state(values, "hours").get("value"), "hours", errors)
    if hours is not None and hours <= 0:
        errors["hours"] = "Hours must be more than 0."
    satisfaction = _number(field_state(values, "satisfaction").get("value"), "satisfaction", errors)
    if satisfaction is not None and not 0 <= satisfaction <= 1:
        errors["satisfaction"] = "Give a number from 0 to 1, e.g. 0.8."
    learning = str(field_state(values, "learning").get("value") or "").strip()
    if errors or hours is None or satisfaction is None:
        return errors
    rework = field_state(values, "rework").get("selected_options") or []
    return Outcome(
        campaign_id=str(metadata(view).get("campaign_id") or ""),
        success=chosen == "yes",
        actual_hours=float(hours),
        satisfaction=float(satisfaction),
        rework_needed=any(option.get("value") == "rework" for option in rework),
        key_learning=learning,
    )


def answer_view(text: Mrkdwn) -> dict[str, Any]:
    """What the form turns into once submitted: the answer, for the person alone."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Campaign"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text.cut(3000).text}}],
    }


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What the form carried from the command (the channel, the campaign id)."""
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _date(selected: object, today: date, errors: Errors) -> date | None:
    if not selected:
        return None
    try:
        chosen = date.fromisoformat(str(selected))
    except ValueError:
        errors["deadline"] = "Pick a date from the calendar."
        return None
    if chosen < today:
        errors["deadline"] = f"That date is in the past (today is {today.isoformat()}, UTC)."
    return chosen


def read_budget(typed: object, errors: Errors) -> Decimal | None:
    if typed is None or str(typed).strip() == "":
        return None
    budget = _number(typed, "budget", errors)
    if budget is not None and not 0 < budget <= MAX_BUDGET_USD:
        errors["budget"] = f"Give a positive amount up to {MAX_BUDGET_USD:,} USD, e.g. 25."
    return budget


def _number(typed: object, block_id: str, errors: Errors) -> Decimal | None:
    """A finite number, or an error under `block_id` (Slack checks number inputs in its
    clients; a submission is still checked here, as any request from outside)."""
    try:
        number = Decimal(str(typed).strip())
    except InvalidOperation:
        errors[block_id] = "Give a number, e.g. 12 or 0.5."
        return None
    if not number.is_finite():
        errors[block_id] = "Give a number, e.g. 12 or 0.5."
        return None
    return number


def values_of(view: dict[str, Any]) -> dict[str, Any]:
    state = view.get("state") or {}
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def field_state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The one element's state in an input block ({} when Slack sent none)."""
    block = values.get(block_id)
    if not isinstance(block, dict) or not block:
        return {}
    element = next(iter(block.values()))
    return element if isinstance(element, dict) else {}


def modal_view(
    callback_id: str, title: str, submit: str, meta: dict[str, str], blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element | {"action_id": "value"},
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def text_input(max_length: int, *, multiline: bool = False) -> dict[str, Any]:
    return {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}


def number_input(minimum: str, maximum: str | None = None) -> dict[str, Any]:
    made = {"type": "number_input", "is_decimal_allowed": True, "min_value": minimum}
    return made | ({"max_value": maximum} if maximum is not None else {})


def _channel_menu() -> dict[str, Any]:
    return {
        "type": "conversations_select",
        "default_to_current_conversation": True,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }


def option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}
