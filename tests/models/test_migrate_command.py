"""`python -m models.migrate`, the one place a deployment migrates (the Procfile's release,
compose.yaml's migrate service): on both databases, one migration at a time, and a clear
line when the database never answers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from models import migrate
from models.db import assert_migrated, make_engine


def test_it_brings_an_empty_database_to_head(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert migrate.main(["--wait", "5"]) == 0
    assert migrate.main(["--wait", "5"]) == 0  # a second release finds nothing to do
    engine = make_engine(database_url)
    assert_migrated(engine)
    engine.dispose()


def test_two_migrations_never_run_at_once_on_postgresql(database_url: str) -> None:
    engine = make_engine(database_url)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with migrate.migration_lock(engine):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                taken = connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": migrate.MIGRATION_LOCK_KEY}
                )
                assert taken is False
    finally:
        release.set()
        holder.join(10)
    with migrate.migration_lock(engine):  # free again
        pass
    engine.dispose()


def test_a_database_that_never_answers_stops_it_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app:hunter22@127.0.0.1:1/nowhere")
    assert migrate.main(["--wait", "0"]) == 2
    error = capsys.readouterr().err
    assert error == "The database (DATABASE_URL) did not answer within 0 s.\n"
