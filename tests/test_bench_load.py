"""`make bench`'s load benchmark in its quick mode: it runs end to end (the real app over HTTP,
the real worker command, three workspaces, a campaign in one of them) and reports its numbers.
No figure is judged here: the benchmark prints them, against its baseline, for a person."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis

from tests.conftest import REDIS_TEST_URL

REPO = Path(__file__).resolve().parent.parent
NUMBER = r"\d+(?:\.\d+)?"
QUICK_RUN_TIMEOUT_S = 600  # seconds; about 30 s on a quiet 2-core machine


@pytest.mark.timeout(QUICK_RUN_TIMEOUT_S + 30)
def test_the_load_benchmark_reports_every_figure_in_quick_mode(
    redis_conn: Redis, tmp_path: Path
) -> None:
    # One run of each part: every start of the app and the worker command is seconds of
    # imports, and a second worker count would print the same kinds of figure again.
    command = [sys.executable, "-m", "bench.load", "--quick", "--workers", "1"]
    command += ["--backends", "sqlite", "--fair-workers", "1", "--redis-url", REDIS_TEST_URL]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=QUICK_RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    line = re.search(r"sqlite +1 worker\(s\) \| paced .*", out)
    assert line is not None, out
    assert re.search(rf"ack p99 +{NUMBER} ms, first post p50 +{NUMBER}", line[0]), line[0]
    assert re.search(rf"accepted +{NUMBER}/min .* completed +{NUMBER} turns/min", line[0])
    assert re.search(rf"CPU: app +{NUMBER} ms per event, workers +{NUMBER} ms per", out), out
    assert re.search(r"sqlite 1w: >= \d+ accepted/min with p99 ack < \d+ ms: (PASS|MISS)", out)
    assert re.search(r"completed turns/min against 1 worker\(s\): 1w 1.00x$", out, re.M), out
    fairness = re.findall(rf"first post p50 +{NUMBER} p99 +{NUMBER} s \((\d+)/(\d+) posted", out)
    assert len(fairness) == 2, out  # the baseline, then under the campaign
    assert all(posted == sent and int(sent) > 0 for posted, sent in fairness), out
    assert re.search(rf"ratio p99 under the campaign / baseline: {NUMBER}x", out), out
