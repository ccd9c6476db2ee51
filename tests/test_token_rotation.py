"""Token rotation on: a bot token about to expire (less than two hours left) is refreshed,
by the app (Bolt's authorize) and by the workers (`InstallationTokens`, once per workspace
under a Redis lock)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from jobs.slack.installation_tokens import InstallationTokens
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_GENERAL, TEAM, mention, wait_until
from tests.test_oauth_install import Installed, click_install, installed, raw_values

__all__ = ["installed"]  # the fixture, shared with tests/test_oauth_install.py
ROTATING = pytest.mark.parametrize("installed", [True], indirect=True)
SHORT_LIFE_S = 3600  # less than the two hours' margin: refreshed at its first use
FULL_LIFE_S = 12 * 3600


def install_expiring(installed: Installed) -> str:
    """Installed with a token that is about to expire; the tokens refreshed from it live
    twelve hours. The first token."""
    installed.oauth.token_lifetime_s = SHORT_LIFE_S
    click_install(installed.base)
    installed.oauth.token_lifetime_s = FULL_LIFE_S
    [first] = installed.oauth.issued
    return first


def refreshes(slack: SlackStandIn) -> list[Any]:
    calls = slack.calls_to("oauth.v2.access")
    return [c for c in calls if c.args.get("grant_type") == "refresh_token" and c.response["ok"]]


@ROTATING
def test_the_app_refreshes_a_token_about_to_expire(
    installed: Installed, slack: SlackStandIn
) -> None:
    first = install_expiring(installed)
    tested = len(slack.calls_to("auth.test"))
    mention(installed.sender, slack, CHANNEL_GENERAL, "hello, an hour before expiry")
    [refresh] = refreshes(slack)
    fresh = refresh.response["access_token"]
    # Bolt's authorize checked the request's token: the fresh one, not the expiring one
    assert fresh != first and [c.token for c in slack.calls_to("auth.test")[tested:]] == [fresh]
    assert not any(fresh in value for value in raw_values(installed.rt))  # saved encrypted


@ROTATING
def test_two_workers_refresh_once(installed: Installed, slack: SlackStandIn) -> None:
    """Worker A refreshes (held inside oauth.v2.access); worker B finds the token expiring
    too and must wait for A's lock, then use what A saved: one refresh, one new token."""
    first = install_expiring(installed)
    tokens = installed.rt.slack_clients.tokens
    assert isinstance(tokens, InstallationTokens)
    reads: list[str] = []
    find_bot = tokens.store.find_bot

    def counted_find_bot(**kwargs: Any) -> Any:
        reads.append(threading.current_thread().name)
        return find_bot(**kwargs)

    tokens.store.find_bot = counted_find_bot  # type: ignore[method-assign]
    refreshing, release = threading.Event(), threading.Event()

    def hold_refresh(method: str, took_effect: bool) -> None:
        if method == "oauth.v2.access" and not took_effect:
            refreshing.set()
            release.wait(10)

    slack.call_hook = hold_refresh
    got: dict[str, str | None] = {}

    def worker(name: str) -> None:
        got[name] = tokens.bot_token(TEAM)

    a = threading.Thread(target=worker, args=("a",), name="a")
    a.start()
    assert refreshing.wait(10)
    b = threading.Thread(target=worker, args=("b",), name="b")
    b.start()
    assert wait_until(lambda: "b" in reads, 10)  # B read the expiring token too
    release.set()
    a.join(20)
    b.join(20)
    slack.call_hook = None
    [refresh] = refreshes(slack)
    fresh = refresh.response["access_token"]
    assert fresh != first and got == {"a": fresh, "b": fresh}
    assert tokens.bot_token(TEAM) == fresh  # saved: twelve hours left, no further refresh
    assert len(refreshes(slack)) == 1


@ROTATING
def test_the_app_and_a_worker_refresh_once(installed: Installed, slack: SlackStandIn) -> None:
    """The web process (its Bolt authorize, for a mention) refreshes first and is held
    inside oauth.v2.access; a worker finds the token expiring too. It must wait for the same
    per-workspace lock, then use what the app saved: one refresh, both on the new token.
    (Were the app to refresh without the lock, the worker would refresh too: held as well,
    the second oauth.v2.access releases both.)"""
    first = install_expiring(installed)
    tokens = installed.rt.slack_clients.tokens
    assert isinstance(tokens, InstallationTokens) and tokens.refresher is not None
    redis = tokens.refresher.redis
    lock_of = redis.lock
    waiting = threading.Event()  # the worker found the lock taken and waits for it

    def observed_lock(name: str, **kwargs: Any) -> Any:
        lock = lock_of(name, **kwargs)
        acquire = lock.acquire

        def waiting_acquire(*args: Any, **kw: Any) -> bool:
            if acquire(blocking=False):
                return True
            waiting.set()
            return bool(acquire(*args, **kw))

        lock.acquire = waiting_acquire
        return lock

    redis.lock = observed_lock  # type: ignore[method-assign,assignment]
    refreshing: list[str] = []
    release = threading.Event()

    def hold_refresh(method: str, took_effect: bool) -> None:
        if method == "oauth.v2.access" and not took_effect:
            refreshing.append(method)
            release.wait(10)

    slack.call_hook = hold_refresh
    tested = len(slack.calls_to("auth.test"))
    got: dict[str, str | None] = {}

    def app() -> None:
        got["app"] = mention(installed.sender, slack, CHANNEL_GENERAL, "hello, app first")

    def worker() -> None:
        got["worker"] = tokens.bot_token(TEAM)

    web = threading.Thread(target=app)
    web.start()
    assert wait_until(lambda: len(refreshing) == 1, 10)  # the app is refreshing
    job = threading.Thread(target=worker)
    job.start()
    assert wait_until(lambda: waiting.is_set() or len(refreshing) > 1, 10)
    release.set()
    web.join(20)
    job.join(20)
    slack.call_hook = None
    del redis.lock
    [refresh] = refreshes(slack)
    fresh = refresh.response["access_token"]
    assert fresh != first and got["worker"] == fresh and "app" in got  # the mention got 200
    assert [c.token for c in slack.calls_to("auth.test")[tested:]] == [fresh]
