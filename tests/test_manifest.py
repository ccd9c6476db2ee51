"""manifest.yml asks for exactly what the app uses: no missing and no spare scopes or events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bots.examples import load_examples
from handlers.campaign_command import USAGE
from handlers.shortcuts import SEND_TO_DEPARTMENT
from handlers.standup_command import ACTION_WORDS, RITUAL_WORDS, WORKSPACE_WORDS

MANIFEST = yaml.safe_load((Path(__file__).resolve().parent.parent / "manifest.yml").read_text())

# Each Web API method and event the code uses, with the scope Slack requires for it.
USED = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.delete (own messages)": "chat:write",
    "username/icon_emoji": "chat:write.customize",
    "conversations.info (public)": "channels:read",
    "conversations.info (private)": "groups:read",
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "conversations.replies (thread context, reply recovery)": "channels:history",
    "conversations.history (recovering a top-level post a dead worker made)": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "/campaign": "commands",
    "/standup": "commands",
    "conversations.list (team channels by name)": "channels:read",
    "conversations.join (a public team channel, before the first post)": "channels:join",
    "conversations.list (private channels the app is in)": "groups:read",
    "conversations.members (private work on Home: who is in the channel)": "groups:read",
    "chat.postEphemeral": "chat:write",
    "users.info (may this person approve: admins)": "users:read",
    "usergroups.users.list (approvers as user groups)": "usergroups:read",
    "assistant.threads.setSuggestedPrompts (the assistant pane)": "assistant:write",
    "assistant_thread_started": "assistant:write",
    "conversations.setTopic (a team channel's lead)": "channels:write.topic",
    "conversations.create (the set-up: the department's channels)": "channels:manage",
    "usergroups.list (the set-up's approvers form offers the groups)": "usergroups:read",
}
EVENTS = {
    "app_mention",
    "message.channels",
    "message.groups",
    "message.im",
    "app_home_opened",
    "assistant_thread_started",
    "assistant_thread_context_changed",
    "app_uninstalled",
    "tokens_revoked",
}
HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
# What a listener's `app.event(...)` names, as the manifest subscribes it.
MESSAGE_EVENTS = {"message.channels", "message.groups", "message.im"}


def test_scopes_are_exactly_those_used() -> None:
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == set(USED.values())


def test_events_and_command() -> None:
    settings: dict[str, Any] = MANIFEST["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == EVENTS
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert commands == ["/campaign", "/standup"]
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True  # DMs allowed
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    # escalation cards' buttons and modal (views.open needs no scope, only a trigger_id)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")


def test_the_campaign_usage_hint_names_every_sub_command() -> None:
    """What Slack shows while typing `/campaign` lists what the parser takes (its answers are
    tested through the app in tests/handlers/test_commands.py)."""
    [campaign, _standup] = MANIFEST["features"]["slash_commands"]
    hint = campaign["usage_hint"]
    assert set(re.findall(r"[a-z]+", hint)) >= set(USAGE) - {"form"}  # `form`: `/campaign` alone
    assert len(hint) <= 1000  # Slack's limit for a usage hint


def test_the_standup_usage_hint_names_every_ritual_and_sub_command() -> None:
    """Every word `/standup` takes (handlers/standup_command.py) is in Slack's hint."""
    [_campaign, standup] = MANIFEST["features"]["slash_commands"]
    hint = standup["usage_hint"]
    assert set(re.findall(r"[a-z]+", hint)) >= {*RITUAL_WORDS, *ACTION_WORDS, *WORKSPACE_WORDS}
    assert len(hint) <= 1000


def test_the_assistant_pane_offers_the_sandboxs_examples() -> None:
    """Slack's AI side panel: its suggested prompts are bots/examples.toml's (one source)."""
    pane = MANIFEST["features"]["assistant_view"]
    assert pane["assistant_description"]
    prompts = [(p["title"], p["message"]) for p in pane["suggested_prompts"]]
    assert prompts == [(e.label, e.text) for e in load_examples().prompts]
    assert len(prompts) <= 4  # Slack shows at most four


def test_the_message_shortcut() -> None:
    [shortcut] = MANIFEST["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == SEND_TO_DEPARTMENT
    assert shortcut["name"] == "Send to the department" and len(shortcut["description"]) <= 80


def test_every_event_a_listener_takes_is_subscribed() -> None:
    """Each `.event("…")` in handlers/ (a new listener included) has its event in the
    manifest: a listener Slack never calls fails here, not in production."""
    taken = set()
    for path in HANDLERS.glob("*.py"):
        taken |= set(re.findall(r"\.event\(\s*\"([a-z_.]+)\"", path.read_text()))
    assert {"app_mention", "app_uninstalled", "tokens_revoked"} <= taken  # the scan works
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    for event in taken:
        assert ({event} if event != "message" else MESSAGE_EVENTS) <= subscribed, event


def test_the_install_redirect_and_its_scopes() -> None:
    """The OAuth install asks for the manifest's bot scopes (one list) and comes back to the
    path Bolt's flow serves."""
    from handlers.install import REDIRECT_PATH, bot_scopes

    [redirect] = MANIFEST["oauth_config"]["redirect_urls"]
    assert redirect.endswith(REDIRECT_PATH)
    assert bot_scopes() == MANIFEST["oauth_config"]["scopes"]["bot"]
