"""Approval gates: inserted where the authority matrix and the autonomy levels need them."""

from __future__ import annotations

from datetime import date

from bots.authority import load_authority
from bots.campaign_data import load_campaign_data
from bots.gates import missing_gates, required_gate, satisfies, with_gates
from bots.patterns import instantiate
from bots.plan_checks import check_plan
from bots.plans import PERSON, Gate, Plan, Step
from bots.roster import load_roster

ROSTER = load_roster()
MATRIX = load_authority()
DATA = load_campaign_data(ROSTER, MATRIX)


def _template(pattern_id: str) -> Plan:
    raw = instantiate(DATA.patterns.get(pattern_id), "gated", date(2026, 3, 2))
    check = check_plan(raw, ROSTER, MATRIX, DATA.advisor.plans)
    assert check.plan is not None, check.problems
    return check.plan


def _gates(plan: Plan) -> dict[str, tuple[str, str] | None]:
    return {
        step.id: (step.gate.approver, step.gate.when) if step.gate else None
        for _, _, step in plan.steps()
    }


def test_the_launch_gets_gates_where_the_matrix_needs_them() -> None:
    plan, notes = with_gates(_template("product_launch"), ROSTER, MATRIX)
    gates = {step: gate for step, gate in _gates(plan).items() if gate}
    assert gates == {
        "approve-messaging": (PERSON, "after"),  # brand_messaging is L2
        "blog-posts": (PERSON, "after"),  # blog_post is L3
        "webinar-content": (PERSON, "after"),  # campaign_asset is L3
        "social-assets": (PERSON, "after"),
        "email-sequence": (PERSON, "after"),  # campaign_email is L3
        "conference-materials": (PERSON, "after"),
        "lead-handoff-plan": ("vp_marketing", "after"),  # a manager proposes, the VP approves
        "final-approval": (PERSON, "after"),  # major initiatives: a person's final approval
    }
    assert len(notes) == len(gates)
    assert "step 'lead-handoff-plan': added approval by vp_marketing after the step" in notes[6]
    # The VP's own strategy and the manager's calendar are theirs to decide; L4 runs freely.
    assert _gates(plan)["define-strategy"] is None
    assert _gates(plan)["content-calendar"] is None
    assert _gates(plan)["track-metrics"] is None
    assert missing_gates(plan, ROSTER, MATRIX) == []


def test_human_led_work_is_approved_before_the_agent_acts() -> None:
    plan, _ = with_gates(_template("crisis_response"), ROSTER, MATRIX)
    gates = _gates(plan)
    assert gates["statement"] == (PERSON, "before")  # crisis_communications is L1
    assert gates["legal-check"] == (PERSON, "after")  # legal needs a person
    assert gates["monitor-mentions"] is None


def test_a_budget_needs_a_person_even_above_the_vp() -> None:
    plan, _ = with_gates(_template("lead_gen_campaign"), ROSTER, MATRIX)
    assert _gates(plan)["budget"] == (PERSON, "after")  # budget_allocation needs_person
    assert _gates(plan)["strategy"] == ("vp_marketing", "after")


def test_missing_gates_are_reported_for_an_ungated_plan() -> None:
    problems = missing_gates(_template("content_piece"), ROSTER, MATRIX)
    assert problems == [
        "step 'write' needs approval by a person after the step: blog_post is L3: a person approves"
    ]


def _step(agent: str, action_type: str, gate: Gate | None = None) -> Step:
    return Step(
        id="s",
        agent=agent,
        action="Do it",
        action_type=action_type,
        due=date(2026, 3, 3),
        gate=gate,
    )


def test_stricter_gates_are_kept_and_weaker_ones_raised() -> None:
    needed = required_gate(_step("campaign_manager", "campaign_strategy"), ROSTER, MATRIX)
    assert needed is not None and needed.approver == "vp_marketing"
    assert satisfies(Gate(approver="cmo"), needed, ROSTER)  # above the VP: stricter
    assert satisfies(Gate(approver=PERSON), needed, ROSTER)
    assert not satisfies(Gate(approver="content_manager"), needed, ROSTER)  # a peer
    assert not satisfies(Gate(approver="vp_marketing", when="before"), needed, ROSTER)
    person = required_gate(_step("copywriter", "blog_post"), ROSTER, MATRIX)
    assert person is not None
    assert not satisfies(Gate(approver="cmo"), person, ROSTER)  # an agent is not a person
    assert required_gate(_step("copywriter", "daily_social_post"), ROSTER, MATRIX) is None

    plan = _template("content_piece")
    weak = plan.map_steps(
        lambda step: step.model_copy(update={"gate": Gate(approver="content_manager")})
    )
    gated, notes = with_gates(weak, ROSTER, MATRIX)
    assert _gates(gated) == {
        "pick-topic": ("content_manager", "after"),  # an extra gate the plan asked for: kept
        "write": (PERSON, "after"),  # raised from an agent to a person
        "publish": ("content_manager", "after"),
    }
    assert len(notes) == 1


def test_a_workspace_s_own_autonomy_levels_decide_the_gates() -> None:
    plan = _template("content_piece")
    relaxed, notes = with_gates(plan, ROSTER, MATRIX, {"blog_post": "L4"})
    assert _gates(relaxed)["write"] is None and notes == []
    stricter, _ = with_gates(plan, ROSTER, MATRIX, {"blog_post": "L1"})
    assert _gates(stricter)["write"] == (PERSON, "before")
