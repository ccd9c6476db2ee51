"""Which token a call carries with agent apps configured (jobs/slack/agent_apps.py)."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from bots.roster import load_roster
from errors import ConfigError
from jobs.slack.agent_apps import check_installs, has_own_app, load_agent_apps, with_agent_apps
from jobs.slack.clients import EnvToken
from models.token_cipher import new_key
from settings import Settings, as_environment

ROSTER = load_roster()
APPS = json.dumps({"copywriter": {"signing_secret": "s-copy", "bot_token": "xoxb-copy"}})


def test_an_agent_with_its_own_app_gets_its_token_every_other_call_the_departments() -> None:
    tokens = with_agent_apps(EnvToken("xoxb-dept"), load_agent_apps(SecretStr(APPS), ROSTER))
    assert tokens.bot_token("T1", "copywriter") == "xoxb-copy"
    assert tokens.bot_token("T1", "cmo") == "xoxb-dept"
    assert tokens.bot_token("T1") == "xoxb-dept"
    assert has_own_app(tokens, "T1", "copywriter") and not has_own_app(tokens, "T1", "cmo")


def test_without_agent_apps_the_department_source_is_used_as_it_is() -> None:
    department = EnvToken("xoxb-dept")
    assert with_agent_apps(department, load_agent_apps(None, ROSTER)) is department
    assert not has_own_app(department, "T1", "copywriter")


def test_the_setting_comes_from_the_environment_and_goes_on_to_child_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_AGENT_APPS", APPS)
    settings = Settings()
    assert "xoxb-copy" not in repr(settings)  # a secret: never printed
    assert as_environment(settings, {})["SLACK_AGENT_APPS"] == APPS


def test_an_empty_secret_is_refused_without_showing_any() -> None:
    raw = json.dumps({"cmo": {"signing_secret": " ", "bot_token": "xoxb-cmo"}})
    with pytest.raises(ConfigError, match=r"at cmo\.signing_secret: Value error, must not be"):
        load_agent_apps(SecretStr(raw), ROSTER)


def test_json_that_is_not_json_names_the_setting_only() -> None:
    with pytest.raises(ConfigError) as raised:
        load_agent_apps(SecretStr("{copywriter: xoxb-secret"), ROSTER)
    assert "SLACK_AGENT_APPS is invalid" in str(raised.value)
    assert "xoxb-secret" not in str(raised.value)


def test_an_agent_app_bound_to_its_workspace_serves_no_other() -> None:
    raw = {"copywriter": {"signing_secret": "s", "bot_token": "xoxb-copy", "team_id": "T0ONE"}}
    apps = load_agent_apps(SecretStr(json.dumps(raw)), ROSTER)
    tokens = with_agent_apps(EnvToken("xoxb-dept"), apps)
    assert tokens.bot_token("T0ONE", "copywriter") == "xoxb-copy"
    assert tokens.bot_token("T0TWO", "copywriter") == "xoxb-dept"
    assert not has_own_app(tokens, "T0TWO", "copywriter")


def test_an_agent_app_installed_by_oauth_needs_the_departments_and_a_client_id_of_its_own() -> None:
    raw = {"cmo": {"signing_secret": "s", "client_id": "9.9", "client_secret": "c-secret"}}
    apps = load_agent_apps(SecretStr(json.dumps(raw)), ROSTER)
    assert apps["cmo"].installs and apps["cmo"].bot_token is None
    key = SecretStr(new_key())
    check_installs(apps, Settings(slack_client_id="1.1", slack_token_keys=key))  # fine
    with pytest.raises(ConfigError, match="'cmo' is installed by OAuth, which needs the dep"):
        check_installs(apps, Settings(slack_bot_token=SecretStr("xoxb-dept")))
    with pytest.raises(ConfigError, match="two Slack apps share a client_id") as raised:
        check_installs(apps, Settings(slack_client_id="9.9", slack_token_keys=key))
    assert "c-secret" not in str(raised.value)
