"""One job runs every ritual: load the run by id, hand it to its ritual's handler, record how
it ended.

Each ritual's handler lives in its own module and is named here by dotted path. Every ritual
of bots/rituals.toml needs one, on or off (a workspace can switch any on): `check_handlers`
stops the worker command at start-up otherwise. A handler posts through
the post-once machinery with keys derived from the run's id, so running a run twice, or
resuming one a dead worker left half-posted, doubles no post.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Iterable

from errors import ConfigError
from jobs import runtime as runtime_module
from jobs.runtime import Runtime
from models import rituals
from models.rituals import Ritual, RitualRun, RunStatus

logger = logging.getLogger(__name__)

Handler = Callable[[Runtime, RitualRun], str]

# Ritual → "module:function" of its handler, which takes the runtime and the run and returns
# what happened (the job's result).
HANDLERS: dict[Ritual, str] = {
    Ritual.STANDUP: "jobs.rituals.standup:hold_standup",
    Ritual.MORNING: "jobs.rituals.morning:hold_morning",
    Ritual.EOD: "jobs.rituals.eod:hold_eod",
    Ritual.WEEKLY: "jobs.rituals.weekly:hold_weekly",
    Ritual.MONTHLY: "jobs.rituals.monthly:hold_monthly",
    Ritual.QUARTERLY: "jobs.rituals.quarterly:hold_quarterly",
}


def handler_for(ritual: Ritual) -> Handler | None:
    path = HANDLERS.get(ritual)
    if path is None:
        return None
    module, _, name = path.partition(":")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


def check_handlers(names: Iterable[str]) -> None:
    """Each named ritual (bots/rituals.toml's) has a handler that imports and takes (runtime,
    run): a ritual without one stops start-up with a ConfigError naming it, instead of
    ending every run of it FAILED "no-handler" once a workspace switches it on."""
    for name in names:
        path = HANDLERS.get(Ritual(name))
        if path is None:
            raise ConfigError(f"Ritual {name!r} has no handler in jobs/rituals/run.py HANDLERS")
        try:
            handler = handler_for(Ritual(name))
            assert handler is not None
            inspect.signature(handler).bind("runtime", "run")
        except (ImportError, AttributeError, TypeError, ValueError) as error:
            raise ConfigError(f"Ritual {name!r}: handler {path} cannot be run: {error}") from error


def run_ritual(team_id: str, run_id: str) -> str:
    """RQ entry point: hold one ritual run; what happened, for the job result."""
    rt = runtime_module.current()
    with rt.sessions() as session:
        run = rituals.load_run(session, team_id, run_id)
    if run is None:
        return "missing"
    if run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
        return run.status  # held, skipped or failed already: a repeat changes nothing
    handler = handler_for(Ritual(run.ritual))
    if handler is None:
        logger.error("Ritual run %s: no handler for %r", run_id, run.ritual)
        with rt.sessions() as session:
            rituals.move_run(
                session, team_id, run_id, from_=(RunStatus.PENDING,), to=RunStatus.FAILED
            )
        return "no-handler"
    with rt.sessions() as session:  # False when resuming a run a dead worker left running
        rituals.move_run(session, team_id, run_id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING)
    outcome = handler(rt, run)
    with rt.sessions() as session:
        rituals.move_run(session, team_id, run_id, from_=(RunStatus.RUNNING,), to=RunStatus.DONE)
    return outcome
