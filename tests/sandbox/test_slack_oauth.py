"""The stand-in's OAuth v2 side refuses what Slack refuses: a wrong client secret, a code used
twice or made up, scopes the app does not have, another redirect URL; issued tokens work for
other methods and stop working once revoked (the app uninstalled, or `auth.revoke`)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_TOKEN, CHANNEL_GENERAL

REDIRECT = "https://app.example.com/slack/oauth_redirect"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object) -> None:
        return None


def _allow(slack: SlackStandIn, **query: str) -> tuple[int, str]:
    url = f"{slack.authorize_url}?{urlencode(query)}"
    try:
        urllib.request.build_opener(_NoRedirect).open(url)
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location") or ""
    raise AssertionError("the authorize page always redirects or refuses")


def test_codes_secrets_scopes_and_revocation(slack: SlackStandIn) -> None:
    slack.enable_oauth("1.2", "secret", REDIRECT, scopes=["chat:write"], installer="U0HUMAN")
    assert _allow(slack, client_id="9.9", scope="chat:write")[0] == 400
    assert _allow(slack, client_id="1.2", scope="chat:write,admin")[0] == 400
    assert _allow(slack, client_id="1.2", scope="chat:write", redirect_uri="https://x")[0] == 400
    status, location = _allow(slack, client_id="1.2", scope="chat:write", state="s1")
    assert status == 302 and location.startswith(REDIRECT)
    [code], [state] = (parse_qs(urlsplit(location).query)[k] for k in ("code", "state"))
    assert state == "s1"
    client = WebClient(base_url=slack.url)
    with pytest.raises(SlackApiError, match="invalid_client"):
        client.oauth_v2_access(client_id="1.2", client_secret="wrong", code=code)
    token = client.oauth_v2_access(client_id="1.2", client_secret="secret", code=code)
    with pytest.raises(SlackApiError, match="invalid_code"):
        client.oauth_v2_access(client_id="1.2", client_secret="secret", code=code)
    assert token["team"]["id"] == "T0TEST" and token["authed_user"]["id"] == "U0HUMAN"
    assert WebClient(token=token["access_token"], base_url=slack.url).auth_test()["ok"]
    with pytest.raises(SlackApiError, match="invalid_auth"):  # installed by OAuth: only its
        WebClient(token="xoxb-test-token", base_url=slack.url).auth_test()  # tokens work
    assert slack.oauth is not None
    slack.oauth.revoke_all()
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token=token["access_token"], base_url=slack.url).auth_test()


def test_auth_revoke_revokes_the_token_it_is_called_with_and_no_other(slack: SlackStandIn) -> None:
    """As Slack documents it: `test` only says whether it would; once revoked, every call with
    the token (auth.revoke's own included) gets `token_revoked`."""
    slack.add_bot("xoxb-other-bot", "U0OTHER", "B0OTHER", "Other")
    client = WebClient(token=BOT_TOKEN, base_url=slack.url)
    assert client.auth_revoke(test=True).data == {"ok": True, "revoked": False}
    assert client.auth_test()["ok"]
    assert client.auth_revoke().data == {"ok": True, "revoked": True}
    calls: list[Callable[[], SlackResponse]] = [
        client.auth_test,
        client.auth_revoke,
        lambda: client.chat_postMessage(channel=CHANNEL_GENERAL, text="still here?"),
    ]
    for call in calls:
        with pytest.raises(SlackApiError, match="token_revoked"):
            call()
    assert slack.messages(CHANNEL_GENERAL) == []
    assert WebClient(token="xoxb-other-bot", base_url=slack.url).auth_test()["ok"]
    assert slack.revoked(BOT_TOKEN) and not slack.revoked("xoxb-other-bot")
