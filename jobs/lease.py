"""A heartbeat that keeps a lease (on a turn or a task) alive while its job runs, so only a
dead worker's lease ever expires."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)


@contextmanager
def heartbeat(extend: Callable[[], bool], lease_s: float, name: str) -> Iterator[None]:
    """Call `extend` every third of the lease until the block ends or it returns False."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease_s / 3):
            try:
                if not extend():
                    return  # the lease was lost: someone else holds the work now
            except Exception:
                logger.exception("Lease heartbeat failed for %s", name)

    thread = threading.Thread(target=beat, name=f"lease-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
