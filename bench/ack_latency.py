"""Ack latency of the Slack-facing app, and how soon a worker starts on what it received.

`python -m bench.ack_latency` (or `make bench`) prints its numbers; it is not a test and
exits 0 on a missed goal. Needs Redis on 127.0.0.1:6379 (it uses db 14 and flushes it).

Part 1 sends signed app_mention deliveries at 20 concurrent keep-alive connections to the
real app and to a bare Bolt app that only acks, served the same way, alternating rounds.
Part 2 runs the real worker command and reads `started_at - created_at` from the turns.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shlex
import statistics
import sys
from dataclasses import dataclass

from bench._breakdown import print_breakdown
from bench._env import BenchEnv, bench_env
from bench._load import LoadPool, PhaseResult, mentions, summary_ms
from bench._pickup import print_pickup, run_pickup
from bench._servers import HOW_SERVED, AppKind, served

P99_GOAL_MS = 100.0
RATIO_GOAL = 1.5
KINDS: tuple[AppKind, ...] = ("bare", "real")  # bare first in every round, then real


@dataclass(frozen=True)
class Options:
    rounds: int
    requests: int
    warmup: int
    concurrency: int
    pickup: int
    pickup_rate: float


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per app")
    parser.add_argument("--requests", type=int, default=500, help="measured requests a round")
    parser.add_argument("--warmup", type=int, default=50, help="uncounted requests a round")
    parser.add_argument("--concurrency", type=int, default=20, help="keep-alive connections")
    parser.add_argument("--pickup", type=int, default=200, help="mentions for part 2")
    parser.add_argument("--pickup-rate", type=float, default=10.0, help="part 2 mentions/s")
    args = parser.parse_args(argv)
    return Options(
        args.rounds, args.requests, args.warmup, args.concurrency, args.pickup, args.pickup_rate
    )


def print_header() -> None:
    print(f"command: {shlex.join(sys.orig_argv)}")
    print(f"python:  {platform.python_implementation()} {sys.version.split()[0]}")
    print(f"cpus:    {os.cpu_count()} ({platform.machine()}, {platform.system()})")
    print()


def run_ack_rounds(env: BenchEnv, options: Options) -> dict[AppKind, list[PhaseResult]]:
    """Alternate bare and real rounds against both apps, each served in its own child."""
    settings = env.settings_for("ack.db")
    workdir = str(env.workdir)
    results: dict[AppKind, list[PhaseResult]] = {kind: [] for kind in KINDS}
    with served("bare", settings, workdir) as bare, served("real", settings, workdir) as real:
        apps = {"bare": bare, "real": real}
        pools = {kind: LoadPool(app.url, options.concurrency) for kind, app in apps.items()}
        try:
            for number in range(1, options.rounds + 1):
                for kind in KINDS:
                    pools[kind].run(mentions(options.warmup, "W"))
                    deliveries = mentions(options.requests, "M")
                    cpu_before = apps[kind].cpu_s()
                    result = pools[kind].run(deliveries)
                    result.server_cpu_s = apps[kind].cpu_s() - cpu_before
                    results[kind].append(result)
                    print(f"  round {number} {kind:<4} {_round_line(result)}")
        finally:
            for pool in pools.values():
                pool.close()
    return results


def _round_line(result: PhaseResult) -> str:
    stats = summary_ms(result.latencies_s)
    failed = sum(result.failures.values())
    kinds = f" ({dict(result.failures)})" if failed else ""
    answered = len(result.latencies_s)
    rate = answered / result.wall_s if result.wall_s else 0.0
    cpu_ms = result.server_cpu_s * 1000 / answered if answered else math.nan
    busy = result.server_cpu_s / result.wall_s * 100 if result.wall_s else math.nan
    return (
        f"p50 {stats['p50']:6.1f}  p90 {stats['p90']:6.1f}  p99 {stats['p99']:6.1f}  "
        f"max {stats['max']:6.1f} ms | {answered} answered, {failed} failed{kinds} | "
        f"{rate:4.0f} req/s | server CPU {cpu_ms:4.1f} ms/req, {busy:3.0f}% of a core"
    )


def print_ack_summary(results: dict[AppKind, list[PhaseResult]], options: Options) -> bool:
    """Median of rounds per statistic; returns whether any request failed."""
    medians = {
        kind: {
            stat: statistics.median(summary_ms(r.latencies_s)[stat] for r in rounds)
            for stat in ("p50", "p90", "p99", "max")
        }
        for kind, rounds in results.items()
    }
    print(f"\n  median of {options.rounds} rounds (ms):   p50     p90     p99     max  failed")
    for kind in KINDS:
        m = medians[kind]
        failed = sum(sum(r.failures.values()) for r in results[kind])
        print(
            f"  {kind:<4} app{'':21}{m['p50']:6.1f}  {m['p90']:6.1f}  {m['p99']:6.1f}"
            f"  {m['max']:6.1f}  {failed:5d}"
        )
    ratio_p50 = medians["real"]["p50"] / medians["bare"]["p50"]
    ratio_p99 = medians["real"]["p99"] / medians["bare"]["p99"]
    print(f"  ratio real/bare: p50 {ratio_p50:.2f}x   p99 {ratio_p99:.2f}x")
    for kind in KINDS:
        rate = statistics.median(len(r.latencies_s) / r.wall_s for r in results[kind])
        print(
            f"  {kind}: closed loop, so mean latency ~ {options.concurrency} in flight / "
            f"{rate:.0f} req/s = {options.concurrency / rate * 1000:.1f} ms (Little's law)"
        )
    p99 = medians["real"]["p99"]
    print(f"  goal real p99 < {P99_GOAL_MS:.0f} ms: {_verdict(p99 < P99_GOAL_MS)} ({p99:.1f} ms)")
    worst = max(ratio_p50, ratio_p99)
    print(f"  goal real <= {RATIO_GOAL}x bare (p50 and p99): {_verdict(worst <= RATIO_GOAL)}")
    return any(r.failures for rounds in results.values() for r in rounds)


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    print_header()
    with bench_env() as env:
        print("Part 1: ack latency (send -> full HTTP response), signed app_mention events")
        print(f"  server: {HOW_SERVED}")
        print(
            f"  load: {options.concurrency} threads, one keep-alive connection each; per round "
            f"{options.warmup} warm-up + {options.requests} measured requests per app"
        )
        results = run_ack_rounds(env, options)
        failures = print_ack_summary(results, options)
        print_breakdown(env)
        pickup = run_pickup(env, options.pickup, options.pickup_rate)
        print_pickup(pickup)
    if failures:
        print("\nNote: some requests failed or were reset (see the failed column).")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; every child process was stopped", file=sys.stderr)
        sys.exit(130)
