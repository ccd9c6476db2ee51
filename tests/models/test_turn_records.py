"""Turn persistence and its guarded transitions, on SQLite and on PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import dataclasses
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy.orm import Session, sessionmaker

from models import leases, turns
from models.leases import TURNS
from models.records import Turn, TurnStatus
from models.turns import InboundMessage

H = "test:1"  # the lease holder (host:pid)


def _message(
    event_id: str = "Ev1", ts: str = "1700000000.000100", team: str = "T1"
) -> InboundMessage:
    return InboundMessage(
        team_id=team,
        event_id=event_id,
        source="app_mention",
        channel_id="C1",
        is_dm=False,
        thread_ts=ts,
        message_ts=ts,
        user_id="U1",
        text="copywriter: taglines",
    )


def _record(sessions: sessionmaker[Session], message: InboundMessage) -> str | None:
    engine = sessions.kw["bind"]
    with engine.connect() as connection:
        return turns.record_inbound(connection, message)


def test_duplicates_by_event_id_or_message_are_ignored(sessions: sessionmaker[Session]) -> None:
    first = _record(sessions, _message())
    assert first is not None
    assert _record(sessions, _message()) is None
    assert _record(sessions, _message(event_id="Ev2")) is None  # same message, other event
    assert _record(sessions, _message(team="T2")) is not None  # another workspace


def test_concurrent_claims_have_exactly_one_winner(sessions: sessionmaker[Session]) -> None:
    turn_id = _record(sessions, _message())
    assert turn_id is not None

    def try_claim(_: int) -> turns.Claim | None:
        with sessions() as session:
            return turns.claim(session, "T1", turn_id, lease_s=30, holder=H)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(try_claim, range(8)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and winners[0].attempts == 1


def test_wrong_team_cannot_claim(sessions: sessionmaker[Session]) -> None:
    turn_id = _record(sessions, _message())
    assert turn_id is not None
    with sessions() as session:
        assert turns.claim(session, "T_OTHER", turn_id, lease_s=30, holder=H) is None
        assert turns.load_turn(session, "T_OTHER", turn_id) is None


def test_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(
    sessions: sessionmaker[Session],
) -> None:
    turn_id = _record(sessions, _message())
    assert turn_id is not None
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with freeze_time(start), sessions() as session:
        old = turns.claim(session, "T1", turn_id, lease_s=30, holder=H)
        assert old is not None
        assert turns.claim(session, "T1", turn_id, lease_s=30, holder=H) is None  # lease still held
    with freeze_time(start + timedelta(seconds=31)), sessions() as session:
        assert leases.lost(session, TURNS, grace_s=5) == [("T1", turn_id)]
        new = turns.claim(session, "T1", turn_id, lease_s=30, holder=H)
        assert new is not None and new.attempts == 2
        assert leases.extend(session, TURNS, old, 30) is False
        assert turns.finish(session, old, TurnStatus.ANSWERED) is False
        assert turns.finish(session, new, TurnStatus.ANSWERED) is True
        assert turns.finish(session, new, TurnStatus.FAILED) is False  # one transition only
        turn = session.get(Turn, turn_id)
        assert turn is not None and turn.status == TurnStatus.ANSWERED.value
        assert turn.finished_at == start + timedelta(seconds=31)
        assert turn.finished_at.tzinfo is not None  # stored and returned in UTC


def test_unenqueued_turns_are_found_after_the_grace_period(sessions: sessionmaker[Session]) -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with freeze_time(start):
        turn_id = _record(sessions, _message())
    with freeze_time(start + timedelta(seconds=2)), sessions() as session:
        assert leases.lost(session, TURNS, grace_s=3) == []
    with freeze_time(start + timedelta(seconds=4)), sessions() as session:
        assert leases.lost(session, TURNS, grace_s=3) == [("T1", turn_id)]


def test_a_threads_messages_are_claimed_in_order(sessions: sessionmaker[Session]) -> None:
    root = "1700000000.000100"
    first = _record(sessions, _message("Ev1", root))
    follow_up = dataclasses.replace(_message("Ev2", root), message_ts="1700000009.000100")
    elsewhere = _record(sessions, _message("Ev3", "1700000005.000100"))  # another thread
    second = _record(sessions, follow_up)
    assert first and second and elsewhere
    with sessions() as session:
        assert (
            turns.claim(session, "T1", second, lease_s=30, holder=H) is None
        )  # the first is unanswered
        assert (
            turns.claim(session, "T1", elsewhere, lease_s=30, holder=H) is not None
        )  # not held up
        held = turns.claim(session, "T1", first, lease_s=30, holder=H)
        assert held is not None
        first_turn = turns.load_turn(session, "T1", first)
        assert first_turn is not None and turns.next_in_thread(session, first_turn) == second
        assert turns.finish(session, held, TurnStatus.FAILED, "gave up")  # failed still ends it
        assert turns.claim(session, "T1", second, lease_s=30, holder=H) is not None
