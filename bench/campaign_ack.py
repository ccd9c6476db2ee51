"""The `/campaign` slash command's ack at 20 concurrent signed requests, against the ack of a
mention by the same app (bench/ack_latency.py's real app).

`python -m bench.campaign_ack` (or `make bench`) prints its numbers; it is not a test and
exits 0 on a missed goal. Needs Redis on 127.0.0.1:6379 (db 14, flushed; `--redis-url` for
another). No worker runs: the ack is what is measured (the brief recorded, "Analyzing…"
answered, the analysis job queued), not the analysis.

Rounds alternate: mentions, then `/campaign <brief>` commands, each over the same 20
keep-alive connections to the real app served by waitress in a child process.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shlex
import statistics
import sys
from typing import Any

from bench._campaign import add_channels
from bench._env import CHANNEL, HUMAN, REDIS_BENCH_URL, bench_env
from bench._load import Delivery, LoadPool, PhaseResult, mentions, summary_ms
from bench._servers import HOW_SERVED, served

P99_GOAL_MS = 100.0
BRIEF = "launch an awareness campaign for our AI analytics feature, variant {n}; budget $5k"
_briefs = itertools.count(1)


class CommandPool(LoadPool):
    """The load pool sending `/campaign <brief>` slash commands instead of events."""

    def _send(self, event_id: str, event: dict[str, Any]) -> None:
        try:
            response = self.sender.send_command(
                "/campaign", event["text"], user_id=HUMAN, channel_id=CHANNEL
            )
        except Exception as error:  # resets, timeouts: counted, never fatal
            with self._lock:
                self._result.failures[type(error).__name__] += 1
            return
        with self._lock:
            self._result.latencies_s.append(response.elapsed_s)
            if response.status != 200:
                self._result.failures[f"HTTP {response.status}"] += 1


def commands(count: int) -> list[Delivery]:
    return [(f"cmd{n}", {"text": BRIEF.format(n=n)}) for n in itertools.islice(_briefs, count)]


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per kind")
    parser.add_argument("--requests", type=int, default=300, help="measured requests a round")
    parser.add_argument("--warmup", type=int, default=30, help="uncounted requests a round")
    parser.add_argument("--concurrency", type=int, default=20, help="keep-alive connections")
    parser.add_argument("--redis-url", default=REDIS_BENCH_URL, help="a Redis db to flush and use")
    return parser.parse_args(argv)


def _line(kind: str, result: PhaseResult) -> str:
    stats = summary_ms(result.latencies_s)
    failed = sum(result.failures.values())
    return (
        f"  {kind:<9} p50 {stats['p50']:6.1f}  p90 {stats['p90']:6.1f}  p99 {stats['p99']:6.1f}"
        f"  max {stats['max']:6.1f} ms | {len(result.latencies_s)} answered, {failed} failed"
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    print(f"command: {shlex.join(sys.orig_argv)}")
    print(f"python:  {platform.python_implementation()} {sys.version.split()[0]}")
    print(f"cpus:    {os.cpu_count()} ({platform.machine()}, load {os.getloadavg()[0]:.1f})")
    print(f"server:  {HOW_SERVED}\n")
    results: dict[str, list[PhaseResult]] = {"mention": [], "/campaign": []}
    with bench_env(options.redis_url) as env:
        add_channels(env)
        settings = env.settings_for("campaign_ack.db")
        with served("real", settings, str(env.workdir)) as app:
            pools = {
                "mention": LoadPool(app.url, options.concurrency),
                "/campaign": CommandPool(app.url, options.concurrency),
            }
            makers = {"mention": lambda n: mentions(n, "C"), "/campaign": commands}
            try:
                for number in range(1, options.rounds + 1):
                    for kind, pool in pools.items():
                        pool.run(makers[kind](options.warmup))
                        result = pool.run(makers[kind](options.requests))
                        results[kind].append(result)
                        print(f"round {number}{_line(kind, result)}")
            finally:
                for pool in pools.values():
                    pool.close()
    medians = {
        kind: statistics.median(summary_ms(r.latencies_s)["p99"] for r in rounds)
        for kind, rounds in results.items()
    }
    p50s = {
        kind: statistics.median(summary_ms(r.latencies_s)["p50"] for r in rounds)
        for kind, rounds in results.items()
    }
    print(f"\nmedian of {options.rounds} rounds, {options.concurrency} concurrent:")
    for kind in results:
        print(f"  {kind:<9} p50 {p50s[kind]:6.1f} ms  p99 {medians[kind]:6.1f} ms")
    ratio, ratio_p50 = (m["/campaign"] / m["mention"] for m in (medians, p50s))
    print(f"  ratio /campaign / mention: p99 {ratio:.2f}x, p50 {ratio_p50:.2f}x")
    verdict = "met" if medians["/campaign"] < P99_GOAL_MS else "MISSED"
    print(f"  goal /campaign p99 < {P99_GOAL_MS:.0f} ms: {verdict} ({medians['/campaign']:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
