"""How an agent appears in a post, and the post that carries it.

The department's app shows every agent under a persona: a `username` and an `icon_emoji`
per message (chat:write.customize). An agent with its own app posts as its bot user, which
already is the agent, so it sends none. In a person's DM with an agent's own app only that
app can post (jobs/slack/own_voice.py), so it carries the other agents' words there under
their personas, which its manifest's chat:write.customize allows (bots/agent_manifest.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

logger = logging.getLogger(__name__)

CUSTOMIZE_SCOPE = "chat:write.customize"
# (workspace, agent) whose own app was found without CUSTOMIZE_SCOPE: said once per process.
_told_to_reinstall: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Persona:
    """How an agent appears in Slack (needs the chat:write.customize scope). `as_itself`: the
    agent posts with its own Slack app (jobs/slack/own_voice.py), whose bot user already has
    the agent's name and icon, so no override is sent. `via_app`: the agent whose own app's
    token carries the post (None: the department's app), so an app installed without
    chat:write.customize can be named to whoever must reinstall it (`post_message`)."""

    username: str
    icon_emoji: str
    as_itself: bool = False
    via_app: str | None = None

    @property
    def username_override(self) -> str | None:
        """A post's `username` argument (None: not sent; slack_sdk drops None arguments)."""
        return None if self.as_itself else self.username

    @property
    def icon_override(self) -> str | None:
        """A post's `icon_emoji` argument (None: not sent)."""
        return None if self.as_itself else self.icon_emoji


def post_message(
    client: WebClient, team_id: str, persona: Persona, **message: Any
) -> SlackResponse:
    """chat.postMessage under `persona`, never lost to it: an agent app posting for another
    agent (own_voice) may have been installed before its manifest asked chat:write.customize.
    Slack then ignores the name and icon (the post shows as the app's bot user) and lists
    the token's scopes in X-OAuth-Scopes; should it refuse with missing_scope instead, the
    post goes again without them. Either way the operator is told once to reinstall."""
    override: dict[str, Any] = {
        "username": persona.username_override,
        "icon_emoji": persona.icon_override,
    }
    if persona.via_app is None or persona.as_itself:
        return client.chat_postMessage(**message, **override)
    try:
        response = client.chat_postMessage(**message, **override)
    except SlackApiError as error:
        needed = error.response.get("needed") or CUSTOMIZE_SCOPE  # Slack names what it lacks
        if error.response.get("error") != "missing_scope" or needed != CUSTOMIZE_SCOPE:
            raise
        _tell_to_reinstall(team_id, persona.via_app)
        return client.chat_postMessage(**message)  # refused: nothing was posted
    note_ignored_override(response, team_id, persona)
    return response


def note_ignored_override(response: SlackResponse, team_id: str, persona: Persona) -> None:
    """After a post (or a stream's start) under `persona` with an agent app's token: if the
    token lacks chat:write.customize, Slack showed it as the app's bot user; say so once."""
    if persona.via_app is None or persona.as_itself:
        return
    granted = granted_scopes(response)
    if granted is not None and CUSTOMIZE_SCOPE not in granted:
        _tell_to_reinstall(team_id, persona.via_app)


def granted_scopes(response: SlackResponse) -> frozenset[str] | None:
    """The scopes of the token that made the call, as Slack lists them on every Web API
    answer (X-OAuth-Scopes); None where the answer does not say."""
    listed = next(
        (value for name, value in response.headers.items() if name.lower() == "x-oauth-scopes"),
        None,
    )
    if listed is None:
        return None
    return frozenset(scope.strip() for scope in str(listed).split(",") if scope.strip())


def _tell_to_reinstall(team_id: str, agent_id: str) -> None:
    if (team_id, agent_id) in _told_to_reinstall:
        return
    _told_to_reinstall.add((team_id, agent_id))
    logger.warning(
        "Agent %s's own app in workspace %s lacks %s: other agents' posts in its DMs show as "
        "its bot user. Reinstall it from its manifest (python app.py manifest --agent %s).",
        agent_id,
        team_id,
        CUSTOMIZE_SCOPE,
        agent_id,
    )
