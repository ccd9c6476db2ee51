"""Which token a worker's call for a workspace (and an agent) carries, from the installations."""

from __future__ import annotations

from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation

from jobs.slack.agent_apps import AgentAppTokens
from jobs.slack.clients import SlackClients
from jobs.slack.installation_tokens import InstallationTokens
from models.db import make_engine
from models.installations import EncryptedInstallationStore, installation_store
from models.token_cipher import TokenCipher, new_key

TEAM, OTHER = "T0ONE", "T0TWO"


def _store(url: str, client_id: str, cipher: TokenCipher) -> EncryptedInstallationStore:
    return installation_store(make_engine(url), client_id, cipher)


def _install(store: EncryptedInstallationStore, team_id: str, token: str) -> None:
    store.save(
        Installation(
            app_id="A0", enterprise_id=None, team_id=team_id, bot_token=token, user_id="U0"
        )
    )


def test_each_workspace_its_own_token_and_an_agent_app_where_installed(database_url: str) -> None:
    cipher = TokenCipher.from_setting(SecretStr(new_key()))
    department = _store(database_url, "1.dept", cipher)
    cmo_app = _store(database_url, "2.cmo", cipher)
    _install(department, TEAM, "xoxb-dept-one")
    _install(department, OTHER, "xoxb-dept-two")
    _install(cmo_app, TEAM, "xoxb-cmo-one")
    cmo_tokens = InstallationTokens(cmo_app)
    tokens = AgentAppTokens(InstallationTokens(department), {"cmo": cmo_tokens})
    assert tokens.bot_token(TEAM) == "xoxb-dept-one"
    assert tokens.bot_token(OTHER) == "xoxb-dept-two"
    assert tokens.bot_token(TEAM, "cmo") == "xoxb-cmo-one"
    assert tokens.bot_token(OTHER, "cmo") == "xoxb-dept-two"  # the CMO's app is not there
    assert tokens.bot_token(TEAM, "seo") == "xoxb-dept-one"  # no app of its own
    assert tokens.bot_token("T0NEVER") is None
    cmo_tokens.forget(TEAM)  # the CMO's app left workspace one: the department's answers
    assert tokens.bot_token(TEAM, "cmo") == "xoxb-dept-one"
    assert tokens.bot_token(OTHER) == "xoxb-dept-two"
    clients = SlackClients("http://127.0.0.1:9/api/", tokens)
    assert clients.patient(OTHER).token == "xoxb-dept-two"
