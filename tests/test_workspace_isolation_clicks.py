"""Buttons across workspaces: a card's button value (a record id of workspace A) clicked in
workspace B is refused there with a clear ephemeral, changes nothing in A, and every Slack
call it causes carries B's token. App Home's set-up buttons, whose value is a team id, act
on the clicker's own workspace: B's admin clicking them with A's team id sets up or opens B's,
never A's. Driven by every action the app registers: a new button without a row in CLICKS
or SETUP_CLICKS fails `test_every_button_is_covered`."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from handlers.approvals import GONE
from handlers.standup_buttons import ANSWERED
from jobs.workspace import workspace_settings
from models.approvals import Approval
from models.welcomes import Welcome
from sandbox import slack_interactions as interactions
from tests.conftest import CHANNEL_CONTENT, HUMAN, wait_until, work
from tests.isolation_records import RENAMED, choose_settings, make_records
from tests.two_workspaces import (
    APPROVER,
    NO_ESCALATION,
    TEAM_A,
    TEAM_B,
    Pair,
    registered_listeners,
    tokens_of,
)

NO_CAMPAIGN = "This campaign is gone: nothing changed."
# action_id → (which of A's records its value names, what B's clicker is told, {id} that
# value; None: the button is a link, acked and nothing more)
CLICKS: dict[str, tuple[str, str | None]] = {
    "approval-approve": ("approval", GONE),
    "approval-request-changes": ("approval", GONE),
    "approval-reject": ("approval", GONE),
    "approval-view-draft": ("approval", GONE),
    "escalation-acknowledge": ("task", NO_ESCALATION),
    "escalation-decide": ("task", NO_ESCALATION),
    "escalation-send-back": ("task", NO_ESCALATION),
    "campaign-approve-plan": ("campaign", NO_CAMPAIGN),
    "campaign-cancel": ("campaign", NO_CAMPAIGN),
    "campaign-edit-plan": ("campaign", "No campaign `{id}` in this workspace. Nothing changed."),
    "standup-nudge": ("task", ANSWERED),
    "standup-open-card": ("task", None),
}
# App Home's set-up buttons (admins only): action_id → the title of the modal B's admin is
# shown (never welcomed in B, so not told in a DM; A's DM with the app stays silent)
SETUP_CLICKS: dict[str, str] = {
    "setup-workspace": "Set-up",
    "setup-approvers": "Approvers",
    "setup-channels": "Channel names",
}
ADMIN_DM = "D0ADMIN"


def test_every_button_is_covered() -> None:
    actions = {key for kind, key in registered_listeners() if kind == "action"}
    assert actions == set(CLICKS) | set(SETUP_CLICKS)


def _click(pair: Pair, team: str, action_id: str, value: str) -> None:
    ts = pair.slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="a card", team=team)
    action = {"action_id": action_id, "block_id": "card", "type": "button", "value": value}
    payload = interactions.block_actions(
        pair.slack, user=APPROVER, action=action, channel=CHANNEL_CONTENT, message_ts=ts, team=team
    )
    assert pair.senders[team].send_interaction(payload).status == 200


@pytest.mark.parametrize("action_id", sorted(CLICKS))
def test_a_button_from_a_clicked_in_b_is_refused_and_changes_nothing(
    pair: Pair, action_id: str
) -> None:
    a = make_records(pair.rt.sessions, TEAM_A)
    before = a.state(pair.rt.sessions)
    record, told = CLICKS[action_id]
    mark = pair.mark()
    _click(pair, TEAM_B, action_id, getattr(a, record))
    if told is not None:
        assert wait_until(lambda: bool(pair.slack.ephemerals(CHANNEL_CONTENT, team=TEAM_B)), 10)
        [ephemeral] = pair.slack.ephemerals(CHANNEL_CONTENT, team=TEAM_B)
        value = getattr(a, record)
        assert (ephemeral["user"], ephemeral["text"]) == (APPROVER, told.format(id=value))
    work(pair.rt)  # whatever the click enqueued has run
    assert pair.slack.ephemerals(CHANNEL_CONTENT, team=TEAM_A) == []
    assert a.state(pair.rt.sessions) == before
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}


def test_b_deciding_its_own_card_leaves_as_card_and_uses_bs_token(pair: Pair) -> None:
    """The positive path: B's approval is decided and followed up, only with B's token; A's
    card of the same shape, in the same channel and thread ids, is untouched."""
    a = make_records(pair.rt.sessions, TEAM_A)
    b = make_records(pair.rt.sessions, TEAM_B)
    before = a.state(pair.rt.sessions)
    mark = pair.mark()
    _click(pair, TEAM_B, "approval-approve", b.approval)
    work(pair.rt)
    with pair.rt.sessions() as session:
        decided = session.get(Approval, b.approval)
        assert decided is not None and (decided.status, decided.decided_by) == (
            "approved",
            APPROVER,
        )
    assert a.state(pair.rt.sessions) == before
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}


@pytest.mark.parametrize("action_id", sorted(SETUP_CLICKS))
def test_a_set_up_button_with_as_team_clicked_by_bs_admin_acts_in_b_only(
    pair: Pair, action_id: str
) -> None:
    a = make_records(pair.rt.sessions, TEAM_A)
    choose_settings(pair.rt.sessions, TEAM_A, APPROVER)  # A's approvers, channels, budgets
    _welcomed_in_a(pair)
    before, channels = a.state(pair.rt.sessions), _channels(pair, TEAM_A)
    mark = pair.mark()
    _click(pair, TEAM_B, action_id, TEAM_A)
    work(pair.rt)  # the set-up, if one was asked for, has run
    [modal] = pair.slack.workspace_of(TEAM_B).views.for_user(APPROVER)["modals"]
    assert modal["title"]["text"] == SETUP_CLICKS[action_id]
    assert "initial_users" not in json.dumps(modal)  # A's chosen approver is not B's
    assert not set(RENAMED.values()) & _initial_values(modal)  # nor A's channel names
    assert pair.slack.ephemerals(ADMIN_DM, team=TEAM_A) == []
    assert a.state(pair.rt.sessions) == before and _channels(pair, TEAM_A) == channels
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}
    b = workspace_settings(pair.rt, TEAM_B)
    assert (b.setup_at is not None) == (action_id == "setup-workspace")
    if b.setup_at is not None:  # under the department's names, not A's
        assert "#mkt-campaigns: created" in b.setup_report
        assert "#campaigns" not in _channels(pair, TEAM_B)


def _initial_values(modal: dict[str, Any]) -> set[str]:
    """What a modal's inputs show before anyone types."""
    inputs = [b for b in modal.get("blocks") or [] if b.get("type") == "input"]
    return {str(b["element"].get("initial_value")) for b in inputs}


def _welcomed_in_a(pair: Pair) -> None:
    """The admin has a DM with the app in A (where A's set-up answers go), none in B."""
    pair.slack.add_channel(ADMIN_DM, "", is_im=True, user=APPROVER, team=TEAM_A)
    with pair.rt.sessions() as session:
        session.add(Welcome(team_id=TEAM_A, user_id=APPROVER, channel_id=ADMIN_DM, via="home"))
        session.commit()


def _channels(pair: Pair, team: str) -> dict[str, Any]:
    """A workspace's channels by name, as the stand-in holds them."""
    found = pair.slack.workspace_of(team).channels.values()
    return {str(c["name"]): copy.deepcopy(c) for c in found if c.get("name")}
