"""A workspace leaves: what happens after `app_uninstalled` / `tokens_revoked`
(handlers/uninstall.py marked it), and the purge when its retention period is over.

`forget_workspace` (a job, safe to run twice): its tokens deleted from every app's store,
its jobs not yet started dropped (waiting in any queue, or held in a queue's scheduled or
deferred registry: an `enqueue_in`, or a job that waits for another), its running campaigns
paused (a reinstall finds
them paused, to resume with `/campaign resume`). Rituals are not scheduled for it (the tick
skips it) and the sweeper re-enqueues none of its work. A job of it that runs anyway finds no
token and ends quietly (`WorkspaceNotInstalled`, `jobs.queue.WorkspaceJob`).

`purge_expired_workspaces` (hourly, from the ritual cron): every row of each workspace whose
DATA_RETENTION_DAYS are over is deleted from every table with a team_id column
(`models/workspaces.team_tables`), its uninstall mark last.
"""

from __future__ import annotations

import logging
from datetime import datetime

from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from jobs import runtime as runtime_module
from jobs.queue import FORGET_WORKSPACE, lane_queues
from jobs.runtime import Runtime
from jobs.slack.agent_apps import load_agent_apps
from models import workspaces
from models.base import utcnow
from models.campaigns import Campaign, CampaignStatus
from models.installations import (
    EncryptedInstallationStore,
    agent_app_store,
    department_store,
    slack_tables,
)

logger = logging.getLogger(__name__)


def forget_workspace(team_id: str, record_id: str) -> str:
    """RQ entry point (record_id is the team id too)."""
    return forget(runtime_module.current(), team_id)


def forget(rt: Runtime, team_id: str) -> str:
    with rt.sessions() as session:
        row = session.get(workspaces.Workspace, team_id)
    if row is None or row.uninstalled_at is None:
        return "installed again: nothing to forget"
    if rt.settings.slack_client_id is not None:  # the OAuth install: tokens in the database
        for store in _stores(rt):
            store.delete_all(enterprise_id=None, team_id=team_id)
    dropped = drop_queued_jobs(rt.redis, team_id, rt.settings.queue_name)
    paused = pause_campaigns(rt, team_id)
    with rt.sessions() as session:
        workspaces.tokens_deleted(session, team_id, row.uninstalled_at, utcnow())
    logger.info(
        "Workspace %s forgotten: tokens deleted, %d queued job(s) dropped, %d campaign(s) paused",
        team_id,
        dropped,
        paused,
    )
    return f"{dropped} job(s) dropped, {paused} campaign(s) paused"


def _stores(rt: Runtime) -> list[EncryptedInstallationStore]:
    """The department's installations and each agent app's installed by OAuth: a workspace
    that leaves the department keeps no token of ours, an agent app's neither."""
    engine = rt.sessions.kw["bind"]
    apps = load_agent_apps(rt.settings.slack_agent_apps, rt.roster)
    agents = [app.client_id for app in apps.values() if app.client_id is not None]
    return [
        department_store(rt.settings, engine),
        *(agent_app_store(rt.settings, engine, client_id) for client_id in agents),
    ]


def drop_queued_jobs(connection: Redis, team_id: str, base: str) -> int:
    """Every job of the workspace not yet started, in every queue and in each queue's
    scheduled and deferred registries (every job's first argument is its workspace:
    jobs/queue.py), except this forget job itself. A job is matched by that argument, never
    by its id, as a job id need not name its workspace. `Job.delete` takes a job out of the
    registry its status puts it in."""
    own = FORGET_WORKSPACE.job_id(team_id, team_id)
    dropped = 0
    for queue in _every_queue(connection, base):
        waiting = (
            queue.get_job_ids(),
            queue.scheduled_job_registry.get_job_ids(),
            queue.deferred_job_registry.get_job_ids(),
        )
        ids = [job_id for held in waiting for job_id in held if job_id != own]
        for job in Job.fetch_many(ids, connection=connection):
            if job is not None and list(job.args[:1]) == [team_id]:
                job.delete()
                dropped += 1
    return dropped


def _every_queue(connection: Redis, base: str) -> list[Queue]:
    """The queues RQ knows of, and our lanes' even when RQ does not list them: a queue that
    only ever held a scheduled or a deferred job is not in RQ's set of queues."""
    queues = {queue.name: queue for queue in Queue.all(connection=connection)}
    for lane in lane_queues(connection, base):
        queues.setdefault(lane.name, lane)
    return list(queues.values())


def pause_campaigns(rt: Runtime, team_id: str) -> int:
    from jobs.campaigns.control import pause  # imports the campaign engine's modules

    with rt.sessions() as session:
        running = session.scalars(
            select(Campaign.id).where(
                Campaign.team_id == team_id, Campaign.status == CampaignStatus.RUNNING.value
            )
        ).all()
    return sum(pause(rt, team_id, campaign_id) for campaign_id in running)


def purge_expired_workspaces() -> str:
    """RQ entry point (the cron's, so no record id)."""
    purged = purge_expired(runtime_module.current(), utcnow())
    return f"{len(purged)} workspace(s) purged"


def purge_expired(rt: Runtime, now: datetime) -> list[str]:
    """Purge every workspace due at `now`; the team ids purged."""
    with rt.sessions() as session:
        due = workspaces.due_for_purge(session, now)
    tables = workspaces.team_tables(slack_tables())
    engine = rt.sessions.kw["bind"]
    purged = []
    for team_id in due:
        with engine.begin() as connection:
            deleted = workspaces.purge(connection, team_id, tables)
        if deleted:
            purged.append(team_id)
            logger.info("Workspace %s purged: %d row(s)", team_id, sum(deleted.values()))
    return purged
