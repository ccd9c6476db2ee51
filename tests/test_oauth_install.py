"""One-click install over real HTTP, to uninstall and the purge: the Bolt app served by
waitress, the Slack stand-in's authorize page and oauth.v2.access, a real worker, the
database and Redis."""

from __future__ import annotations

import html
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from redis import Redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select, text

import app as app_module
from errors import WorkspaceNotInstalled
from handlers.install import bot_scopes
from jobs import runtime as runtime_module
from jobs.queue import (
    FORGET_WORKSPACE,
    NOT_INSTALLED,
    PUBLISH_HOME,
    enqueue,
    lane_queue,
    turn_queue,
)
from jobs.runtime import Runtime
from jobs.setup.command import run_setup_command
from jobs.sweeper import sweep
from jobs.workspace_exit import forget_workspace, purge_expired
from models import workspaces
from models.base import utcnow
from models.installations import slack_tables
from models.records import Turn
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import app_mention_event
from sandbox.slack_oauth import ENTERPRISE_ID, SlackOAuth
from tests.conftest import (
    BOT_USER,
    CHANNEL_GENERAL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    make_settings,
    mention,
    serve_app,
    work,
)

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-xyz"
KEY = "q5r0bB3yX0mJ7o8m1tq6J8mJ3d8d0Q3S8y0cC3i5kVY="


class Installed:
    def __init__(self, rt: Runtime, sender: SlackRequestSender, base: str, oauth: SlackOAuth):
        self.rt, self.sender, self.base, self.oauth = rt, sender, base, oauth


@pytest.fixture()
def installed(
    request: pytest.FixtureRequest,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: Redis,
) -> Iterator[Installed]:
    """The app in OAuth mode, ready for a person's click through the stand-in (with token
    rotation on when parametrized `True`)."""
    settings = make_settings(
        slack,
        claude,
        database_url,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_token_keys=KEY,
    )
    rt = runtime_module.build_runtime(settings)
    runtime_module.install(rt)
    server, url = serve_app(app_module.create_app(settings))
    base = url.removesuffix("/slack/events")
    oauth = slack.enable_oauth(
        CLIENT_ID,
        CLIENT_SECRET,
        f"{base}/slack/oauth_redirect",
        scopes=bot_scopes(),
        installer=HUMAN,
        token_rotation=getattr(request, "param", False),
    )
    try:
        yield Installed(rt, SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM), base, oauth)
    finally:
        server.close()


def click_install(base: str, agent_id: str | None = None) -> str:
    """A browser: the install page, its "Add to Slack" link, Slack's Allow (the stand-in
    redirects at once), back to our redirect URL with the state cookie. The final page.
    Bolt's cookie is `Secure` (production is https), so it is carried by hand over http.
    `agent_id`: that agent's own app's install page (/slack/install/<agent id>)."""
    app = f"/{agent_id}" if agent_id else ""
    with urllib.request.urlopen(f"{base}/slack/install{app}") as page:
        cookie = page.headers["Set-Cookie"].split(";")[0]
        [link] = re.findall(r'href="([^"]*oauth/v2/authorize[^"]*)"', page.read().decode())
    with pytest.raises(urllib.error.HTTPError) as allow:  # a 302 not followed
        urllib.request.build_opener(_NoRedirect).open(html.unescape(link))
    redirect = allow.value.headers["Location"]
    assert allow.value.code == 302
    assert redirect.startswith(f"{base}/slack/oauth_redirect{app}?code=")
    back = urllib.request.Request(redirect, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(back) as finished:
            return str(finished.read().decode())
    except urllib.error.HTTPError as refused:  # a failure page (its text says why)
        return str(refused.read().decode())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def raw_values(rt: Runtime) -> list[str]:
    with rt.sessions() as session:
        return [
            str(value)
            for table in ("slack_installations", "slack_bots")
            for row in session.execute(text(f"select * from {table}"))
            for value in row
        ]


def test_install_serve_uninstall_and_purge(
    installed: Installed,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rt = installed.rt
    assert "Thank you" in click_install(installed.base)
    [token] = installed.oauth.issued
    assert not any(token in value for value in raw_values(rt))  # encrypted at rest
    with rt.sessions() as session:
        assert not workspaces.is_uninstalled(session, TEAM)
        assert session.get(workspaces.Workspace, TEAM) is not None

    # A request from that workspace is served with its own token (Bolt's authorize) …
    command = installed.sender.send_command(
        "/campaign", "", user_id=HUMAN, channel_id=CHANNEL_GENERAL
    )
    assert command.status == 200
    assert slack.wait_for(lambda: bool(slack.calls_to("views.open")))
    assert [c.token for c in slack.calls_to("views.open")] == [token]
    # … and a mention is answered by a worker with it too.
    claude.enqueue(TextReply("Hello from the department."))
    asked = mention(installed.sender, slack, CHANNEL_GENERAL, "hello")
    work(rt)
    replies = slack.messages(CHANNEL_GENERAL, asked)[1:]
    assert replies and "Hello from the department." in replies[-1]["text"]
    posted = [c for c in slack.calls if c.method in ("chat.postMessage", "chat.update")]
    assert posted and {c.token for c in posted} == {token}

    # The workspace uninstalls: Slack revokes, then tells us.
    mention(installed.sender, slack, CHANNEL_GENERAL, "queued before the uninstall")
    enqueue(turn_queue(rt.redis, rt.settings.queue_name), PUBLISH_HOME, TEAM, HUMAN)
    slack.oauth.revoke_all()  # type: ignore[union-attr]
    uninstalled = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}
    assert installed.sender.send_event(uninstalled).status == 200
    queue = turn_queue(rt.redis, rt.settings.queue_name)
    urgent = lane_queue(queue, FORGET_WORKSPACE.lane)  # where the Home view waits too
    forget_id = FORGET_WORKSPACE.job_id(TEAM, TEAM)
    assert queue.get_job_ids() and urgent.get_job_ids()[-1] == forget_id
    forget_workspace(TEAM, TEAM)  # as the worker will run it (and again below: twice is safe)
    # The turn and the Home view were dropped.
    assert queue.get_job_ids() == [] and urgent.get_job_ids() == [forget_id]
    work(rt)
    assert sweep(rt.sessions, rt.redis, rt.settings.queue_name, grace_s=0) == []
    with rt.sessions() as session:
        row = session.get(workspaces.Workspace, TEAM)
        assert row is not None and row.tokens_deleted_at is not None
        assert row.purge_after == row.uninstalled_at + timedelta(days=30)  # type: ignore[operator]
    assert raw_values(rt) == []  # the tokens are gone
    assert queue.count == 0 and urgent.count == 0
    with pytest.raises(WorkspaceNotInstalled):
        rt.slack_for(TEAM)

    # A job of that workspace that runs later ends quietly, without calling Slack.
    calls = len(slack.calls)
    caplog.set_level(logging.INFO)
    later = urgent.fetch_job(enqueue(queue, PUBLISH_HOME, TEAM, HUMAN))
    assert later is not None
    work(rt)
    assert later.get_status() == "finished" and len(slack.calls) == calls
    assert later.return_value() == NOT_INSTALLED
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert f"workspace {TEAM} is not installed" in caplog.text

    # The data stays 30 days, then every row of the workspace goes.
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Turn)) == 2
    with freeze_time(utcnow() + timedelta(days=29)):
        assert purge_expired(rt, utcnow()) == []
    with freeze_time(utcnow() + timedelta(days=30, minutes=1)):
        assert purge_expired(rt, utcnow()) == [TEAM]
    tables = workspaces.team_tables(slack_tables())
    with rt.sessions() as session:
        for table in tables:
            count = session.scalar(select(func.count()).select_from(table))
            assert count == 0, table.name


def test_an_org_wide_install_is_refused_and_stores_nothing(
    installed: Installed, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """Org-wide (Enterprise Grid) installs are not supported: the person is told so and how
    to install per workspace; no token kept, and the one Slack issued revoked; no workspace
    row. Requests that come from such an install get the not-installed answer, and nothing
    is kept."""
    installed.oauth.org_wide = True
    page = click_install(installed.base)
    assert "Org-wide install not supported" in page and "/slack/install" in page
    assert raw_values(installed.rt) == []
    with installed.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(workspaces.Workspace)) == 0
    assert f"Refused an org-wide install (enterprise {ENTERPRISE_ID})" in caplog.text
    [issued] = installed.oauth.issued
    with pytest.raises(SlackApiError, match="token_revoked"):
        WebClient(token=issued, base_url=slack.url).auth_test()

    mark = len(slack.calls)
    answer = slack.response_url(CHANNEL_GENERAL, HUMAN)
    command = installed.sender.send_command(
        "/campaign",
        "",
        user_id=HUMAN,
        channel_id=CHANNEL_GENERAL,
        response_url=answer,
        enterprise_id=ENTERPRISE_ID,
    )
    assert command.status == 200
    [shown] = [e["text"] for e in slack.ephemerals(CHANNEL_GENERAL) if e["user"] == HUMAN]
    assert "not installed in this workspace" in shown and "org-wide" in shown
    org_wide: dict[str, Any] = {"enterprise_id": ENTERPRISE_ID, "team_id": None}
    org_wide |= {"user_id": BOT_USER, "is_bot": True, "is_enterprise_install": True}
    event = app_mention_event(user=HUMAN, channel=CHANNEL_GENERAL, text="hi", ts="1.000100")
    mentioned = installed.sender.send_event(event, authorizations=[org_wide])
    assert mentioned.status == 200 and b"not installed in this workspace" in mentioned.body
    assert [c.method for c in slack.calls[mark:]] == ["response_url"]  # no token looked for
    with installed.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Turn)) == 0
    assert installed.rt.redis.keys("rq:job:*") == []


def test_an_org_wide_install_whose_token_cannot_be_revoked_is_refused_all_the_same(
    installed: Installed, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """The revoke is best effort: Slack failing it leaves the refusal as it was, and the log
    says which token could not be revoked without showing it."""
    installed.oauth.org_wide = True
    slack.fail_next("auth.revoke", status=200, error="internal_error")
    page = click_install(installed.base)
    assert "Org-wide install not supported" in page
    assert raw_values(installed.rt) == []
    [issued] = installed.oauth.issued
    assert WebClient(token=issued, base_url=slack.url).auth_test()["ok"]  # not revoked
    assert (
        f"Could not revoke the bot token of a refused org-wide install (enterprise "
        f"{ENTERPRISE_ID}): internal_error"
    ) in caplog.text
    assert issued not in caplog.text


def test_a_reinstall_clears_the_uninstall(installed: Installed, slack: SlackStandIn) -> None:
    click_install(installed.base)
    uninstalled = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}
    assert installed.sender.send_event(uninstalled).status == 200
    work(installed.rt)
    click_install(installed.base)
    with installed.rt.sessions() as session:
        assert not workspaces.is_uninstalled(session, TEAM)
        assert workspaces.due_for_purge(session, utcnow() + timedelta(days=365)) == []
    assert installed.rt.slack_for(TEAM).auth_test()["ok"]


def test_a_revoked_bot_token_is_an_uninstall(installed: Installed, slack: SlackStandIn) -> None:
    click_install(installed.base)
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [BOT_USER]}}
    assert installed.sender.send_event(revoked).status == 200
    work(installed.rt)
    with pytest.raises(WorkspaceNotInstalled):
        installed.rt.slack_for(TEAM)


def test_tokens_never_reach_the_logs(
    installed: Installed, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    click_install(installed.base)
    installed.rt.slack_for(TEAM).auth_test()
    [token] = installed.oauth.issued
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged and CLIENT_SECRET not in logged


def test_the_set_up_command_serves_an_installed_workspace_named_by_team(
    installed: Installed, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """With OAuth installs there is no one token: `python app.py setup` needs `--team`, works
    with that workspace's installed token, and refuses a workspace that never installed."""
    settings = installed.rt.settings
    assert run_setup_command(settings, []) == 2
    assert "--team" in capsys.readouterr().out
    assert run_setup_command(settings, ["--team", "T0NEVER"]) == 2
    assert "T0NEVER has not installed the app" in capsys.readouterr().out
    assert slack.calls_to("conversations.create") == []

    assert "Thank you" in click_install(installed.base)
    [token] = installed.oauth.issued
    mark = len(slack.calls)
    assert run_setup_command(settings, ["--team", TEAM]) == 0
    assert "mkt-campaigns" in capsys.readouterr().out
    made = [c for c in slack.calls[mark:] if c.method == "conversations.create"]
    assert made and {c.token for c in slack.calls[mark:]} == {token}
