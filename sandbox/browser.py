"""How the tests and benchmarks start Debian's Chromium for the sandbox page.

No browser download: the distribution's package (scripts/ensure-chromium installs it). The
flags keep it headless and stop it from calling home, which this network refuses anyway.
"""

from __future__ import annotations

import shutil

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The chromium executable, or a clear error saying how to get it."""
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("Debian's chromium is not installed: run scripts/ensure-chromium")
    return path
