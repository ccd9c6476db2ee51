"""`app_uninstalled` with one SLACK_BOT_TOKEN: signed events into the real app, the mark in
the database, the forget job in Redis (and from the sweeper when Redis lost it), and the
mark cleared when the app starts again with a token Slack accepts."""

from __future__ import annotations

from redis import Redis

from jobs.queue import FORGET_WORKSPACE, lane_queue, turn_queue
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import workspaces
from models.base import utcnow
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from tests.conftest import TEAM, ServedApp, app_with

UNINSTALLED = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}


def test_an_uninstall_is_persisted_and_its_job_queued(bolt: ServedApp, runtime: Runtime) -> None:
    assert bolt.sender.send_event(UNINSTALLED).status == 200
    assert bolt.sender.send_event(UNINSTALLED).status == 200  # Slack's retry changes nothing
    with runtime.sessions() as session:
        row = session.get(workspaces.Workspace, TEAM)
        assert row is not None and row.uninstalled_at is not None and row.tokens_deleted_at is None
    queue = lane_queue(
        turn_queue(runtime.redis, runtime.settings.queue_name), FORGET_WORKSPACE.lane
    )
    assert queue.get_job_ids() == [FORGET_WORKSPACE.job_id(TEAM, TEAM)]


def test_the_sweeper_queues_a_lost_forget_job(bolt: ServedApp, runtime: Runtime) -> None:
    assert bolt.sender.send_event(UNINSTALLED).status == 200
    queue = lane_queue(
        turn_queue(runtime.redis, runtime.settings.queue_name), FORGET_WORKSPACE.lane
    )
    runtime.redis.delete(queue.key)  # Redis lost it
    assert sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=0) == [
        FORGET_WORKSPACE.job_id(TEAM, TEAM)
    ]


def test_a_user_token_revocation_is_not_an_uninstall(bolt: ServedApp, runtime: Runtime) -> None:
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE"], "bot": []}}
    assert bolt.sender.send_event(revoked).status == 200
    with runtime.sessions() as session:
        assert not workspaces.is_uninstalled(session, TEAM)


def test_starting_with_a_working_token_clears_the_mark(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: Redis
) -> None:
    from tests.conftest import db_sessions

    with db_sessions(database_url)() as session:
        workspaces.mark_uninstalled(session, TEAM, utcnow(), retention_days=30)
        workspaces.mark_uninstalled(session, "T0OTHER", utcnow(), retention_days=30)
    with app_with(slack, claude, database_url):
        pass
    with db_sessions(database_url)() as session:
        assert workspaces.uninstalled(session) == {"T0OTHER"}
