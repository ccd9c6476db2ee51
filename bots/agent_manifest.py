"""The Slack app manifest of one agent's own app, generated from the roster.

With one Slack app per agent (optional; README "One Slack app per agent"), each agent is a
bot user of its own that people mention (`@Copywriter`) and DM. Its app needs much less than
the department's (the root `manifest.yml`, kept by hand): it hears mentions of itself, DMs
to it and follow-ups in its threads, and it posts and edits its own replies, and the
department's cards and other agents' replies in a person's DM with it, under their own name
and icon (chat:write.customize; their buttons come back to it: interactivity).
Commands, App Home, the assistant pane and shortcuts stay with the department's app.

    python app.py manifest --agent copywriter            # prints it
    python app.py manifest --agent copywriter --out DIR  # writes DIR/copywriter.json
    python app.py manifest --all --out DIR               # one file per agent

With `--url` (where the app is reachable) each manifest also lists the agent app's OAuth
redirect, `/slack/oauth_redirect/<agent id>` on that host (its one-click install:
handlers/install.py), as the root manifest lists the department's.

The manifest is JSON, which Slack's "From an app manifest" takes as it is (and which is YAML
too). Scopes and events are exactly what an agent app's listeners and posts use
(tests/bots/test_agent_manifest.py keeps them honest).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bots.roster import Agent, Roster, load_roster
from errors import RosterError

DEFAULT_REQUEST_URL = "https://your-host.example.com/slack/events"  # as in manifest.yml
DESCRIPTION_MAX_CHARS = 139  # Slack's short description is under 140 characters
NAME_MAX_CHARS = 35  # Slack's app name limit
# Dark enough for white text, as Slack's app tiles show it; an agent without a `color` in the
# roster gets one of these by its id, the same every time.
PALETTE = ("#1264a3", "#2c6e49", "#7a3e9d", "#a4373a", "#3d5a80", "#8c5e1a", "#2e6f73", "#5b4b8a")

# Each scope, and what of an agent app needs it.
SCOPES: dict[str, str] = {
    "app_mentions:read": "app_mention: a mention of its bot user",
    "im:history": "message.im: DMs to it",
    "channels:history": "message.channels: follow-ups in its threads; reply recovery reads",
    "groups:history": "message.groups: the same in private channels",
    # assistant.threads.setStatus takes chat:write (Slack's changelog, 2026-03-05: assistant:write
    # is on its way out for it), so no assistant:write, which needs the assistant pane.
    "chat:write": "post, edit and stream its replies; cards in its DMs; the thread's status",
    # In a person's DM with it, the department's app cannot post: another agent's reply there
    # goes out with this app's token under that agent's name and icon (jobs/slack/own_voice.py).
    "chat:write.customize": "username/icon_emoji: another agent's words in its DMs",
    "channels:read": "conversations.info: is it in this public channel?",
    "groups:read": "conversations.info: a private channel it was invited to",
    "im:read": "conversations.info: is this DM its own?",
    "channels:join": "conversations.join: a public channel before its first reply there",
}
BOT_EVENTS = ("app_mention", "message.channels", "message.groups", "message.im")
# Installed by OAuth: leaving a workspace deletes its installation there (handlers/uninstall.py).
INSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")
REDIRECT_PATH = "/slack/oauth_redirect"  # handlers/install.py's, with /<agent id> after it


def agent_manifest(agent: Agent, request_url: str = DEFAULT_REQUEST_URL) -> dict[str, Any]:
    """The manifest of `agent`'s own Slack app, in the shape of the root manifest.yml; with a
    known `request_url` (not the placeholder), its OAuth redirect on that host."""
    oauth: dict[str, Any] = {"scopes": {"bot": list(SCOPES)}}
    if request_url != DEFAULT_REQUEST_URL:
        oauth = {"redirect_urls": [redirect_url(agent.id, request_url)], **oauth}
    return {
        "display_information": {
            "name": agent.display_name[:NAME_MAX_CHARS],
            "description": description(agent),
            "background_color": colour(agent),
        },
        "features": {
            "app_home": {
                "home_tab_enabled": False,  # App Home is the department app's
                "messages_tab_enabled": True,  # people DM the agent
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": agent.display_name, "always_online": True},
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": {
                "request_url": request_url,
                "bot_events": [*BOT_EVENTS, *INSTALL_EVENTS],
            },
            "interactivity": {"is_enabled": True, "request_url": request_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def redirect_url(agent_id: str, request_url: str) -> str:
    """Where Slack sends the installer of this agent's app back: the request URL's host."""
    parts = urlsplit(request_url)
    return urlunsplit((parts.scheme, parts.netloc, f"{REDIRECT_PATH}/{agent_id}", "", ""))


def description(agent: Agent) -> str:
    """What Slack shows under the app's name: the role and its first responsibility."""
    text = f"{agent.display_name} of your AI marketing department: {agent.responsibilities[0]}."
    if len(text) <= DESCRIPTION_MAX_CHARS:
        return text
    return text[: DESCRIPTION_MAX_CHARS - 1].rstrip() + "…"


def colour(agent: Agent) -> str:
    """The roster's `color`, or a stable one from the palette."""
    if agent.color is not None:
        return agent.color.lower()
    digest = hashlib.sha256(agent.id.encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def as_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def write_manifests(
    roster: Roster, agent_ids: list[str], out: Path, request_url: str
) -> list[Path]:
    """One `<agent id>.json` per agent in `out` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for agent_id in agent_ids:
        path = out / f"{agent_id}.json"
        path.write_text(as_text(agent_manifest(roster.get(agent_id), request_url)), "utf-8")
        written.append(path)
    return written


def command(argv: list[str], roster_path: Path) -> int:
    """`python app.py manifest …`: 0 on success, 2 with one line on a mistake."""
    parser = argparse.ArgumentParser(
        prog="python app.py manifest", description="Write an agent's own Slack app manifest."
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--agent", help="the agent's id in the roster, e.g. copywriter")
    which.add_argument("--all", action="store_true", help="every agent (needs --out)")
    parser.add_argument("--out", type=Path, help="a directory: writes <agent id>.json there")
    parser.add_argument("--url", default=DEFAULT_REQUEST_URL, help="the app's request URL")
    args = parser.parse_args(argv)
    try:
        roster = load_roster(roster_path)
    except RosterError as error:
        print(error, file=sys.stderr)
        return 2
    if args.agent is not None and args.agent not in roster.by_id:
        print(
            f"No agent {args.agent!r} in the roster (known: {', '.join(roster.by_id)})",
            file=sys.stderr,
        )
        return 2
    if args.all and args.out is None:
        print("--all writes one file per agent: give --out DIR", file=sys.stderr)
        return 2
    ids = list(roster.by_id) if args.all else [args.agent]
    if args.out is None:
        print(as_text(agent_manifest(roster.get(args.agent), args.url)), end="")
        return 0
    for path in write_manifests(roster, ids, args.out, args.url):
        print(f"Wrote {path}")
    return 0
