"""The stand-in's side of Slack OAuth v2: the authorize page and `oauth.v2.access`.

`GET /oauth/v2/authorize` plays the person who clicks "Allow": it checks the client id and
the scopes asked for, and redirects to the app's redirect URL with a one-time code and the
app's `state`. `oauth.v2.access` (client id and secret as HTTP Basic auth, as slack_sdk sends
them) trades that code for a bot token of the stand-in's workspace, or, with token rotation
on, a refresh token for a fresh access token that expires. Tokens it issued are accepted by
every other method until they expire or are revoked (`revoke_all`: the app was uninstalled).
With `org_wide` set, the person installs for a whole Enterprise Grid org: the answer names
the enterprise (`ENTERPRISE_ID`), no team, and `is_enterprise_install: true`, as Slack's does.

Several apps may be installed this way (the department's and agents' own, `SlackOAuthApps`,
told apart by client id), each in several workspaces: `identity` is where the next "Allow"
installs (the stand-in's `install_in` moves every app to a workspace), and each token acts
as the bot user of the workspace it was issued in.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sandbox.slack_http import Reply
from sandbox.slack_workspace import Identity

AUTHORIZE_PATH = "/oauth/v2/authorize"
ACCESS_METHOD = "oauth.v2.access"
APP_ID = "A0SANDBOX"
ROTATING_TOKEN_LIFETIME_S = 12 * 3600  # what Slack gives a rotating token
ENTERPRISE_ID = "E0SANDBOX"


@dataclass
class SlackOAuth:
    """One Slack app's OAuth settings (api.slack.com/apps) and the tokens it has issued."""

    identity: Identity  # the workspace and bot user the next install is for
    client_id: str
    client_secret: str
    redirect_url: str
    scopes: frozenset[str]
    installer: str  # who clicks "Allow"
    token_rotation: bool = False
    token_lifetime_s: int = ROTATING_TOKEN_LIFETIME_S
    org_wide: bool = False  # the next installs are org-wide (Enterprise Grid)
    bot_name: str | None = None  # an agent app's bot user, by name (None: the main bot)
    _codes: dict[str, Identity] = field(default_factory=dict)
    # token → (expires (epoch s), the bot it acts as)
    _tokens: dict[str, tuple[float | None, Identity]] = field(default_factory=dict)
    _refresh_tokens: dict[str, Identity] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handles(self, path: str, method: str) -> bool:
        return path == AUTHORIZE_PATH or method == ACCESS_METHOD

    def answer(self, path: str, headers: dict[str, str], args: dict[str, Any]) -> Reply:
        if path == AUTHORIZE_PATH:
            return self._authorize(args)
        return self._access(headers, args)

    def valid(self, token: str | None) -> bool:
        """An issued token, not expired, not revoked."""
        return self.bot_of(token) is not None

    def bot_of(self, token: str | None) -> Identity | None:
        """The bot an issued token (not expired, not revoked) acts as."""
        with self._lock:
            if token not in self._tokens:
                return None
            expires, bot = self._tokens[token]
        return bot if expires is None or expires > time.time() else None

    @property
    def issued(self) -> list[str]:
        """Every access token issued so far (revoked ones included), oldest first."""
        with self._lock:
            return list(self._tokens)

    def revoke_all(self) -> None:
        """The workspace uninstalled the app: every token and refresh token stops working."""
        with self._lock:
            self._tokens.clear()
            self._refresh_tokens.clear()

    def revoke(self, team_id: str) -> None:
        """One workspace uninstalled the app: its tokens there stop working, no other's."""
        with self._lock:
            for token, (_expires, bot) in list(self._tokens.items()):
                if bot.team_id == team_id:
                    del self._tokens[token]
            for token, bot in list(self._refresh_tokens.items()):
                if bot.team_id == team_id:
                    del self._refresh_tokens[token]

    def _authorize(self, args: dict[str, Any]) -> Reply:
        if args.get("client_id") != self.client_id:
            return Reply(400, {"ok": False, "error": "invalid_client_id"})
        asked = set(filter(None, str(args.get("scope", "")).split(",")))
        if not asked or not asked <= self.scopes:
            return Reply(400, {"ok": False, "error": "invalid_scope"})
        redirect = args.get("redirect_uri") or self.redirect_url
        if redirect != self.redirect_url:
            return Reply(400, {"ok": False, "error": "bad_redirect_uri"})
        with self._lock:
            code = f"code-{next(self._serial)}"
            self._codes[code] = self.identity
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Reply(302, {}, {"Location": f"{redirect}?{query}"})

    def _access(self, headers: dict[str, str], args: dict[str, Any]) -> Reply:
        if _basic_auth(headers) != (self.client_id, self.client_secret):
            return Reply(200, {"ok": False, "error": "invalid_client"})
        with self._lock:
            if args.get("grant_type") == "refresh_token":
                refresh = str(args.get("refresh_token"))
                if refresh not in self._refresh_tokens:
                    return Reply(200, {"ok": False, "error": "invalid_refresh_token"})
                return Reply(200, self._issue(self._refresh_tokens[refresh], refresh))
            bot = self._codes.pop(str(args.get("code")), None)
            if bot is None:
                return Reply(200, {"ok": False, "error": "invalid_code"})
            return Reply(200, self._issue(bot, refresh=None))

    def _issue(self, bot: Identity, refresh: str | None) -> dict[str, Any]:
        serial = next(self._serial)
        team = bot.team_id
        body: dict[str, Any] = {
            "ok": True,
            "app_id": APP_ID if self.bot_name is None else f"A{self.client_id}",
            "token_type": "bot",
            "scope": ",".join(sorted(self.scopes)),
            "bot_user_id": bot.bot_user_id,
            "team": {"id": team, "name": bot.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": self.installer},
        }
        if self.org_wide:
            body["team"] = None
            body["enterprise"] = {"id": ENTERPRISE_ID, "name": "Sandbox Org"}
            body["is_enterprise_install"] = True
        app = "" if self.bot_name is None else f"{self.client_id}-"
        if not self.token_rotation:
            body["access_token"] = f"xoxb-{app}{team}-{serial}"
            self._tokens[body["access_token"]] = (None, bot)
            return body
        body["access_token"] = f"xoxe.xoxb-1-{app}{team}-{serial}"
        body["refresh_token"] = refresh or f"xoxe-1-{app}{team}-{serial}"
        body["expires_in"] = self.token_lifetime_s
        self._tokens[body["access_token"]] = (time.time() + self.token_lifetime_s, bot)
        self._refresh_tokens[body["refresh_token"]] = bot
        return body


@dataclass
class SlackOAuthApps:
    """Every app installed by OAuth in the stand-in, by client id: the authorize page and
    `oauth.v2.access` are answered by the app the request names."""

    apps: dict[str, SlackOAuth] = field(default_factory=dict)

    def handles(self, path: str, method: str) -> bool:
        return bool(self.apps) and (path == AUTHORIZE_PATH or method == ACCESS_METHOD)

    def answer(self, path: str, headers: dict[str, str], args: dict[str, Any]) -> Reply:
        if path == AUTHORIZE_PATH:
            app = self.apps.get(str(args.get("client_id")))
            return app.answer(path, headers, args) if app else _refused("invalid_client_id", 400)
        client = _basic_auth(headers)
        app = self.apps.get(client[0]) if client is not None else None
        return app.answer(path, headers, args) if app else _refused("invalid_client", 200)

    def app_of(self, token: str | None) -> SlackOAuth | None:
        """The app that issued a valid token (its scopes are the token's), if any did."""
        return next((app for app in self.apps.values() if app.valid(token)), None)

    def bot_of(self, token: str | None) -> Identity | None:
        """The bot a token issued by any of the apps acts as."""
        for app in self.apps.values():
            bot = app.bot_of(token)
            if bot is not None:
                return bot
        return None


def _refused(error: str, status: int) -> Reply:
    return Reply(status, {"ok": False, "error": error})


def _basic_auth(headers: dict[str, str]) -> tuple[str, str] | None:
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None
    return user, password
