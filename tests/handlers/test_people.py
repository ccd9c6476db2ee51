"""Who may decide: Slack's answers are cached per workspace for SLACK_PEOPLE_CACHE_S."""

from __future__ import annotations

from pathlib import Path

from redis import Redis

from bots.approvers import ESCALATION, ApprovalConfig, load_approvals
from jobs.runtime import Runtime
from jobs.slack.people import People, may_decide, refusal_to_decide
from sandbox.slack_api import SlackStandIn
from tests.conftest import TEAM

ADMIN, WRITER = "U0ADMIN", "U0WRITER"
GROUP = "S0WRITERS"


def _config(tmp_path: Path) -> ApprovalConfig:
    path = tmp_path / "approvals.toml"
    path.write_text(
        "[defaults]\nadmins = true\nreminder_after_hours = 24\nmax_send_backs = 2\n\n"
        '[[actions]]\ntype = "blog_post"\nlabel = "Blog post"\nchain = []\n'
        f'users = []\ngroups = ["{GROUP}"]\n'
    )
    return load_approvals(path)


def _people(runtime: Runtime, redis_conn: Redis, cache_s: int = 60) -> People:
    return People(runtime.slack_for, redis_conn, cache_s)


def test_a_second_click_does_not_ask_slack_again(
    runtime: Runtime, slack: SlackStandIn, redis_conn: Redis, tmp_path: Path
) -> None:
    slack.add_user(ADMIN, "ada", is_admin=True)
    slack.add_user(WRITER, "wes")
    slack.add_usergroup(GROUP, "writers", [WRITER])
    config, people = _config(tmp_path), _people(runtime, redis_conn)

    for _ in range(3):
        assert may_decide(people, TEAM, config, "blog_post", ADMIN) is True
        assert may_decide(people, TEAM, config, "blog_post", WRITER) is True

    assert len(slack.calls_to("users.info")) == 2  # once per person
    assert len(slack.calls_to("usergroups.users.list")) == 1  # once per group
    assert 0 < redis_conn.ttl(f"slack:people:{TEAM}:admin:{ADMIN}") <= 60


def test_the_cache_is_kept_per_workspace_and_can_be_off(
    runtime: Runtime, slack: SlackStandIn, redis_conn: Redis, tmp_path: Path
) -> None:
    slack.add_user(ADMIN, "ada", is_admin=True)
    config = _config(tmp_path)
    people = _people(runtime, redis_conn)
    assert may_decide(people, TEAM, config, "blog_post", ADMIN)
    assert may_decide(people, "T0OTHER", config, "blog_post", ADMIN)  # another workspace asks
    assert len(slack.calls_to("users.info")) == 2
    off = _people(runtime, redis_conn, cache_s=0)
    assert may_decide(off, "T0THIRD", config, "blog_post", ADMIN)
    assert may_decide(off, "T0THIRD", config, "blog_post", ADMIN)
    assert len(slack.calls_to("users.info")) == 4


def test_one_refusal_names_who_may_decide_for_approvals_and_escalations(
    runtime: Runtime, slack: SlackStandIn, redis_conn: Redis, tmp_path: Path
) -> None:
    """Approve, Request changes and Reject share one neutral verb; escalations their own."""
    slack.add_user(WRITER, "wes")
    slack.add_user("U0GUEST", "guest")
    slack.add_usergroup(GROUP, "writers", [WRITER])
    config, people = _config(tmp_path), _people(runtime, redis_conn)

    assert refusal_to_decide(people, TEAM, config, "blog_post", WRITER) is None
    assert refusal_to_decide(people, TEAM, config, "blog_post", "U0GUEST") == (
        f"Only <!subteam^{GROUP}> or a workspace admin can decide on this card. Nothing changed."
    )
    assert refusal_to_decide(people, TEAM, config, ESCALATION, "U0GUEST") == (
        "Only a workspace admin can decide on this escalation. Nothing changed."
    )


def test_a_refusal_says_so_when_slack_cannot_tell(
    runtime: Runtime, slack: SlackStandIn, redis_conn: Redis, tmp_path: Path
) -> None:
    slack.add_user(WRITER, "wes")
    slack.fail_next("users.info", status=200, error="ratelimited")
    refused = refusal_to_decide(
        _people(runtime, redis_conn), TEAM, _config(tmp_path), ESCALATION, WRITER
    )
    assert refused == (
        "I couldn't check with Slack who may decide on this (ratelimited). Nothing changed; "
        "try again in a moment."
    )
