"""An agent's own Slack app installed by OAuth, like the department's, in two workspaces:
each install through the stand-in's authorize page, a mention of the agent's bot user in
each workspace answered with that workspace's installation of it, nothing of workspace A's
ever used for B, and its uninstall deleting only its own installation there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from redis import Redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, text

import app as app_module
from bots.agent_manifest import SCOPES as AGENT_SCOPES
from handlers.install import bot_scopes
from jobs import runtime as runtime_module
from jobs.runtime import Runtime
from jobs.workspace_exit import forget
from models import workspaces
from models.records import Turn
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn
from sandbox.slack_oauth import SlackOAuth
from tests.conftest import (
    BOT_USER,
    CHANNEL_CONTENT,
    HUMAN,
    SIGNING_SECRET,
    make_settings,
    serve_app,
    work,
)
from tests.test_oauth_install import CLIENT_ID, CLIENT_SECRET, KEY, click_install
from tests.two_workspaces import TEAM_A, TEAM_B, add_team_b

COPY_CLIENT_ID, COPY_CLIENT_SECRET = "3333.4444", "copywriter-client-secret"
COPY_SECRET = "copywriter-signing-secret"
COPY_USERS = {TEAM_A: "U0COPYA", TEAM_B: "U0COPYB"}  # its bot user differs per workspace
AGENT_APPS = json.dumps(
    {
        "copywriter": {
            "signing_secret": COPY_SECRET,
            "client_id": COPY_CLIENT_ID,
            "client_secret": COPY_CLIENT_SECRET,
        }
    }
)


@dataclass
class Installs:
    rt: Runtime
    slack: SlackStandIn
    url: str
    department: SlackOAuth
    copywriter: SlackOAuth

    @property
    def base(self) -> str:
        return self.url.removesuffix("/slack/events")

    def install(self, team_id: str, *, agent: bool = True) -> None:
        """Someone in `team_id` installs the department's app (and the Copywriter's)."""
        self.slack.install_in(team_id)
        assert "Thank you" in click_install(self.base)
        if agent:
            assert "Thank you" in click_install(self.base, "copywriter")

    def copywriter_sender(self, team_id: str) -> SlackRequestSender:
        return SlackRequestSender(
            self.url,
            COPY_SECRET,
            team_id=team_id,
            api_app_id=f"A{COPY_CLIENT_ID}",
            bot_user_id=COPY_USERS[team_id],
        )


@pytest.fixture()
def installs(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: Redis
) -> Iterator[Installs]:
    """Two workspaces, each with a Copywriter bot user of the agent's own app, nothing
    installed yet; the app and a runtime in OAuth mode with that agent app configured."""
    add_team_b(slack)
    for team_id, user in COPY_USERS.items():
        slack.add_bot(f"unused-{user}", user, f"B{user[1:]}", "Copywriter", team=team_id)
    settings = make_settings(
        slack,
        claude,
        database_url,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_token_keys=KEY,
        slack_agent_apps=AGENT_APPS,
    )
    rt = runtime_module.build_runtime(settings)
    runtime_module.install(rt)
    server, url = serve_app(app_module.create_app(settings))
    base = url.removesuffix("/slack/events")
    department = slack.enable_oauth(
        CLIENT_ID,
        CLIENT_SECRET,
        f"{base}/slack/oauth_redirect",
        scopes=bot_scopes(),
        installer=HUMAN,
    )
    copywriter = slack.enable_oauth(
        COPY_CLIENT_ID,
        COPY_CLIENT_SECRET,
        f"{base}/slack/oauth_redirect/copywriter",
        scopes=list(AGENT_SCOPES),
        installer=HUMAN,
        bot_name="Copywriter",
    )
    try:
        yield Installs(rt, slack, url, department, copywriter)
    finally:
        server.close()


def ask(slack: SlackStandIn, sender: SlackRequestSender, team_id: str, said: str) -> str:
    ts = slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=said, team=team_id)
    event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=said, ts=ts)
    assert sender.send_event(event).status == 200
    return ts


def replies(slack: SlackStandIn, team_id: str) -> list[tuple[str | None, dict[str, Any]]]:
    """(token, arguments) of every accepted chat.postMessage in the team's #mkt-content."""
    return [
        (call.token, call.args)
        for call in slack.calls_to("chat.postMessage")
        if call.team_id == team_id
        and call.args.get("channel") == CHANNEL_CONTENT
        and call.response.get("ok")
    ]


def turns_of(rt: Runtime, team_id: str) -> list[Turn]:
    with rt.sessions() as session:
        query = select(Turn).where(Turn.team_id == team_id).order_by(Turn.created_at)
        return list(session.scalars(query))


def test_an_agent_app_installed_in_two_workspaces_answers_each_with_its_own_token(
    installs: Installs, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    rt = installs.rt
    installs.install(TEAM_A)
    installs.install(TEAM_B, agent=False)  # B has the department, not yet the Copywriter's app
    [copy_a] = installs.copywriter.issued
    [dept_a, dept_b] = installs.department.issued
    with rt.sessions() as session:  # encrypted at rest, as the department's
        stored = [str(v) for row in session.execute(text("select * from slack_bots")) for v in row]
    assert not any(copy_a in value for value in stored)

    # In B the Copywriter speaks through the department's app: A's installation is not B's.
    claude.enqueue(TextReply("A tagline from the department's Copywriter."))
    department_b = SlackRequestSender(installs.url, SIGNING_SECRET, team_id=TEAM_B)
    ask(slack, department_b, TEAM_B, f"<@{BOT_USER}> copywriter: one tagline")
    work(rt)
    [(token, args)] = replies(slack, TEAM_B)
    assert token == dept_b and args["username"] == "Copywriter"

    # B installs the Copywriter's app too: no restart, its bot user is routed at once.
    slack.install_in(TEAM_B)
    assert "Thank you" in click_install(installs.base, "copywriter")
    [_, copy_b] = installs.copywriter.issued
    for team_id, said in ((TEAM_A, "taglines for A"), (TEAM_B, "taglines for B")):
        claude.enqueue(TextReply(f"The Copywriter's {said}."))
        ask(slack, installs.copywriter_sender(team_id), team_id, f"<@{COPY_USERS[team_id]}> {said}")
        work(rt)

    for team_id, token in ((TEAM_A, copy_a), (TEAM_B, copy_b)):
        last = turns_of(rt, team_id)[-1]
        assert last.agent_id == "copywriter" and last.status == "answered"
        (posted, args) = replies(slack, team_id)[-1]
        assert posted == token and "username" not in args  # as its own bot user
        [answer] = [m for m in slack.messages(CHANNEL_CONTENT, last.thread_ts, team=team_id)[1:]]
        assert answer["user"] == COPY_USERS[team_id]
    # Every call with a workspace's installation of either app was for that workspace.
    for token, team_id in ((copy_a, TEAM_A), (dept_a, TEAM_A), (copy_b, TEAM_B), (dept_b, TEAM_B)):
        assert {c.team_id for c in slack.calls if c.token == token} == {team_id}


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled", "event_ts": "1700000000.000100"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0COPYA"]}},
    ],
    ids=["app_uninstalled", "tokens_revoked"],
)
def test_an_agent_apps_uninstall_deletes_only_its_installation_there(
    installs: Installs, slack: SlackStandIn, event: dict[str, Any]
) -> None:
    rt = installs.rt
    installs.install(TEAM_A)
    installs.install(TEAM_B)
    [dept_a, _dept_b] = installs.department.issued
    [_copy_a, copy_b] = installs.copywriter.issued
    assert installs.copywriter_sender(TEAM_A).send_event(event).status == 200

    tokens = rt.slack_clients.tokens
    assert tokens.bot_token(TEAM_A, "copywriter") == dept_a  # the department's persona again
    assert tokens.bot_token(TEAM_A) == dept_a
    assert tokens.bot_token(TEAM_B, "copywriter") == copy_b
    with rt.sessions() as session:
        assert not workspaces.is_uninstalled(session, TEAM_A)

    # The department's own uninstall (B) deletes every token of ours there, the agent's too.
    left = {"type": "app_uninstalled", "event_ts": "1700000000.000200"}
    department_b = SlackRequestSender(installs.url, SIGNING_SECRET, team_id=TEAM_B)
    assert department_b.send_event(left).status == 200
    forget(rt, TEAM_B)
    assert tokens.bot_token(TEAM_B, "copywriter") is None and tokens.bot_token(TEAM_B) is None
    assert tokens.bot_token(TEAM_A) == dept_a


def test_an_agent_apps_rotating_token_is_refreshed_with_its_own_credentials(
    installs: Installs, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """As the department's (tests/test_token_rotation.py): the app's authorize refreshes a
    token about to expire, with the agent app's client id and secret (the stand-in knows its
    refresh token under that app only), and the worker then posts with the fresh one."""
    installs.copywriter.token_rotation = True
    installs.copywriter.token_lifetime_s = 3600  # under the two hours' margin
    installs.install(TEAM_A)
    installs.copywriter.token_lifetime_s = 12 * 3600
    [first] = installs.copywriter.issued
    claude.enqueue(TextReply("Said with a fresh token."))
    ask(slack, installs.copywriter_sender(TEAM_A), TEAM_A, f"<@{COPY_USERS[TEAM_A]}> hello")
    work(installs.rt)

    refreshed = [
        c for c in slack.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"
    ]
    assert [c.response["ok"] for c in refreshed] == [True]  # once: the worker found it fresh
    fresh = refreshed[0].response["access_token"]
    assert fresh != first and fresh in installs.copywriter.issued
    [(token, _args)] = replies(slack, TEAM_A)
    assert token == fresh


def test_an_agent_apps_org_wide_install_is_refused_and_its_token_revoked(
    installs: Installs, slack: SlackStandIn
) -> None:
    """As the department's: nothing stored, and the token Slack issued no longer works."""
    installs.copywriter.org_wide = True
    page = click_install(installs.base, "copywriter")
    assert "Org-wide install not supported" in page
    with installs.rt.sessions() as session:
        assert session.execute(text("select * from slack_bots")).all() == []
    [issued] = installs.copywriter.issued
    with pytest.raises(SlackApiError, match="token_revoked"):
        WebClient(token=issued, base_url=slack.url).auth_test()
