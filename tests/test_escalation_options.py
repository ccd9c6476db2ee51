"""An escalation that names options: the Decide modal shows the question and offers them (radio
buttons, with an optional note); the chosen option and the note become the answer the waiting
agent resumes with. Bad option lists are refused to the model; rows from before load as they
were."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bots.tools import Escalate, parse_as
from handlers.escalation_answers import NO_ANSWER, NO_CHOICE, STALE_CHOICE, read_answer
from jobs.department.escalation_cards import DECIDE, SEND_BACK, answer_modal
from jobs.runtime import Runtime
from models import kinds
from models.kinds import EscalationAnswer, EscalationDetails
from models.work import Task
from sandbox import slack_interactions as interactions
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.slack_api import SlackStandIn
from tests.conftest import ServedApp, work
from tests.test_escalation_flow import APPROVER, ESCALATE, ESCALATIONS, INTERN, _click, _cmo, ask

OPTIONS = ["Approve the $12k shift", "Decline", "Approve with a $6k cap"]


@pytest.fixture()
def escalation_channel(slack: SlackStandIn) -> None:
    slack.add_channel(ESCALATIONS, "mkt-escalations", is_member=False)
    slack.add_user(APPROVER, "exec", is_admin=True)
    slack.add_user(INTERN, "intern")


def _escalated(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> dict[str, Any]:
    claude.script_for(
        _cmo(False),
        ToolUseReply("escalate", ESCALATE | {"options": OPTIONS}),
        TextReply("Escalated with three options."),
    )
    claude.script_for(_cmo(True), TextReply("Going ahead with the capped shift."))
    ask(bolt, slack, "should we move budget to LinkedIn?")
    work(runtime)
    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    return card


def _submit(
    bolt: ServedApp, slack: SlackStandIn, choice: str | None, note: str, by: str = APPROVER
) -> dict[str, Any]:
    [modal] = slack.workspace.views.for_user(APPROVER)["modals"]
    values: dict[str, Any] = {"answer": {"text": {"type": "plain_text_input", "value": note}}}
    selected = None if choice is None else {"value": choice, "text": {"type": "plain_text"}}
    values["choice"] = {"option": {"type": "radio_buttons", "selected_option": selected}}
    response = bolt.sender.send_interaction(
        interactions.view_submission(slack, user=by, view=modal, values=values)
    )
    assert response.status == 200
    return response.json() if response.body.strip() else {}


def test_decide_offers_the_options_and_the_choice_resumes_the_work(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    card = _escalated(bolt, runtime, slack, claude)
    shown = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section" and "text" in b]
    assert "*Options*\n• Approve the $12k shift\n• Decline\n• Approve with a $6k cap" in shown

    _click(bolt, slack, card, "escalation-decide")
    [modal] = slack.workspace.views.for_user(APPROVER)["modals"]
    assert modal["blocks"][0]["text"]["text"] == f"*CMO* asks:\n{ESCALATE['issue']}"
    radio = next(b for b in modal["blocks"] if b.get("block_id") == "choice")["element"]
    assert radio["type"] == "radio_buttons"
    assert [o["text"]["text"] for o in radio["options"]] == OPTIONS
    note = next(b for b in modal["blocks"] if b.get("block_id") == "answer")
    assert note["optional"] is True

    errors = {"response_action": "errors"}
    assert _submit(bolt, slack, None, "") == errors | {"errors": {"choice": NO_CHOICE}}
    assert _submit(bolt, slack, "7", "") == errors | {"errors": {"choice": STALE_CHOICE}}
    refused = _submit(bolt, slack, "2", "", by=INTERN)  # who may not decide saves nothing
    assert refused == errors | {
        "errors": {
            "answer": "Only a workspace admin can decide on this escalation. Nothing changed."
        }
    }
    assert _submit(bolt, slack, "2", "Review the results in March.") == {}
    work(runtime)

    with runtime.sessions() as session:
        task = session.scalars(select(Task).where(Task.assigned_to == "human")).one()
    assert task.details.answer == EscalationAnswer(  # type: ignore[union-attr]
        verdict="decided", by=APPROVER, text="Review the results in March.", option=OPTIONS[2]
    )
    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["blocks"][1]["text"]["text"] == (  # the answer, under the title
        f":white_check_mark: Decided by <@{APPROVER}>: *Approve with a $6k cap* · "
        "Note: Review the results in March."
    )
    resumed = next(r for r in claude.requests if "<escalation_answer " in str(r.body["messages"]))
    assert "chose “Approve with a $6k cap”. Note: Review the results in March." in str(
        resumed.body["messages"]
    )


def test_bad_option_lists_are_refused_with_the_reason() -> None:
    one = parse_as("escalate", ESCALATE | {"options": ["Approve"]}, Escalate)
    assert isinstance(one, str) and "give 2 to 5 options, or none" in one
    twice = parse_as("escalate", ESCALATE | {"options": ["Approve", "approve"]}, Escalate)
    assert isinstance(twice, str) and "each option must be different" in twice
    long = parse_as("escalate", ESCALATE | {"options": ["x" * 76, "Decline"]}, Escalate)
    assert isinstance(long, str) and "at most 75 characters" in long
    many = parse_as("escalate", ESCALATE | {"options": [f"Option {i}" for i in range(6)]}, Escalate)
    assert isinstance(many, str) and "at most 5 items" in many
    fine = parse_as("escalate", ESCALATE | {"options": OPTIONS[:2]}, Escalate)
    assert isinstance(fine, Escalate) and fine.options == OPTIONS[:2]


def _task(options: list[str]) -> Task:
    card = dict(ESCALATE, level="Human", from_name="CMO", to_name="the team", options=options)
    details = EscalationDetails(card=kinds.EscalationCard.model_validate(card))
    task = Task(id="t1", team_id="T1", title="Escalation", brief="", context=kinds.dump(details))
    return task


def test_without_options_decide_is_free_text_and_send_back_never_offers_them() -> None:
    bare = answer_modal(_task([]), DECIDE)["blocks"]
    assert [b.get("block_id") for b in bare if b["type"] == "input"] == ["answer"]
    assert "optional" not in bare[-1]
    back = answer_modal(_task(OPTIONS), SEND_BACK)["blocks"]
    assert [b.get("block_id") for b in back if b["type"] == "input"] == ["answer"]
    assert back[-1]["label"]["text"] == "Guidance for the team"
    card = _task([]).details.card  # type: ignore[union-attr]
    assert read_answer(card, DECIDE, APPROVER, {}) == {"answer": NO_ANSWER}


def test_rows_stored_before_options_still_load() -> None:
    old = {
        "kind": "escalation",
        "card": {k: v for k, v in _task([]).context["card"].items() if k != "options"},
        "answer": {"verdict": "decided", "by": "U2", "text": "Approved."},
    }
    loaded = kinds.load("old", old)
    assert isinstance(loaded, EscalationDetails)
    assert loaded.card.options == [] and loaded.answer is not None
    assert loaded.answer.option is None
    assert loaded.answer.for_agent() == "Decided by <@U2>: Approved."
