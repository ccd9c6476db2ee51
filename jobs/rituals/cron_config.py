"""`rq cron jobs.rituals.cron_config`: the ritual scheduler on its own, for a deployment that
runs its schedulers apart from the worker command (which already runs one).

RQ loads this file and registers what it declares with `rq.cron.register`; the tick goes to
the queue the workers read (QUEUE_NAME).
"""

from __future__ import annotations

from rq import cron

from jobs.rituals.cron import purge_options, tick_options
from jobs.rituals.tick import tick_rituals
from jobs.workspace_exit import purge_expired_workspaces
from settings import Settings

cron.register(tick_rituals, Settings().queue_name, **tick_options())  # type: ignore[arg-type]
cron.register(purge_expired_workspaces, Settings().queue_name, **purge_options())  # type: ignore[arg-type]
