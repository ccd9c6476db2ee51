"""An agent's own Slack app manifest: generated from the roster, in the root manifest's shape,
asking for exactly what an agent app's listeners and posts use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import app as app_module
from bots.agent_manifest import BOT_EVENTS, PALETTE, SCOPES, agent_manifest, colour
from bots.roster import load_roster

ROOT = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())
ROSTER = load_roster()

# What an agent app does (handlers/agent_apps.py, jobs/slack/own_voice.py, the reply writer),
# with the scope Slack requires for it.
USED = {
    "app_mention (a mention of its bot user)": "app_mentions:read",
    "message.im (a DM to it)": "im:history",
    "message.channels (a follow-up in its thread)": "channels:history",
    "message.groups (the same, private channel)": "groups:history",
    "chat.postMessage / chat.update / chat.delete / chat.*Stream": "chat:write",
    "username/icon_emoji (another agent's post in its DM)": "chat:write.customize",
    "assistant.threads.setStatus (best effort)": "chat:write",
    "conversations.replies (recovering a lost reply)": "channels:history",
    "conversations.info (public channel)": "channels:read",
    "conversations.info (private channel)": "groups:read",
    "conversations.info (its DM)": "im:read",
    "conversations.join (public channel)": "channels:join",
}
EVENTS = {"app_mention", "message.channels", "message.groups", "message.im"}
INSTALL_EVENTS = {"app_uninstalled", "tokens_revoked"}  # installed by OAuth: it may leave


def shape_problems(generated: Any, root: Any, where: str = "") -> list[str]:
    """Every key of `generated` exists in `root` with a value of the same kind."""
    if isinstance(generated, dict):
        if not isinstance(root, dict):
            return [f"{where} is a mapping, not in manifest.yml"]
        problems = [f"{where}.{key} is not in manifest.yml" for key in generated if key not in root]
        for key in generated.keys() & root.keys():
            problems += shape_problems(generated[key], root[key], f"{where}.{key}")
        return problems
    if type(generated) is not type(root):
        return [f"{where} is a {type(generated).__name__}, manifest.yml's a {type(root).__name__}"]
    return []


@pytest.mark.parametrize("agent", ROSTER.agents, ids=lambda a: a.id)
def test_every_agents_manifest_has_the_root_manifests_shape(agent: Any) -> None:
    manifest = agent_manifest(agent)
    assert shape_problems(manifest, ROOT) == []
    info = manifest["display_information"]
    assert info["name"] == agent.display_name == manifest["features"]["bot_user"]["display_name"]
    assert agent.display_name in info["description"] and len(info["description"]) < 140
    assert agent.responsibilities[0] in info["description"]
    assert info["background_color"] == colour(agent)
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"] == ROOT["settings"]["event_subscriptions"]["request_url"]


def test_scopes_and_events_are_exactly_what_an_agent_app_uses() -> None:
    manifest = agent_manifest(ROSTER.get("copywriter"))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(USED.values()) == set(SCOPES)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == EVENTS | INSTALL_EVENTS
    assert set(BOT_EVENTS) <= set(ROOT["settings"]["event_subscriptions"]["bot_events"])
    # Another agent's words in a person's DM with it show as that agent (a persona), so it
    # asks chat:write.customize; commands and the assistant pane stay with the department's
    # app (so no assistant:write either).
    assert "chat:write.customize" in SCOPES
    assert {"commands", "assistant:write"}.isdisjoint(SCOPES)
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True  # DMs to it
    assert {"slash_commands", "shortcuts", "assistant_view"}.isdisjoint(manifest["features"])
    # The buttons of the cards it posts in its DMs come back to it.
    assert manifest["settings"]["interactivity"] == ROOT["settings"]["interactivity"]


def test_colours_come_from_the_roster_or_a_stable_palette() -> None:
    copywriter = ROSTER.get("copywriter")
    assert colour(copywriter) in PALETTE and colour(copywriter) == colour(copywriter)
    assert colour(copywriter.model_copy(update={"color": "#ABCDEF"})) == "#abcdef"
    assert len({colour(agent) for agent in ROSTER.agents}) > 1


def test_the_command_writes_one_manifest_per_agent(tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    assert app_module.manifest(["--all", "--out", str(out)]) == 0
    written = sorted(path.stem for path in out.glob("*.json"))
    assert written == sorted(ROSTER.by_id)
    cmo = json.loads((out / "cmo.json").read_text())
    assert cmo == agent_manifest(ROSTER.get("cmo"))
    assert yaml.safe_load((out / "cmo.json").read_text()) == cmo  # pasted as YAML too


def test_the_command_prints_one_agents_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://dept.example.org/slack/events"
    assert app_module.manifest(["--agent", "copywriter", "--url", url]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["display_information"]["name"] == "Copywriter"
    assert printed["settings"]["event_subscriptions"]["request_url"] == url
    assert printed["settings"]["interactivity"]["request_url"] == url
    # A known host: its one-click install comes back to this agent's own redirect.
    redirect = "https://dept.example.org/slack/oauth_redirect/copywriter"
    assert printed["oauth_config"]["redirect_urls"] == [redirect]


def test_without_a_known_host_no_redirect_is_listed() -> None:
    assert "redirect_urls" not in agent_manifest(ROSTER.get("copywriter"))["oauth_config"]


@pytest.mark.parametrize(
    ("argv", "said"),
    [(["--agent", "copywritr"], "No agent 'copywritr'"), (["--all"], "give --out DIR")],
)
def test_the_command_refuses_a_mistake_in_one_line(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app_module.manifest(argv) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1
