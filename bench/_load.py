"""The load generator: signed app_mention deliveries over persistent keep-alive connections.

A fixed pool of threads lives for a whole app's rounds; each thread owns one keep-alive
connection (SlackRequestSender keeps one per thread), so warm-up and measured requests
travel the same sockets. Stale-connection retries are off: every reset is counted.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench._env import BOT_USER, CHANNEL, HUMAN, SIGNING_SECRET, TEAM
from sandbox.signing import SlackRequestSender, app_mention_event

Delivery = tuple[str, dict[str, Any]]  # (event_id, event)
MENTION_TEXT = "<@{bot}> copywriter: a tagline for the spring launch, variant {n}"
_BASE_TS = int(time.time()) - 3600
_counter = itertools.count(1)  # distinct event ids and ts across every phase of one run


def mentions(count: int, prefix: str) -> list[Delivery]:
    """`count` distinct mentions addressed to the copywriter, each its own new thread."""
    deliveries = []
    for _ in range(count):
        n = next(_counter)
        event = app_mention_event(
            user=HUMAN,
            channel=CHANNEL,
            text=MENTION_TEXT.format(bot=BOT_USER, n=n),
            ts=f"{_BASE_TS}.{n:06d}",
            team=TEAM,
        )
        deliveries.append((f"Ev{prefix}{n:08d}", event))
    return deliveries


@dataclass
class PhaseResult:
    """Latencies of answered requests (s), failures by kind, wall and server CPU time (s)."""

    latencies_s: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    server_cpu_s: float = math.nan


class LoadPool:
    """`concurrency` threads, each with its own keep-alive connection to one app URL."""

    def __init__(self, url: str, concurrency: int) -> None:
        self.sender = SlackRequestSender(
            url, SIGNING_SECRET, team_id=TEAM, bot_user_id=BOT_USER, retry_stale_connection=False
        )
        self._jobs: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self._result = PhaseResult()
        self._threads = [
            threading.Thread(target=self._run, name=f"load-{i}", daemon=True)
            for i in range(concurrency)
        ]
        for thread in self._threads:
            thread.start()

    def run(self, deliveries: list[Delivery]) -> PhaseResult:
        """Send every delivery as fast as the pool allows; returns when all are answered."""
        with self._lock:
            self._result = result = PhaseResult()
        started = time.perf_counter()
        for delivery in deliveries:
            self._jobs.put(delivery)
        self._jobs.join()
        result.wall_s = time.perf_counter() - started
        return result

    def close(self) -> None:
        """Drop what is still queued (after Ctrl-C), then stop the threads."""
        with contextlib.suppress(queue.Empty):
            while True:
                self._jobs.get_nowait()
                self._jobs.task_done()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=15)
        self.sender.close()

    def _run(self) -> None:
        while (delivery := self._jobs.get()) is not None:
            try:
                self._send(*delivery)
            finally:
                self._jobs.task_done()
        self._jobs.task_done()

    def _send(self, event_id: str, event: dict[str, Any]) -> None:
        try:
            response = self.sender.send_event(event, event_id=event_id)
        except Exception as error:  # resets, timeouts: counted, never fatal
            with self._lock:
                self._result.failures[type(error).__name__] += 1
            return
        with self._lock:
            self._result.latencies_s.append(response.elapsed_s)
            if response.status != 200:
                self._result.failures[f"HTTP {response.status}"] += 1


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 500 values is the 495th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values_s: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max, in milliseconds."""
    stats = {f"p{p}": percentile(values_s, p) * 1000 for p in (50, 90, 99)}
    stats["max"] = max(values_s, default=math.nan) * 1000
    return stats
