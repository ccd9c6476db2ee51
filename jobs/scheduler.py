"""`python -m jobs.scheduler`: the rituals' scheduler as a process of its own (the Procfile's
and compose.yaml's `scheduler`), for deployments whose workers run `--no-cron`.

It is RQ's cron (jobs/rituals/cron.py) with our settings (REDIS_URL, QUEUE_NAME), our log
lines, and a wait while Redis is away; `rq cron jobs.rituals.cron_config` would read neither.
It holds no work, so a stop ends it at once, and more than one may run: the day's key in the
database lets exactly one tick start each ritual. The sweeper does not run here: every worker
command sweeps (jobs/worker.py).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from pydantic import ValidationError

import logs
from jobs.rituals.cron import serve_cron
from jobs.runtime import redis_client
from settings import Settings, describe_error

logger = logging.getLogger("jobs.scheduler")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the rituals' scheduler (RQ cron).")
    parser.add_argument("--check", action="store_true", help="validate configuration and exit")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    logs.configure_for(settings)
    if args.check:
        print("Scheduler configuration OK")
        return 0
    logger.info("Ritual scheduler enqueues its tick on queue %r", settings.queue_name)
    with contextlib.suppress(KeyboardInterrupt):
        serve_cron(redis_client(settings), settings.queue_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
