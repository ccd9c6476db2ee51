"""The `/campaign` forms: what Slack would accept, and every submission read back field by
field (errors under their inputs, or the same request a typed command gives)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from handlers.campaign_command import CampaignRequest
from handlers.campaign_forms import (
    Outcome,
    answer_view,
    brief_form,
    outcome_form,
    read_brief_form,
    read_outcome_form,
)
from jobs.slack.text import md
from sandbox.slack_views import checked_view

TODAY = date(2026, 12, 1)
BRIEF = "launch the AI analytics feature for enterprise CTOs before the conference"


def brief_values(
    brief: str | None = BRIEF,
    deadline: str | None = None,
    budget: str | None = None,
    metrics: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """The state Slack sends for the brief form (every input present, unset ones null)."""
    return {
        "brief": {"value": {"type": "plain_text_input", "value": brief}},
        "deadline": {"value": {"type": "datepicker", "selected_date": deadline}},
        "budget": {"value": {"type": "number_input", "value": budget}},
        "metrics": {"value": {"type": "plain_text_input", "value": metrics}},
        "channel": {"value": {"type": "conversations_select", "selected_conversation": channel}},
    }


def submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return view | {"state": {"values": values}}


def test_the_forms_are_views_slack_accepts() -> None:
    for view in (brief_form("C0GENERAL"), outcome_form("c12", "C0GENERAL")):
        assert checked_view({"view": view}, "modal") == view
        assert all(block["element"]["action_id"] == "value" for block in view["blocks"])
    assert checked_view({"view": answer_view(md("ok"))}, "modal")
    brief = {b["block_id"]: b for b in brief_form("C1")["blocks"]}
    assert [k for k, b in brief.items() if not b["optional"]] == ["brief"]
    assert brief["deadline"]["element"]["type"] == "datepicker"
    assert brief["budget"]["element"]["type"] == "number_input"
    assert brief["channel"]["element"]["type"] == "conversations_select"
    assert brief["channel"]["element"]["default_to_current_conversation"] is True
    assert json.loads(brief_form("C1")["private_metadata"]) == {"channel_id": "C1"}


def test_a_filled_brief_form_is_a_campaign_request() -> None:
    values = brief_values(
        brief=f"  {BRIEF}\nwith a webinar ",
        deadline="2026-12-21",
        budget="25.50",
        metrics=" 200 sign-ups ",
        channel="C0CAMPAIGNS",
    )
    assert read_brief_form(submitted(brief_form("C1"), values), TODAY) == CampaignRequest(
        brief=f"{BRIEF}\nwith a webinar",
        deadline=date(2026, 12, 21),
        budget_usd=Decimal("25.50"),
        success_metrics="200 sign-ups",
        channel_id="C0CAMPAIGNS",
    )


def test_the_brief_alone_is_enough_and_today_is_not_the_past() -> None:
    assert read_brief_form(submitted(brief_form("C1"), brief_values()), TODAY) == (
        CampaignRequest(brief=BRIEF)
    )
    today = brief_values(deadline=TODAY.isoformat())
    assert read_brief_form(submitted(brief_form("C1"), today), TODAY) == CampaignRequest(
        brief=BRIEF, deadline=TODAY
    )


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (brief_values(brief="webinar"), {"brief": "Say what to launch"}),
        (brief_values(brief="   "), {"brief": "Say what to launch"}),
        (brief_values(brief=None), {"brief": "Say what to launch"}),
        (brief_values(brief="x " * 1600), {"brief": "keep it under 3,000"}),
        (brief_values(deadline="2026-11-30"), {"deadline": "in the past (today is 2026-12-01"}),
        (brief_values(deadline="30/12/2026"), {"deadline": "Pick a date"}),
        (brief_values(budget="0"), {"budget": "a positive amount up to 100,000 USD"}),
        (brief_values(budget="-5"), {"budget": "a positive amount"}),
        (brief_values(budget="100000.01"), {"budget": "up to 100,000 USD"}),
        (brief_values(budget="lots"), {"budget": "Give a number"}),
        (brief_values(budget="NaN"), {"budget": "Give a number"}),
        (brief_values(channel="<!channel>"), {"channel": "Pick a channel"}),
        (
            brief_values(brief="hi", deadline="2020-01-01", budget="-1"),
            {"brief": "Say what", "deadline": "in the past", "budget": "positive"},
        ),
    ],
)
def test_every_bad_field_gets_its_own_error(values: dict[str, Any], errors: dict[str, str]) -> None:
    found = read_brief_form(submitted(brief_form("C1"), values), TODAY)
    assert isinstance(found, dict)
    assert found.keys() == errors.keys()
    for block_id, part in errors.items():
        assert part in found[block_id]


def outcome_values(
    success: str | None = "yes",
    hours: str | None = "118",
    satisfaction: str | None = "0.8",
    rework: bool = False,
    learning: str | None = None,
) -> dict[str, Any]:
    chosen = {"value": success, "text": {"type": "plain_text", "text": "x"}} if success else None
    ticked = [{"value": "rework", "text": {"type": "plain_text", "text": "x"}}] if rework else []
    return {
        "success": {"value": {"type": "radio_buttons", "selected_option": chosen}},
        "hours": {"value": {"type": "number_input", "value": hours}},
        "satisfaction": {"value": {"type": "number_input", "value": satisfaction}},
        "rework": {"value": {"type": "checkboxes", "selected_options": ticked}},
        "learning": {"value": {"type": "plain_text_input", "value": learning}},
    }


def test_a_filled_outcome_form_is_an_outcome() -> None:
    view = submitted(
        outcome_form("c12", "C1"),
        outcome_values("no", "0.5", "1", rework=True, learning=" webinars need 2 weeks "),
    )
    assert read_outcome_form(view) == Outcome("c12", False, 0.5, 1.0, True, "webinars need 2 weeks")
    plain = read_outcome_form(submitted(outcome_form("c9", "C1"), outcome_values()))
    assert plain == Outcome("c9", True, 118.0, 0.8, False, "")


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (outcome_values(success=None), {"success": "Say whether it succeeded."}),
        (outcome_values(success="maybe"), {"success": "Say whether it succeeded."}),
        (outcome_values(hours="-1"), {"hours": "Hours must be more than 0."}),
        (outcome_values(hours="0"), {"hours": "Hours must be more than 0."}),  # 0 h: no ratio
        (outcome_values(hours=None), {"hours": "Give a number"}),
        (outcome_values(satisfaction="1.01"), {"satisfaction": "from 0 to 1"}),
        (outcome_values(satisfaction="-0.1"), {"satisfaction": "from 0 to 1"}),
        (outcome_values(satisfaction="high"), {"satisfaction": "Give a number"}),
        (
            outcome_values(success=None, hours="-2", satisfaction="7"),
            {"success": "succeeded", "hours": "more than 0", "satisfaction": "0 to 1"},
        ),
    ],
)
def test_every_bad_outcome_field_gets_its_own_error(
    values: dict[str, Any], errors: dict[str, str]
) -> None:
    found = read_outcome_form(submitted(outcome_form("c12", "C1"), values))
    assert isinstance(found, dict)
    assert found.keys() == errors.keys()
    for block_id, part in errors.items():
        assert part in found[block_id]
