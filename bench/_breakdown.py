"""Where one ack's time goes: the same work timed in-process, one request at a time.

No HTTP and no concurrency, so these are service times (CPU + I/O of one request), the
floor under the latencies above. Run in the parent process against the part-1 database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest

from bench._env import BOT_USER, CHANNEL, HUMAN, SIGNING_SECRET, TEAM, BenchEnv
from bench._load import Delivery, mentions, percentile
from bench._servers import build_app
from jobs.queue import RUN_TURN, enqueue, turn_queue
from jobs.runtime import redis_client
from models import turns
from models.db import make_engine
from sandbox.signing import sign

SAMPLES = 200


def signed_request(delivery: Delivery) -> BoltRequest:
    """The BoltRequest waitress would hand Bolt for this delivery (Slack's envelope, signed)."""
    event_id, event = delivery
    envelope = {
        "token": "bench",
        "team_id": TEAM,
        "api_app_id": "A0BENCH",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }
    body = json.dumps(envelope)
    timestamp = int(time.time())
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/json",
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": sign(SIGNING_SECRET, timestamp, body.encode()),
    }
    return BoltRequest(body=body, headers=headers)


def _time_each(items: list[Any], action: Callable[[Any], object]) -> list[float]:
    times = []
    for item in items:
        started = time.perf_counter()
        action(item)
        times.append(time.perf_counter() - started)
    return times


def _dispatch_times(app: App, prefix: str) -> list[float]:
    requests = [signed_request(d) for d in mentions(SAMPLES + 20, prefix)]
    for request in requests[:20]:  # warm caches (auth.test, SQL compilation)
        app.dispatch(request)
    return _time_each(requests[20:], app.dispatch)


def measure(env: BenchEnv) -> dict[str, list[float]]:
    """Service times (s) of: Bolt alone, the real app, and the real listener's two writes."""
    settings = env.settings_for("breakdown.db")
    bare, real = build_app("bare", settings), build_app("real", settings)
    assert isinstance(bare, App) and isinstance(real, App)
    engine = make_engine(settings.database_url)
    queue = turn_queue(redis_client(settings), settings.queue_name)
    messages = [_message(eid, event) for eid, event in mentions(SAMPLES, "BD")]
    turn_ids: list[str] = []

    def persist(message: turns.InboundMessage) -> None:
        with engine.connect() as connection:
            turn_ids.append(turns.record_inbound(connection, message) or "")

    return {
        "bare Bolt app: verify + dispatch + ack": _dispatch_times(bare, "BB"),
        "real app:     verify + dispatch + ack": _dispatch_times(real, "BR"),
        "  of which: persist (record_inbound)": _time_each(messages, persist),
        "  of which: enqueue (RQ, Redis)": _time_each(
            turn_ids, lambda tid: enqueue(queue, RUN_TURN, TEAM, tid)
        ),
    }


def _message(event_id: str, event: dict[str, Any]) -> turns.InboundMessage:
    """What the app_mention listener hands to Intake for this event."""
    return turns.InboundMessage(
        team_id=TEAM,
        event_id=event_id,
        source="app_mention",
        channel_id=CHANNEL,
        is_dm=False,
        thread_ts=event["ts"],
        message_ts=event["ts"],
        user_id=HUMAN,
        text=event["text"],
    )


def print_breakdown(env: BenchEnv) -> None:
    print(f"\n  service time of one request, in-process, sequential, {SAMPLES} each (ms):")
    print(f"  {'':40}  p50     p90")
    for label, times in measure(env).items():
        p50, p90 = percentile(times, 50) * 1000, percentile(times, 90) * 1000
        print(f"  {label:<40}{p50:6.2f}  {p90:6.2f}")
    env.redis.flushdb()
