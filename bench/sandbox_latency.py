"""How soon the local sandbox is usable, and how soon a mention gets a visible answer.

`python -m bench.sandbox_latency` prints its numbers; it is not a test and exits 0 on a missed
goal (1 only if the sandbox or the browser would not work). Needs Debian's `chromium`.

Part 1 spawns `python app.py` as a person would (no Slack or Anthropic credentials, a free
PORT, a fresh temporary directory, no DATABASE_URL or REDIS_URL), five times, and times the
"Sandbox ready" line and the page answering; each run is stopped with SIGINT. Interpreter and
import baselines run in the same run, so readers see what share is import cost.
Part 2 keeps one sandbox running, opens the page in Chromium (1280x800), and times ten
mentions from pressing Enter to the thread link, and to the persona's first streamed text.
Part 3 runs the blog-post flow a newcomer would (bench/_blog_flow.py): the first example,
Enter, the approval card after two agent reviews, one Approve click, the wrap-up.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from types import FrameType

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

from bench._blog_flow import FlowTiming, measure_flow, print_flows
from bench._sandbox import (
    NOTICE,
    PAGE_ANSWERING,
    READY,
    RQ_WORKER_SPAWNED,
    WORKER_SPAWNED,
    WORKERS_LOGGED,
    BenchError,
    SandboxRun,
    running_sandbox,
    time_python,
)
from sandbox.browser import CHROMIUM_ARGS, chromium_path

STARTUP_RUNS = 5
BASELINE_RUNS = 5
PAGE_GOAL_S = 5.0
TEXT_GOAL_S = 1.0
BASELINE_MODULES = ("app", "jobs.worker")  # app.py imports; the worker command imports
PHASES = [NOTICE, WORKER_SPAWNED, WORKERS_LOGGED, RQ_WORKER_SPAWNED, PAGE_ANSWERING, READY]
RUN_LINE_STEPS = [
    (NOTICE, "notice"),
    (WORKER_SPAWNED, "worker cmd"),
    (RQ_WORKER_SPAWNED, "RQ worker"),
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
PERSON = "U0MARIA"
PERSON_NAME = "maria"  # data-username of Maria's messages
PERSONA = "Copywriter"
PRODUCTS = [
    "our AI analytics launch",
    "the new mobile banking app",
    "our spring running shoes",
    "the smart thermostat",
    "our coffee subscription",
    "the developer API platform",
    "our cloud backup service",
    "the budgeting app",
    "our electric cargo bike",
    "the plant-based protein bar",
]
WAIT_TIMEOUT_MS = 30_000
# Maria's message with the "N replies" link shown; returns its ts.
THREAD_LINK_JS = """([product, username]) => {
  for (const msg of document.querySelectorAll('#message-list [data-testid="message"]')) {
    const text = msg.querySelector('[data-testid="message-text"]');
    const link = msg.querySelector('[data-testid="thread-link"]');
    if (msg.dataset.username === username && text && text.textContent.includes(product)
        && link && link.getClientRects().length) return msg.dataset.ts;
  }
  return false;
}"""
PERSONA_TEXTS = (
    f'[data-testid="thread-pane"] [data-testid="message"][data-username="{PERSONA}"] '
    '[data-testid="message-text"]'
)
# The persona's reply shows text that is not the placeholder (the streaming cursor ignored).
PERSONA_TEXT_JS = """(selector) => {
  for (const el of document.querySelectorAll(selector)) {
    const text = el.textContent.replace('\u258d', '').trim();
    if (text && text !== 'On it\u2026' && el.getClientRects().length) return text.length;
  }
  return false;
}"""
# The reply has finished streaming: no cursor, not the placeholder.
PERSONA_DONE_JS = """(selector) => {
  const texts = [...document.querySelectorAll(selector)].map((el) => el.textContent.trim());
  return texts.length > 0 && texts.every((t) => t && t !== 'On it\u2026' && !t.endsWith('\u258d'));
}"""


@dataclass(frozen=True)
class Options:
    runs: int
    mentions: int
    flows: int


@dataclass(frozen=True)
class MentionTiming:
    product: str
    link_s: float
    text_s: float
    first_chars: int


def print_header() -> None:
    print(f"command: {shlex.join(sys.orig_argv)}")
    print(f"python:  {platform.python_implementation()} {sys.version.split()[0]}")
    print(f"cpus:    {os.cpu_count()} ({platform.machine()}, {platform.system()})")
    print()


def run_baselines() -> dict[str, list[float]]:
    """Bare interpreter and import baselines, BASELINE_RUNS each, interleaved."""
    rows: dict[str, list[float]] = {"python -c pass (interpreter start + exit)": []}
    for _ in range(BASELINE_RUNS):
        rows["python -c pass (interpreter start + exit)"].append(time_python(None)[0])
        for module in BASELINE_MODULES:
            wall, inside = time_python(module)
            rows.setdefault(f'python -c "import {module}": whole process', []).append(wall)
            rows.setdefault(f"  of which `import {module}` (timed inside)", []).append(inside)
            rows.setdefault(f"  rest: interpreter start + exit ({module})", []).append(
                wall - inside
            )
    return rows


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=STARTUP_RUNS, help="start-up runs (part 1)")
    parser.add_argument(
        "--mentions",
        type=int,
        default=len(PRODUCTS),
        choices=range(1, len(PRODUCTS) + 1),
        metavar=f"1..{len(PRODUCTS)}",
        help="timed mentions (part 2)",
    )
    parser.add_argument("--flows", type=int, default=3, help="blog-post flows (part 3)")
    args = parser.parse_args(argv)
    return Options(max(1, args.runs), args.mentions, max(1, args.flows))


def run_startups(runs: int) -> list[SandboxRun]:
    """Spawn, wait for both signs of life, SIGINT; each run keeps its milestones."""
    done: list[SandboxRun] = []
    for number in range(1, runs + 1):
        with running_sandbox() as run:
            pass  # started; leaving the block stops it with SIGINT and times that
        done.append(run)
        print(f"  run {number}: {_startup_line(run)}")
    return done


def _startup_line(run: SandboxRun) -> str:
    at = run.milestones
    steps = ", ".join(f"{short} {at[name]:.2f}" for name, short in RUN_LINE_STEPS if name in at)
    return (
        f"page answering {at[PAGE_ANSWERING]:5.2f} s, ready line {at[READY]:5.2f} s ({steps}) | "
        f"CPUs busy {run.machine_busy:4.0%} | SIGINT -> exited {run.stop_s:4.2f} s"
    )


def print_startup_summary(runs: list[SandboxRun], baselines: dict[str, list[float]]) -> None:
    print(f"\n  over {len(runs)} runs (s):{'':32}min  median     max")
    for name in (READY, PAGE_ANSWERING):
        print(f"  {'spawn -> ' + name:<56}{_min_med_max([r.milestones[name] for r in runs])}")
    print(f"  {'SIGINT -> exit':<56}{_min_med_max([r.stop_s for r in runs])}")
    print_phases([r.milestones for r in runs])
    print(f"\n  baselines, same environment, cwd = repo ({BASELINE_RUNS} runs each):")
    for name, values in baselines.items():
        print(f"  {name:<56}{_min_med_max(values)}")
    page = statistics.median(r.milestones[PAGE_ANSWERING] for r in runs)
    imports = statistics.median(baselines["  of which `import app` (timed inside)"])
    print(f"  `import app` (timed inside) / median spawn -> page answering: {imports / page:.0%}")
    verdict = _verdict(page < PAGE_GOAL_S)
    print(f"  goal: page answering < {PAGE_GOAL_S:.0f} s: {verdict} (median {page:.2f} s)")


def print_phases(runs: list[dict[str, float]]) -> None:
    """Median time since spawn of each milestone, in the order they happened."""
    print("\n  where it goes (median s since spawn; + since the line above):")
    medians: dict[str, float] = {}
    for name in PHASES:
        values = [r[name] for r in runs if name in r]
        if len(values) < len(runs):
            print(f"  ({name}: seen in {len(values)} of {len(runs)} runs)")
        if values:
            medians[name] = statistics.median(values)
    previous = 0.0
    for name, median in sorted(medians.items(), key=lambda item: item[1]):
        print(f"  {name:<56}{median:6.2f}  (+{median - previous:.2f})")
        previous = median


def _min_med_max(values: list[float]) -> str:
    return f"{min(values):6.2f}  {statistics.median(values):6.2f}  {max(values):6.2f}"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def measure_mentions(url: str, products: list[str]) -> list[MentionTiming]:
    """One Chromium page as Maria in #general; one timed mention per product."""
    try:
        executable = chromium_path()
    except RuntimeError as missing:
        raise BenchError(str(missing)) from missing
    timings: list[MentionTiming] = []
    page_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            open_general_as_maria(page, url)
            for number, product in enumerate(products, start=1):
                timings.append(measure_mention(page, product))
                print(f"  mention {number:2d}: {_mention_line(timings[-1])}")
        except PlaywrightError as error:
            seen = "; ".join(page_errors) or "none"
            message = str(error).splitlines()[0]
            raise BenchError(f"the page did not work: {message} (page errors: {seen})") from error
        finally:
            with contextlib.suppress(PlaywrightError):  # after Ctrl-C the driver may be gone
                browser.close()
    return timings


def _mention_line(timing: MentionTiming) -> str:
    return (
        f"link {timing.link_s * 1000:6.0f} ms, persona text {timing.text_s * 1000:6.0f} ms "
        f"({timing.first_chars} chars first shown)  [{timing.product}]"
    )


def open_general_as_maria(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("user-picker").select_option(PERSON)
    page.get_by_test_id("channel-general").click()
    expect(page.locator("#stream-status")).to_have_text("Live", timeout=WAIT_TIMEOUT_MS)


def measure_mention(page: Page, product: str) -> MentionTiming:
    """Enter -> thread link on the message; click it; -> the persona's first real text."""
    composer = page.get_by_test_id("composer")
    composer.fill(f"@Marketing Dept copywriter: three taglines for {product}")
    started = time.perf_counter()
    composer.press("Enter")
    found = page.wait_for_function(
        THREAD_LINK_JS, arg=[product, PERSON_NAME], polling="raf", timeout=WAIT_TIMEOUT_MS
    )
    link_s = time.perf_counter() - started
    ts = found.json_value()
    page.locator(f'#message-list [data-testid="thread-link"][data-open-thread="{ts}"]').click()
    shown = page.wait_for_function(
        PERSONA_TEXT_JS, arg=PERSONA_TEXTS, polling="raf", timeout=WAIT_TIMEOUT_MS
    )
    text_s = time.perf_counter() - started
    # Untimed: let the reply finish so the next mention does not share the workers with it.
    page.wait_for_function(PERSONA_DONE_JS, arg=PERSONA_TEXTS, timeout=WAIT_TIMEOUT_MS)
    page.locator("#close-thread").click()
    expect(page.get_by_test_id("thread-pane")).to_be_hidden()
    return MentionTiming(product, link_s, text_s, int(shown.json_value()))


def measure_flows(url: str, count: int) -> list[FlowTiming]:
    """Each flow in a fresh page of one browser, one after another, on one sandbox."""
    try:
        executable = chromium_path()
    except RuntimeError as missing:
        raise BenchError(str(missing)) from missing
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            return [measure_flow(browser, url, number) for number in range(count)]
        except PlaywrightError as error:
            message = str(error).splitlines()[0]
            raise BenchError(f"the blog-post flow did not work: {message}") from error
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()


def print_mention_summary(timings: list[MentionTiming]) -> None:
    print(f"\n  over {len(timings)} mentions (ms):{'':24}p50     max")
    for label, values in (
        ("Enter -> thread link visible", [t.link_s for t in timings]),
        ("Enter -> persona text visible (incl. the click)", [t.text_s for t in timings]),
    ):
        print(f"  {label:<52}{statistics.median(values) * 1000:6.0f}  {max(values) * 1000:6.0f}")
    p50 = statistics.median(t.text_s for t in timings)
    print(
        f"  goal: Enter -> first persona text < {TEXT_GOAL_S:.0f} s: "
        f"{_verdict(p50 < TEXT_GOAL_S)} (p50 {p50 * 1000:.0f} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    print_header()
    try:
        print("Part 1: start-up, spawning `python app.py` -> 'Sandbox ready' line / page answering")
        print("  each run: fresh temp dir as cwd, free PORT, no SLACK_*/ANTHROPIC_*/DATABASE_URL/")
        print("  REDIS_URL; page answering = GET / and GET /api/bootstrap both 200 (10 ms polls)")
        startups = run_startups(options.runs)
        baselines = run_baselines()
        print_startup_summary(startups, baselines)
        print("\nPart 2: mention -> first persona text, Chromium 1280x800, one sandbox")
        print("  as Maria in #general: '@Marketing Dept copywriter: three taglines for <product>'")
        print("  timed with perf_counter around Playwright waits polling on animation frames")
        with running_sandbox() as run:
            print(f"  sandbox up in {run.milestones[PAGE_ANSWERING]:.2f} s at {run.url}")
            timings = measure_mentions(run.url, PRODUCTS[: options.mentions])
        print_mention_summary(timings)
        print("\nPart 3: the blog-post flow a newcomer runs (first example, Enter, Approve)")
        with running_sandbox() as run:
            flows = measure_flows(run.url, options.flows)
        print_flows(flows)
    except BenchError as error:
        print(f"\nbenchmark broken: {error}", file=sys.stderr)
        return 1
    return 0


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def stop_children_on_signals() -> None:
    """Ctrl-C and SIGTERM unwind through every `finally`, so each child process is stopped.

    Also undoes an inherited "ignore SIGINT" (nohup, `cmd &` in a script): children inherit
    it, and app.py would then ignore the SIGINT that is meant to stop it.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


if __name__ == "__main__":
    stop_children_on_signals()
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; every child process was stopped", file=sys.stderr)
        sys.exit(130)
