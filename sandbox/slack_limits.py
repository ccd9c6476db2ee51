"""Slack's per-workspace rate limits, counted and (when asked) enforced by the stand-in.

Slack counts each Web API method per app per workspace in a one-minute window and answers
over the limit with HTTP 429 and `Retry-After`. The stand-in records when every admitted
call of a method reached it, per team, so a test or benchmark can read the busiest minute
(`peak`) and, with `limit(...)`, see 429s exactly where Slack would send them.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable

WINDOW_S = 60.0
KEPT_CALLS = 20_000  # per (team, method): a long sandbox session does not grow without end


class RateLimits:
    """Per (team, method) call times; optional per-minute limits. Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limits: dict[str, int] = {}
        self._admitted: dict[tuple[str, str], list[float]] = {}
        self._refused: dict[tuple[str, str], int] = {}

    def limit(self, method: str, per_minute: int | None) -> None:
        """Answer `method` with 429 past `per_minute` calls in any minute (None: no limit)."""
        with self._lock:
            if per_minute is None:
                self._limits.pop(method, None)
            else:
                self._limits[method] = per_minute

    def admit(self, team_id: str, method: str) -> int | None:
        """Count a call; None if it may go, else the Retry-After seconds of its 429."""
        now = self._clock()
        with self._lock:
            times = self._admitted.setdefault((team_id, method), [])
            allowed = self._limits.get(method)
            if allowed is not None:
                recent = times[bisect.bisect_right(times, now - WINDOW_S) :]
                if len(recent) >= allowed:
                    key = (team_id, method)
                    self._refused[key] = self._refused.get(key, 0) + 1
                    return max(1, math.ceil(recent[0] + WINDOW_S - now))
            times.append(now)
            del times[:-KEPT_CALLS]
            return None

    def admitted(self, team_id: str, method: str) -> list[float]:
        """When each admitted call arrived (the stand-in's monotonic clock), oldest first."""
        with self._lock:
            return list(self._admitted.get((team_id, method), []))

    def refused(self, team_id: str, method: str) -> int:
        with self._lock:
            return self._refused.get((team_id, method), 0)

    def peak(self, team_id: str, method: str, window_s: float = WINDOW_S) -> int:
        """The most admitted calls in any `window_s` window: what Slack's limiter saw."""
        times = self.admitted(team_id, method)
        best = 0
        for start, at in enumerate(times):
            end = bisect.bisect_right(times, at + window_s - 1e-9)
            best = max(best, end - start)
        return best

    def reset(self) -> None:
        with self._lock:
            self._admitted.clear()
            self._refused.clear()
