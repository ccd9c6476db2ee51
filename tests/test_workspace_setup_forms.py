"""The set-up's forms from Slack (issue 20): the channel names an admin gives the department's
channels (saved as `python app.py setup --channel` saves them, then the set-up creates or
joins them) and the approvers form's check that the people and groups it names exist. Signed
requests into the real Bolt app, the Slack stand-in over HTTP, Redis, the database and an
in-process RQ worker."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.setup import NAMES_SAVED
from handlers.setup_checks import GROUPS_UNCHECKED
from jobs.runtime import Runtime
from jobs.setup.channel_names import NAME_RULE
from jobs.setup.command import run_setup_command
from jobs.workspace import approvals_for, workspace_settings
from models import workspace_settings as stored
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import HUMAN, TEAM, ServedApp, work
from tests.test_workspace_setup import (
    ADMIN,
    ADMIN_DM,
    WRITERS,
    _channel_named,
    _click_home,
    _home,
    _queued,
    _submit,
    people,  # noqa: F401 (the admin, DMs and user group every test here uses)
)

BOT, GONE = "U0BOTUSER", "U0GONE"


def _typed(value: str) -> dict[str, Any]:
    return {"name": {"type": "plain_text_input", "value": value}}


def _names_form(bolt: ServedApp, runtime: Runtime, slack: SlackStandIn) -> dict[str, Any]:
    _home(bolt, runtime, slack, ADMIN, ADMIN_DM)
    _click_home(bolt, slack, ADMIN, "setup-channels")
    modal: dict[str, Any] = slack.workspace.views.for_user(ADMIN)["modals"][-1]
    return modal


def _shown(modal: dict[str, Any]) -> dict[str, str]:
    """The form's inputs: block_id → the name it shows."""
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    return {b["block_id"]: b["element"]["initial_value"] for b in inputs}


def _updated_at(runtime: Runtime) -> object:
    with runtime.sessions() as session:
        row = session.get(stored.WorkspaceSetting, TEAM)
        return None if row is None else row.updated_at


def test_an_admin_names_a_channel_and_the_set_up_creates_it_once(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    modal = _names_form(bolt, runtime, slack)
    shown = _shown(modal)
    assert shown["channel:mkt-campaigns"] == "mkt-campaigns"
    assert shown["channel:mkt-escalations"] == "mkt-escalations"
    values = {block_id: _typed(name) for block_id, name in shown.items()}
    values["channel:mkt-campaigns"] = _typed(" #campaigns ")

    answer = _submit(bolt, slack, modal, values, ADMIN)
    assert answer["response_action"] == "update" and NAMES_SAVED in json.dumps(answer)
    saved = _updated_at(runtime)
    assert _submit(bolt, slack, modal, values, ADMIN) == answer  # a retry: nothing written
    assert _updated_at(runtime) == saved and _queued(runtime) == [f"setup-{TEAM}"]
    work(runtime)

    assert workspace_settings(runtime, TEAM).campaign_channel == "campaigns"
    campaigns = _channel_named(slack, "campaigns")
    assert campaigns is not None and campaigns["is_member"]
    assert _channel_named(slack, "mkt-campaigns") is None
    creates = [c.args.get("name") for c in slack.calls_to("conversations.create")]
    assert creates.count("campaigns") == 1
    report = json.dumps(slack.workspace.views.for_user(ADMIN)["home"]["blocks"])
    assert "#campaigns (the department's #mkt-campaigns): created" in report
    assert _shown(_names_form(bolt, runtime, slack))["channel:mkt-campaigns"] == "campaigns"


def test_channel_names_are_checked_under_each_input_and_nothing_is_saved(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    modal = _names_form(bolt, runtime, slack)
    values = {
        "channel:mkt-campaigns": _typed("Our Campaigns"),
        "channel:mkt-social": _typed("mkt-content"),  # the department's #mkt-content already
        "channel:mkt-comms": _typed("c" * 81),
    }
    answer = _submit(bolt, slack, modal, values, ADMIN)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        "channel:mkt-campaigns": NAME_RULE,
        "channel:mkt-social": "#mkt-content is already the name of the department's #mkt-content.",
        "channel:mkt-comms": f"At most 80 characters. {NAME_RULE}",
    }
    made_up = _submit(bolt, slack, modal, {"channel:general": _typed("x")}, ADMIN)
    assert made_up["errors"] == {
        "channel:general": "This is not a field of the channel-names form."
    }
    forged = _submit(bolt, slack, modal, {"channel:mkt-campaigns": _typed("x")}, HUMAN)
    assert "Only workspace admins" in forged["errors"]["channel:mkt-campaigns"]
    assert _updated_at(runtime) is None and _queued(runtime) == []


def _approvers(users: dict[str, list[str]], groups: dict[str, list[str]]) -> dict[str, Any]:
    values: dict[str, Any] = {
        f"users:{kind}": {"users": {"type": "multi_users_select", "selected_users": ids}}
        for kind, ids in users.items()
    }
    for kind, ids in groups.items():
        chosen = [{"value": group} for group in ids]
        values[f"groups:{kind}"] = {"groups": {"selected_options": chosen}}
    return values


APPROVERS_VIEW = {"id": "V0FORM", "type": "modal", "callback_id": "setup-approvers"}


def test_approvers_must_be_people_and_groups_of_this_workspace(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    slack.add_user(BOT, "deploybot", is_bot=True)
    slack.add_user(GONE, "gone", deleted=True)
    _home(bolt, runtime, slack, ADMIN, ADMIN_DM)
    users = {"blog_post": [HUMAN, BOT], "escalation": [GONE], "campaign_plan": ["U0NOBODY", HUMAN]}
    values = _approvers(users, {"campaign_email": ["S0NOSUCH"], "blog_post": [WRITERS]})
    answer = _submit(bolt, slack, APPROVERS_VIEW, values, ADMIN)
    assert answer == {
        "response_action": "errors",
        "errors": {
            "users:blog_post": "deploybot is a bot or an app: approvers are people.",
            "users:escalation": "gone is deactivated: pick someone else.",
            "users:campaign_plan": "U0NOBODY is not a member of this workspace.",
            "groups:campaign_email": "S0NOSUCH is not a user group of this workspace (or it is "
            "disabled).",
        },
    }
    asked = [c.args.get("user") for c in slack.calls_to("users.info")]
    assert asked.count(HUMAN) == 1  # named twice, asked once
    assert approvals_for(runtime, TEAM) == runtime.approvals  # nothing saved


def test_groups_that_cannot_be_listed_are_saved_with_a_note(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    slack.fail_next("usergroups.list", status=200, error="missing_scope")
    _home(bolt, runtime, slack, ADMIN, ADMIN_DM)
    values = _approvers({"blog_post": [HUMAN]}, {"blog_post": ["S0UNLISTED"]})
    answer = _submit(bolt, slack, APPROVERS_VIEW, values, ADMIN)
    assert answer["response_action"] == "update" and GROUPS_UNCHECKED in json.dumps(answer)
    rule = approvals_for(runtime, TEAM).for_action("blog_post")
    assert (rule.users, rule.groups) == ((HUMAN,), ("S0UNLISTED",))


def test_slack_not_answering_the_check_saves_nothing_and_says_so(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    _home(bolt, runtime, slack, ADMIN, ADMIN_DM)  # the admin is known (cached) from here on
    slack.fail_next("users.info", retry_after_s=30)  # never waited out: a 429 is an answer
    answer = _submit(bolt, slack, APPROVERS_VIEW, _approvers({"blog_post": [HUMAN]}, {}), ADMIN)
    assert answer["errors"] == {
        "users:blog_post": "I couldn't check with Slack (ratelimited). Nothing was saved; "
        "try again in a moment."
    }
    assert approvals_for(runtime, TEAM) == runtime.approvals


def test_the_command_refuses_two_department_channels_of_one_name(
    settings: Settings, runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    """The form's rule, on `python app.py setup --channel` (in this process: it stops before
    anything is set up)."""
    assert run_setup_command(settings, ["--channel", "mkt-social=mkt-content"]) == 2
    said = capsys.readouterr().out
    assert said == (
        "--channel: #mkt-content is already the name of the department's #mkt-content\n"
    )
    assert run_setup_command(settings, ["--channel", "mkt-social=Social Team"]) == 2
    assert NAME_RULE in capsys.readouterr().out
    assert _updated_at(runtime) is None
