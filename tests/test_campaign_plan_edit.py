"""The plan's Edit form with the real pieces: a click on the card through the real Bolt app,
the form opened in the Slack stand-in and submitted as Slack does, the database, Redis and
an RQ worker, the scripted Claude (the plan is the advisor's, from a real analysis).

Valid edits are checked and saved with their gates recomputed; invalid ones are shown
under their inputs and change nothing; a bystander, a campaign no longer planned and a
stale form are refused with a private message or an answer in the form."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.runtime import Runtime
from models.campaigns import Campaign, CampaignStatus
from sandbox import slack_interactions as interactions
from sandbox.slack_api import SlackStandIn
from tests.conftest import HUMAN, ServedApp, work
from tests.test_campaign_card import (  # noqa: F401  (claude, people: the card's fixtures)
    APPROVER,
    CAMPAIGNS,
    CONFERENCE,
    OUTSIDER,
    _buttons,
    _campaign_command,
    _card,
    _card_text,
    _click,
    _only_campaign,
    claude,
    people,
)

pytestmark = pytest.mark.usefixtures("claude")  # the scripted VP of the card's tests


def _planned(bolt: ServedApp, runtime: Runtime, brief: str = CONFERENCE) -> Campaign:
    _campaign_command(bolt, brief)
    work(runtime)
    campaign = _only_campaign(runtime)
    assert campaign.status == CampaignStatus.PLANNED and campaign.plan is not None
    return campaign


def _open_edit(bolt: ServedApp, slack: SlackStandIn, user: str) -> dict[str, Any]:
    _click(bolt, slack, "Edit", user)
    [form] = slack.workspace.views.for_user(user)["modals"]
    assert isinstance(form, dict) and form["callback_id"] == "campaign-plan-edit"
    return form


def _values(form: dict[str, Any], **changes: str) -> dict[str, Any]:
    """The state Slack sends: every input as the form showed it, with `changes` by block id
    (an agent's id, an action, a date or an amount)."""
    values: dict[str, Any] = {}
    for block in form["blocks"]:
        if block["type"] != "input":
            continue
        bid, element = block["block_id"], block["element"]
        new = changes.get(bid.replace("-", "_"), changes.get(bid))
        kind = element["type"]
        if kind == "static_select":
            chosen = element.get("initial_option")
            if new is not None:
                chosen = next(o for o in element["options"] if o["value"] == new)
            state = {"type": kind, "selected_option": chosen}
        elif kind == "datepicker":
            state = {"type": kind, "selected_date": new or element.get("initial_date")}
        else:
            state = {
                "type": kind,
                "value": new if new is not None else element.get("initial_value"),
            }
        values[bid] = {"value": state}
    return values


def _submit(
    bolt: ServedApp, slack: SlackStandIn, user: str, form: dict[str, Any], values: Any
) -> Any:
    payload = interactions.view_submission(slack, user=user, view=form, values=values)
    response = bolt.sender.send_interaction(payload)
    assert response.status == 200
    interactions.apply_submission_answer(slack, user, form["id"], response.body)
    return response.json() if response.body.strip() else {}


def _step(plan: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(
        s
        for p in plan["phases"]
        for key in ("steps", "if_true", "if_false")
        for s in p.get(key, [])
        if s["id"] == step_id
    )


def _answer(answer: dict[str, Any]) -> str:
    assert answer["response_action"] == "update"
    return str(answer["view"]["blocks"][0]["text"]["text"])


def test_an_edit_is_checked_saved_with_its_gates_recomputed_and_still_needs_approval(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    before = _planned(bolt, runtime)
    assert before.plan is not None and _step(before.plan, "define-strategy").get("gate") is None
    form = _open_edit(bolt, slack, HUMAN)  # the requester
    assert {"agent-define-strategy", "action-define-strategy", "due-define-strategy"} <= {
        b.get("block_id") for b in form["blocks"]
    }
    new_end = before.plan["end"]
    values = _values(
        form,
        agent_define_strategy="copywriter",  # a specialist may not decide a strategy
        action_define_strategy="Draft the strategy & key messages <for the VP>",
        budget="75",
    )
    said = _answer(_submit(bolt, slack, HUMAN, form, values))
    assert said.startswith(f"Saved: the card shows the edited plan of campaign `{before.id}`")

    after = _only_campaign(runtime)
    assert after.status == CampaignStatus.PLANNED and after.plan is not None
    step = _step(after.plan, "define-strategy")
    assert step["agent"] == "copywriter"
    assert step["action"] == "Draft the strategy & key messages <for the VP>"
    assert step["gate"]["approver"] == "vp_marketing"  # recomputed: the VP approves
    assert _step(after.plan, "blog-posts").get("gate") == _step(before.plan, "blog-posts").get(
        "gate"
    )
    assert (str(after.budget_usd), after.plan["end"]) == ("75.00", new_end)

    work(runtime)  # the card's edit
    card = _card(slack)
    text = _card_text(card)
    assert f"plan edited by <@{HUMAN}>" in text and "waiting for a plan approver" in text
    assert "Draft the strategy &amp; key messages &lt;for the VP&gt;" in text  # escaped once
    assert set(_buttons(card)) == {"Approve plan", "Edit", "Cancel"}


def test_an_invalid_edit_shows_its_problems_under_the_inputs_and_saves_nothing(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    before = _planned(bolt, runtime)
    assert before.plan is not None
    form = _open_edit(bolt, slack, APPROVER)  # a plan approver may edit too
    late = "2099-01-01"
    values = _values(form, due_define_strategy=late, action_content_calendar="ok", budget="-1")
    answer = _submit(bolt, slack, APPROVER, form, values)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"action-content-calendar", "budget"}  # fields first

    values = _values(form, due_define_strategy=late, end=before.plan["start"])
    answer = _submit(bolt, slack, APPROVER, form, values)
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert "due 2099-01-01 is outside the campaign" in errors["due-define-strategy"]
    assert "is outside the campaign" in errors["due-blog-posts"]  # the end moved too
    assert slack.workspace.views.for_user(APPROVER)["modals"][0]["id"] == form["id"]  # open
    after = _only_campaign(runtime)
    assert (after.plan, after.budget_usd, after.analysis) == (
        before.plan,
        before.budget_usd,
        before.analysis,
    )


def test_only_the_requester_or_a_plan_approver_may_edit(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    before = _planned(bolt, runtime)
    _click(bolt, slack, "Edit", OUTSIDER)
    [refusal] = slack.ephemerals(CAMPAIGNS)
    assert refusal["user"] == OUTSIDER
    assert refusal["text"].startswith(f"Only <@{HUMAN}> (who asked for this campaign) or")
    assert "Nothing changed" in refusal["text"]
    assert slack.workspace.views.for_user(OUTSIDER)["modals"] == []

    form = _open_edit(bolt, slack, HUMAN)  # a form someone else submits is checked again
    said = _answer(_submit(bolt, slack, OUTSIDER, form, _values(form, budget="1")))
    assert said.startswith(f"Only <@{HUMAN}>")
    assert _only_campaign(runtime).budget_usd == before.budget_usd


def test_a_stale_form_or_a_campaign_no_longer_planned_is_never_overwritten(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    _planned(bolt, runtime)
    mine = _open_edit(bolt, slack, HUMAN)
    theirs = _open_edit(bolt, slack, APPROVER)
    said = _answer(_submit(bolt, slack, APPROVER, theirs, _values(theirs, budget="60")))
    assert said.startswith("Saved")

    said = _answer(_submit(bolt, slack, HUMAN, mine, _values(mine, budget="90")))
    assert "changed after you opened this form" in said and "not saved" in said
    assert str(_only_campaign(runtime).budget_usd) == "60.00"  # the first save stands

    work(runtime)
    again = _open_edit(bolt, slack, HUMAN)  # from the plan as it is now
    _click(bolt, slack, "Approve plan", APPROVER)
    said = _answer(_submit(bolt, slack, HUMAN, again, _values(again, budget="90")))
    assert "is running: only a plan waiting for approval can be edited" in said
    work(runtime)
    _click_edit_on_running_card(bolt, slack, runtime)


def _click_edit_on_running_card(bolt: ServedApp, slack: SlackStandIn, runtime: Runtime) -> None:
    """The Edit button is gone from a running campaign's card; a click from an old copy of
    the card (a client that has not refreshed) is answered privately."""
    campaign = _only_campaign(runtime)
    card = _card(slack)
    assert "Edit" not in _buttons(card)
    payload = interactions.block_actions(
        slack,
        user=HUMAN,
        channel=CAMPAIGNS,
        message_ts=card["ts"],
        action={
            "action_id": "campaign-edit-plan",
            "block_id": "campaign",
            "type": "button",
            "value": campaign.id,
        },
    )
    assert bolt.sender.send_interaction(payload).status == 200
    refusal = slack.ephemerals(CAMPAIGNS)[-1]
    assert refusal["user"] == HUMAN and "is running" in refusal["text"]
    assert str(campaign.budget_usd) == "60.00"
