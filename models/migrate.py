"""`python -m models.migrate`: bring the configured database to the newest schema.

A deployment runs it once per release, before the app and the workers start (the Procfile's
`release`, compose.yaml's `migrate` service), never in each replica: the app and the workers
refuse a database that is not at head instead of migrating it themselves. It waits up to
`--wait` seconds for the database to answer (a container starting beside it), and on
PostgreSQL migrates under an advisory lock, so two releases started at once migrate one after
the other (the second finds nothing left to do).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from models.db import make_engine, upgrade
from settings import Settings, describe_error

MIGRATION_LOCK_KEY = 20_0000_0020  # pg_advisory_lock's key for "a migration runs"
RETRY_EVERY_S = 1.0


def wait_for_database(engine: Engine, wait_s: float) -> bool:
    """True once the database answers; False if it did not within `wait_s`."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except OperationalError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(RETRY_EVERY_S)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """One migration at a time on PostgreSQL (a session lock, gone with the connection if the
    process dies); SQLite's own write lock suffices there."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Migrate DATABASE_URL to the newest schema.")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the database")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url, statement_timeout_s=0)  # waits on the lock
    if not wait_for_database(engine, args.wait):
        print(
            f"The database (DATABASE_URL) did not answer within {args.wait:g} s.", file=sys.stderr
        )
        return 2
    with migration_lock(engine):
        upgrade(settings.database_url)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
