"""Two workspaces, A and B, installed in one app and served by one worker: the harness of the
isolation tests (tests/test_workspace_isolation*.py).

Both workspaces have the same channel, DM and user ids (Slack's ids are unique in practice;
here they collide on purpose, so only the team tells records apart), each its own bot token
in the Slack stand-in. A `TeamTokens` source gives each team its token, as the installation
store does after the OAuth install.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import app as app_module
from jobs import runtime as runtime_module
from jobs.runtime import Runtime
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import RecordedCall, SlackStandIn
from tests.conftest import (
    BOT_TOKEN,
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    DM_CHANNEL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    make_settings,
    serve_app,
)

TEAM_A, TEAM_B = TEAM, "T0OTHER"
TOKEN_A, TOKEN_B = BOT_TOKEN, "xoxb-other-team"
APPROVER = "U0ADMIN"  # an admin in both workspaces (same id, two people)
NO_ESCALATION = "This escalation no longer exists. Nothing changed."  # what B is told


@dataclass(frozen=True)
class TeamTokens:
    """A `TokenSource` of fixed installations: team id → bot token (None: not installed)."""

    tokens: dict[str, str] = field(default_factory=dict)

    def bot_token(self, team_id: str, agent_id: str | None = None) -> str | None:
        return self.tokens.get(team_id)


@dataclass
class Pair:
    """The app, its runtime, and a request sender per workspace."""

    rt: Runtime
    slack: SlackStandIn
    senders: dict[str, SlackRequestSender]
    url: str  # the app's Slack endpoint

    def calls_since(self, mark: int) -> list[RecordedCall]:
        return self.slack.calls[mark:]

    def mark(self) -> int:
        return len(self.slack.calls)


def add_team_b(slack: SlackStandIn) -> None:
    """Workspace B: the same ids as A's (tests/conftest.py's `slack` fixture), its own token."""
    slack.add_team(TEAM_B, bot_token=TOKEN_B, team_name="Other")
    slack.add_user(HUMAN, "bea", team=TEAM_B)
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", team=TEAM_B)
    slack.add_channel(CHANNEL_GENERAL, "general", team=TEAM_B)
    slack.add_channel(DM_CHANNEL, "", is_im=True, user=HUMAN, team=TEAM_B)
    for team in (TEAM_A, TEAM_B):
        slack.add_user(APPROVER, "admin", is_admin=True, team=team)


@contextlib.contextmanager
def two_workspaces(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, **extra: Any
) -> Iterator[Pair]:
    add_team_b(slack)
    tokens = TeamTokens({TEAM_A: TOKEN_A, TEAM_B: TOKEN_B})
    settings = make_settings(slack, claude, database_url, **extra)
    rt = runtime_module.build_runtime(settings, tokens)
    runtime_module.install(rt)
    server, url = serve_app(app_module.create_app(settings, tokens))
    senders = {t: SlackRequestSender(url, SIGNING_SECRET, team_id=t) for t in tokens.tokens}
    try:
        yield Pair(rt, slack, senders, url)
    finally:
        server.close()


def tokens_of(calls: list[RecordedCall]) -> set[str | None]:
    """The teams whose tokens these calls carried (None: a token of no team)."""
    return {call.team_id for call in calls}


class _Recorder:
    """Stands in for the Bolt app in `handlers.register`, noting each listener it is given."""

    def __init__(self) -> None:
        self.listeners: set[tuple[str, str]] = set()

    def __getattr__(self, kind: str) -> Any:
        def register(*args: Any, **_: Any) -> Any:
            if kind not in ("use", "middleware"):
                key = args[0] if args and isinstance(args[0], str) else type(args[0]).__name__
                self.listeners.add((kind, key))
            return lambda listener: listener

        return register


def registered_listeners() -> set[tuple[str, str]]:
    """Every listener `handlers.register` attaches, as (kind, id): ("action", "approval-approve"),
    ("event", "app_mention"), ("assistant", "Assistant")…"""
    import handlers

    recorder = _Recorder()
    handlers.register(recorder, *([None] * 4))  # type: ignore[arg-type]
    return recorder.listeners
