"""Setting up a workspace from Slack (issue 20), with the real pieces: signed requests into the
real Bolt app, the Slack stand-in over HTTP, Redis and an RQ worker (in-process, burst), the
database; `python app.py setup` as a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jobs.queue import waiting_job_ids
from jobs.runtime import Runtime
from jobs.setup.command import run_setup_command
from jobs.setup.run import WELCOME_KEY, department_channels
from jobs.slack.people import may_decide
from jobs.workspace import approvals_for
from models import posts
from sandbox import slack_interactions as interactions
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import app_home_opened_event
from settings import Settings
from tests.conftest import BOT_TOKEN, CHANNEL_CONTENT, HUMAN, SIGNING_SECRET, TEAM, ServedApp, work

REPO = Path(__file__).resolve().parent.parent
ADMIN, ADMIN_DM, HUMAN_DM = "U0ADMIN", "D0ADMIN", "D0HUMANHOME"
WRITERS = "S0WRITERS"
OTHER_TEAM = "T0OTHER"


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(ADMIN, "ada", is_admin=True)
    slack.add_channel(ADMIN_DM, "", is_im=True, user=ADMIN)
    slack.add_channel(HUMAN_DM, "", is_im=True, user=HUMAN)
    slack.add_usergroup(WRITERS, "writers", [HUMAN])


def _home(bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, user: str, dm: str) -> str:
    assert bolt.sender.send_event(app_home_opened_event(user=user, channel=dm)).status == 200
    work(runtime)
    home = slack.workspace.views.for_user(user)["home"]
    assert home is not None
    return json.dumps(home["blocks"], ensure_ascii=False)


def _click_home(bolt: ServedApp, slack: SlackStandIn, user: str, action_id: str) -> None:
    """A click on a Home button (forged when the person's Home never showed it)."""
    home = slack.workspace.views.for_user(user)["home"]
    action = {"action_id": action_id, "block_id": "setup", "type": "button", "value": TEAM}
    payload = interactions.block_actions(slack, user=user, action=action, view_id=home["id"])
    assert bolt.sender.send_interaction(payload).status == 200


def _queued(runtime: Runtime) -> list[str]:
    return waiting_job_ids(runtime.redis, runtime.settings.queue_name)


def _channel_named(slack: SlackStandIn, name: str) -> dict[str, Any] | None:
    return next((c for c in slack.workspace.channels.values() if c.get("name") == name), None)


def test_an_admin_sets_up_the_department_from_app_home(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    home = _home(bolt, runtime, slack, ADMIN, ADMIN_DM)
    assert "Set up the department" in home and "Not set up yet" in home

    _click_home(bolt, slack, ADMIN, "setup-workspace")
    [said] = slack.ephemerals(ADMIN_DM)
    assert said["user"] == ADMIN and said["text"].startswith("Setting up the department")
    assert _queued(runtime) == [f"setup-{TEAM}"]
    work(runtime)

    for name in department_channels(runtime):
        channel = _channel_named(slack, name)
        assert channel is not None and channel["is_member"], name
    leadership = _channel_named(slack, "mkt-leadership")
    assert leadership is not None
    assert leadership["topic"]["value"].startswith("Leadership team · lead: CMO")
    [welcome] = slack.messages(leadership["id"])
    assert welcome["username"] == "CMO" and "Welcome to the marketing department" in welcome["text"]
    report = json.dumps(slack.workspace.views.for_user(ADMIN)["home"]["blocks"])
    assert "Last set-up" in report
    assert "#mkt-content: already there" in report  # the fixture's channel, the app in it
    assert "#mkt-leadership: created" in report and "Welcome posted in #mkt-leadership" in report


def test_a_non_admin_sees_no_set_up_and_a_forged_click_is_refused(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    assert "Set up the department" not in _home(bolt, runtime, slack, HUMAN, HUMAN_DM)

    _click_home(bolt, slack, HUMAN, "setup-workspace")
    _click_home(bolt, slack, HUMAN, "setup-approvers")
    _click_home(bolt, slack, HUMAN, "setup-channels")
    texts = [e["text"] for e in slack.ephemerals(HUMAN_DM)]
    assert (
        texts
        == ["Only workspace admins and owners can set up the department. Nothing changed."] * 3
    )
    assert _queued(runtime) == [] and slack.workspace.views.for_user(HUMAN)["modals"] == []
    work(runtime)
    assert _channel_named(slack, "mkt-leadership") is None
    assert not slack.calls_to("conversations.create")


def _approvers_form(bolt: ServedApp, runtime: Runtime, slack: SlackStandIn) -> dict[str, Any]:
    _home(bolt, runtime, slack, ADMIN, ADMIN_DM)
    _click_home(bolt, slack, ADMIN, "setup-approvers")
    modals: list[dict[str, Any]] = slack.workspace.views.for_user(ADMIN)["modals"]
    [modal] = modals
    return modal


def _submit(
    bolt: ServedApp, slack: SlackStandIn, modal: dict[str, Any], values: dict[str, Any], user: str
) -> dict[str, Any]:
    payload = interactions.view_submission(slack, user=user, view=modal, values=values)
    response = bolt.sender.send_interaction(payload)
    assert response.status == 200
    return response.json() if response.body.strip() else {}


CHOSEN = {
    "users:blog_post": {"users": {"type": "multi_users_select", "selected_users": [HUMAN]}},
    "groups:escalation": {
        "groups": {"type": "multi_static_select", "selected_options": [{"value": WRITERS}]}
    },
}


def test_the_approvers_form_saves_for_this_workspace_only(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    modal = _approvers_form(bolt, runtime, slack)
    block_ids = {b.get("block_id") for b in modal["blocks"]}
    assert {"users:blog_post", "groups:escalation", "users:campaign_plan"} <= block_ids
    assert not may_decide(runtime.people, TEAM, approvals_for(runtime, TEAM), "blog_post", HUMAN)

    assert _submit(bolt, slack, modal, CHOSEN, ADMIN) == {}

    mine, theirs = approvals_for(runtime, TEAM), approvals_for(runtime, OTHER_TEAM)
    assert mine.for_action("blog_post").users == (HUMAN,)
    assert mine.for_action("escalation").groups == (WRITERS,)
    assert mine.for_action("blog_post").chain == runtime.approvals.for_action("blog_post").chain
    assert theirs == runtime.approvals  # workspace B keeps bots/approvals.toml's
    assert may_decide(runtime.people, TEAM, mine, "blog_post", HUMAN)
    assert may_decide(runtime.people, TEAM, mine, "escalation", HUMAN)  # through the group
    assert not may_decide(runtime.people, OTHER_TEAM, theirs, "blog_post", HUMAN)
    shown_again = _approvers_form(bolt, runtime, slack)
    blog = next(b for b in shown_again["blocks"] if b.get("block_id") == "users:blog_post")
    assert blog["element"]["initial_users"] == [HUMAN]


def test_a_forged_or_made_up_submission_saves_nothing(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    modal = _approvers_form(bolt, runtime, slack)
    refused = _submit(bolt, slack, modal, CHOSEN, HUMAN)  # not an admin
    assert refused["response_action"] == "errors"
    assert "Only workspace admins" in next(iter(refused["errors"].values()))
    made_up = {"users:launch_rockets": {"users": {"selected_users": [HUMAN]}}}
    answer = _submit(bolt, slack, modal, made_up, ADMIN)
    assert answer["errors"] == {
        "users:launch_rockets": "This is not a field of the approvers form."
    }
    bad_id = {"users:blog_post": {"users": {"selected_users": ["<!channel>"]}}}
    assert "users:blog_post" in _submit(bolt, slack, modal, bad_id, ADMIN)["errors"]
    assert approvals_for(runtime, TEAM) == runtime.approvals


def _setup_command(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env |= {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": settings.slack_api_url,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "ANTHROPIC_API_KEY": "test-key",
    }
    command = [sys.executable, str(REPO / "app.py"), "setup", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def _setup_again(
    settings: Settings, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[str]]:
    """The same command in this process (its exit code, its lines): the process itself is
    each test's first run; a fresh interpreter per run cost several seconds."""
    capsys.readouterr()
    code = run_setup_command(settings, list(args))
    return code, capsys.readouterr().out.splitlines()


def test_python_app_py_setup_run_twice_changes_and_posts_once(
    settings: Settings, runtime: Runtime, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.add_channel("C0INSIGHTS", "mkt-insights", is_private=True, is_member=False)
    slack.fail_next("conversations.create", status=200, error="restricted_action")

    first = _setup_command(settings)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert "#mkt-content: already there" in lines
    # the first channel to create met the workspace's restriction
    assert lines[0].startswith("#mkt-leadership: could not create it: this workspace lets only")
    assert any(
        line.startswith("#mkt-insights: could not create it: a channel with") for line in lines
    )
    assert "#mkt-comms: created" in lines and "#mkt-comms: topic set" in lines
    assert "Welcome not posted: the CMO's channel is not available (see above)" in lines

    code, again = _setup_again(settings, capsys)
    assert code == 0, again
    assert "#mkt-leadership: created" in again and "Welcome posted in #mkt-leadership" in again
    assert "#mkt-comms: already there" in again and "#mkt-comms: topic already set" in again

    third = _setup_again(settings, capsys)[1]
    assert "Welcome already posted in #mkt-leadership" in third
    assert not [line for line in third if line.endswith((": created", ": topic set", ": joined"))]
    creates = [c for c in slack.calls_to("conversations.create") if c.response.get("ok")]
    assert len(creates) == len(department_channels(runtime)) - 2  # mkt-content, mkt-insights
    leadership = _channel_named(slack, "mkt-leadership")
    assert leadership is not None and len(slack.messages(leadership["id"])) == 1
    with runtime.sessions() as session:
        assert [p.ts for p in posts.parts_of(session, TEAM, WELCOME_KEY)] != [None]


def test_a_renamed_channel_is_created_under_the_workspaces_name(
    settings: Settings, runtime: Runtime, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    done = _setup_command(settings, "--channel", "mkt-campaigns=campaigns")
    assert done.returncode == 0, done.stderr
    assert "#campaigns (the department's #mkt-campaigns): created" in done.stdout.splitlines()
    assert _channel_named(slack, "mkt-campaigns") is None
    code, bad = _setup_again(settings, capsys, "--channel", "mkt-nowhere=x")
    assert code == 2 and any("'mkt-nowhere' is not one of" in line for line in bad)
    assert CHANNEL_CONTENT in slack.workspace.channels
