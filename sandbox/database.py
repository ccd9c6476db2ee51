"""The sandbox's database: a fresh SQLite file each start, copied from one migrated per schema.

Running the Alembic chain takes most of a second on a busy machine, every start, for a result
that only changes when a migration does. So the chain runs once per set of migration files
(their contents hashed into the template's name) and each start copies the template with
SQLite's backup API, which copies a consistent database whatever journal mode wrote it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from pathlib import Path

# models.db (SQLAlchemy, Alembic) is imported only to migrate: a start that copies need not.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
TEMPLATE_PREFIX = "schema-"


def schema_key(migrations: Path = MIGRATIONS_DIR) -> str:
    """A digest of every migration file (and env.py): a new or edited one makes a new key."""
    digest = hashlib.sha256()
    for path in sorted(migrations.rglob("*.py")):
        digest.update(str(path.relative_to(migrations)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def fresh_database(path: Path, migrations: Path = MIGRATIONS_DIR) -> str:
    """Replace `path` with an empty database at the newest schema; returns its URL."""
    template = _template(path.parent, schema_key(migrations))
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    with (
        contextlib.closing(sqlite3.connect(template)) as source,
        contextlib.closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)
    return f"sqlite:///{path.resolve()}"


def _template(directory: Path, key: str) -> Path:
    """The migrated template for this schema, made if missing; older templates are removed.
    Migrated under a name of its own and renamed, so a sandbox starting beside this one
    never copies a half-migrated file."""
    directory.mkdir(parents=True, exist_ok=True)
    template = directory / f"{TEMPLATE_PREFIX}{key}.db"
    if not template.exists():
        from models.db import upgrade

        scratch = directory / f"{TEMPLATE_PREFIX}{key}.{os.getpid()}.tmp"
        scratch.unlink(missing_ok=True)
        upgrade(f"sqlite:///{scratch.resolve()}")
        scratch.replace(template)
    for old in directory.glob(f"{TEMPLATE_PREFIX}*.db"):
        if old != template:
            old.unlink(missing_ok=True)
    return template
