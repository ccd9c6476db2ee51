"""The department's tools: schemas from the models, validation, and rules enforced in code."""

from __future__ import annotations

import json

import pytest

from bots.authority import load_authority
from bots.roster import load_roster
from bots.tools import (
    Consult,
    Delegate,
    Escalate,
    RecordDecision,
    check_call,
    parse_call,
    tool_definitions,
)

ROSTER = load_roster()
MATRIX = load_authority()


def _check(call: object, caller: str) -> str | None:
    return check_call(call, ROSTER.get(caller), ROSTER, MATRIX)  # type: ignore[arg-type]


def test_definitions_are_byte_stable_and_match_the_models() -> None:
    first, second = tool_definitions(), tool_definitions()
    assert json.dumps(first) == json.dumps(second)
    names = [d["name"] for d in first]
    assert names == [
        "delegate",
        "consult",
        "report",
        "escalate",
        "record_decision",
        "submit_for_approval",
        "review",
        "update_task",
    ]
    delegate = first[0]["input_schema"]
    assert set(delegate["required"]) == {"to", "title", "brief"}
    assert delegate["additionalProperties"] is False


def test_bad_arguments_are_refused_with_reasons() -> None:
    call = parse_call(
        "delegate", {"to": "copywriter", "title": "x", "brief": "short", "colour": "red"}
    )
    assert call.arguments is None and call.refusal is not None
    assert "title" in call.refusal and "brief" in call.refusal and "colour" in call.refusal
    refusal = parse_call("launch_rockets", {}).refusal or ""
    assert refusal.startswith("Unknown tool 'launch_rockets'; available: delegate, consult")
    ok = parse_call(
        "escalate",
        {
            "category": "Budget",
            "issue": "Need $5k more for ads",
            "attempts_made": "None",
            "urgency": "high",
            "recommendation": "Approve",
            "impact": "Launch slips",
        },
    )
    assert isinstance(ok.arguments, Escalate)


def test_delegation_only_down_the_reporting_line() -> None:
    brief = "Write a 1,500-word post for marketing directors."
    assert (
        _check(Delegate(to="copywriter", title="Blog post", brief=brief), "content_manager") is None
    )
    sideways = _check(
        Delegate(to="email_specialist", title="Email", brief=brief), "content_manager"
    )
    assert (
        sideways is not None and "does not report to you" in sideways and "copywriter" in sideways
    )
    upward = _check(Delegate(to="content_manager", title="Review", brief=brief), "copywriter")
    assert upward is not None and "manage nobody" in upward
    up_chain = _check(Delegate(to="cmo", title="Budget", brief=brief), "vp_marketing")
    assert up_chain is not None and "Use escalate" in up_chain
    ghost = _check(Delegate(to="ghost_writer", title="Post", brief=brief), "content_manager")
    assert ghost is not None and "no agent 'ghost_writer'" in ghost


def test_consult_is_for_peers() -> None:
    assert _check(Consult(peer="seo_specialist", question="Which keywords?"), "copywriter") is None
    assert "not a peer" in (
        _check(Consult(peer="content_manager", question="Which keywords?"), "copywriter") or ""
    )
    assert "yourself" in (
        _check(Consult(peer="copywriter", question="Which keywords?"), "copywriter") or ""
    )


def test_decisions_outside_authority_are_refused() -> None:
    allowed = RecordDecision(
        type="blog_post_topics", decision="AI ROI series", reasoning="Top performer"
    )
    assert _check(allowed, "content_manager") is None
    budget = RecordDecision(
        type="budget_allocation", decision="Move 20% to LinkedIn", reasoning="3x engagement"
    )
    refusal = _check(budget, "vp_marketing")
    assert refusal is not None and "escalate" in refusal and "cmo" in refusal
    legal = RecordDecision(
        type="legal_compliance", decision="Claims are fine", reasoning="Looks ok"
    )
    assert "a human" in (_check(legal, "cmo") or "")


@pytest.mark.parametrize("agent", [a.id for a in ROSTER.agents])
def test_escalation_is_always_allowed(agent: str) -> None:
    call = Escalate(
        category="Budget",
        issue="Need approval for spend",
        attempts_made="None",
        urgency="low",
        recommendation="Approve",
        impact="Small",
    )
    assert _check(call, agent) is None
