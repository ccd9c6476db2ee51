"""Modal submissions across workspaces: a modal submitted in workspace B that carries one of
A's record ids (in its private_metadata) is refused in B, under its inputs or in its answer,
and changes nothing in A; a modal that makes work makes it in B; a setting saved (the
approvers and channel-names forms) is B's; every Slack call carries B's token. A new modal
without a row in SUBMISSIONS fails `test_every_modal_is_covered`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from handlers.approvals import GONE
from jobs.workspace import approvals_for, workspace_settings
from models.campaigns import Campaign
from models.records import Turn
from sandbox import slack_interactions as interactions
from tests.conftest import CHANNEL_CONTENT, HUMAN, work
from tests.isolation_records import THREAD, Records, choose_settings, make_records
from tests.two_workspaces import (
    APPROVER,
    NO_ESCALATION,
    TEAM_A,
    TEAM_B,
    Pair,
    registered_listeners,
    tokens_of,
)


def _typed(value: str) -> dict[str, Any]:
    return {"element": {"type": "plain_text_input", "value": value}}


def _chosen(value: str) -> dict[str, Any]:
    return {"element": {"type": "static_select", "selected_option": {"value": value}}}


def _people(*users: str) -> dict[str, Any]:
    return {"users": {"type": "multi_users_select", "selected_users": list(users)}}


def _what(text: str) -> dict[str, Any]:
    return {"what": {"what": {"type": "plain_text_input", "value": text}}}


@dataclass(frozen=True)
class Submission:
    """A modal as B submits it: its metadata (from A's records) and inputs, and what B's
    submitter must get back (in the HTTP answer)."""

    metadata: Callable[[Records], str]
    values: dict[str, Any]
    answered: Callable[[Records, dict[str, Any]], bool]
    makes: int = 0  # records it starts in B (a campaign, a turn)


def _said(text: str) -> Callable[[Records, dict[str, Any]], bool]:
    return lambda a, answer: text.format(id=a.campaign) in json.dumps(answer, ensure_ascii=False)


SUBMISSIONS: dict[str, Submission] = {
    "approval-decision": Submission(
        lambda a: f"{a.approval}:reject",
        {"feedback": {"text": {"type": "plain_text_input", "value": "No."}}},
        lambda a, answer: answer == {"response_action": "errors", "errors": {"feedback": GONE}},
    ),
    "escalation-answer": Submission(
        lambda a: json.dumps({"task_id": a.task, "mode": "decide"}),
        {},
        lambda a, answer: answer["errors"] == {"answer": NO_ESCALATION},
    ),
    "campaign-plan-edit": Submission(
        lambda a: json.dumps({"campaign_id": a.campaign, "seen": "2026-01-01T00:00:00"}),
        {},
        _said("No campaign `{id}` in this workspace"),
    ),
    "campaign-outcome": Submission(
        lambda a: json.dumps({"campaign_id": a.campaign, "channel_id": CHANNEL_CONTENT}),
        {
            "success": _chosen("yes"),
            "hours": _typed("3"),
            "satisfaction": _typed("0.9"),
        },
        _said("No campaign `{id}` in this workspace. `/campaign list` shows yours."),
    ),
    "campaign-brief": Submission(
        lambda a: json.dumps({"channel_id": CHANNEL_CONTENT}),
        {"brief": _typed("Launch our webinar series for finance teams by next month")},
        _said("Analyzing… campaign"),
        makes=1,
    ),
    "send-to-department-modal": Submission(
        lambda a: json.dumps({"channel": CHANNEL_CONTENT, "ts": THREAD, "thread_ts": THREAD}),
        {"agent": {"agent": {"selected_option": {"value": "copywriter"}}}, **_what("a tagline")},
        lambda a, answer: answer == {},
        makes=1,
    ),
    "setup-approvers": Submission(  # no metadata: the workspace is the request's
        lambda a: "",
        {"users:blog_post": _people(APPROVER), "users:campaign_plan": _people(HUMAN)},
        lambda a, answer: answer == {},
    ),
    "setup-channels": Submission(  # saved for B, and B's set-up run (work() in the test)
        lambda a: "",
        {"channel:mkt-campaigns": {"name": {"type": "plain_text_input", "value": "b-campaigns"}}},
        lambda a, answer: answer["response_action"] == "update",
    ),
}


def test_every_modal_is_covered() -> None:
    modals = {key for kind, key in registered_listeners() if kind == "view"}
    assert modals == set(SUBMISSIONS)


def _submit(pair: Pair, callback_id: str, metadata: str, values: dict[str, Any]) -> Any:
    view = {"id": "V0B", "type": "modal", "callback_id": callback_id}
    view["private_metadata"] = metadata
    payload = interactions.view_submission(
        pair.slack, user=APPROVER, view=view, values=values, team=TEAM_B
    )
    answer = pair.senders[TEAM_B].send_interaction(payload)
    assert answer.status == 200
    return answer.json() if answer.body.strip() else {}


@pytest.mark.parametrize("callback_id", sorted(SUBMISSIONS))
def test_a_modal_submitted_in_b_with_as_ids_changes_nothing_in_a(
    pair: Pair, callback_id: str
) -> None:
    pair.slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="the source", team=TEAM_B)
    a = make_records(pair.rt.sessions, TEAM_A)
    before = a.state(pair.rt.sessions)
    submission = SUBMISSIONS[callback_id]
    mark = pair.mark()
    answer = _submit(pair, callback_id, submission.metadata(a), submission.values)
    assert submission.answered(a, answer), answer
    with pair.rt.sessions() as session:  # what a modal started is B's
        made = [*session.scalars(select(Campaign.team_id).where(Campaign.id != a.campaign))]
        made += session.scalars(select(Turn.team_id).where(Turn.id != a.turn))
    assert made == [TEAM_B] * submission.makes
    assert a.state(pair.rt.sessions) == before
    assert tokens_of(pair.calls_since(mark)) <= {TEAM_B}
    work(pair.rt)
    assert a.state(pair.rt.sessions) == before
    assert tokens_of(pair.calls_since(mark)) <= {TEAM_B}


def test_approvers_chosen_in_b_are_bs_and_leave_as_choice(pair: Pair) -> None:
    """A chose HUMAN for blog posts; B's admin chooses others (HUMAN for campaign plans):
    each workspace decides with its own people, A's row unchanged."""
    a = make_records(pair.rt.sessions, TEAM_A)
    choose_settings(pair.rt.sessions, TEAM_A, APPROVER)
    before, theirs = a.state(pair.rt.sessions), approvals_for(pair.rt, TEAM_A)
    submission = SUBMISSIONS["setup-approvers"]
    assert _submit(pair, "setup-approvers", "", submission.values) == {}
    mine = approvals_for(pair.rt, TEAM_B)
    assert mine.for_action("blog_post").users == (APPROVER,)
    assert mine.for_action("campaign_plan").users == (HUMAN,)
    assert approvals_for(pair.rt, TEAM_A) == theirs and a.state(pair.rt.sessions) == before
    assert theirs.for_action("blog_post").users == (HUMAN,)
    assert theirs.for_action("campaign_plan").users == ()


def test_channel_names_chosen_in_b_are_bs_and_leave_as_names(pair: Pair) -> None:
    """A named its campaign channel #campaigns; B's admin names B's #b-campaigns: B's set-up
    creates it in B, with B's token; A's names, channels and row are unchanged."""
    a = make_records(pair.rt.sessions, TEAM_A)
    choose_settings(pair.rt.sessions, TEAM_A, APPROVER)
    before, channels_a = a.state(pair.rt.sessions), _channel_names(pair, TEAM_A)
    mark = pair.mark()
    submission = SUBMISSIONS["setup-channels"]
    assert submission.answered(a, _submit(pair, "setup-channels", "", submission.values))
    work(pair.rt)
    assert workspace_settings(pair.rt, TEAM_B).campaign_channel == "b-campaigns"
    assert workspace_settings(pair.rt, TEAM_A).campaign_channel == "campaigns"
    assert "b-campaigns" in _channel_names(pair, TEAM_B)
    assert _channel_names(pair, TEAM_A) == channels_a and a.state(pair.rt.sessions) == before
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}


def _channel_names(pair: Pair, team: str) -> set[str]:
    return {str(c.get("name")) for c in pair.slack.workspace_of(team).channels.values()}
