"""Open modals, published Home tabs and live trigger ids of the sandbox workspace."""

from __future__ import annotations

import copy
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

TRIGGER_TTL_S = 3.0  # Slack's trigger_id expires 3 seconds after the interaction
View = dict[str, Any]


@dataclass
class ViewStore:
    """Open modals (a stack per person), published Home tabs and live trigger ids."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    views: dict[str, View] = field(default_factory=dict)
    stacks: dict[str, list[str]] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)
    triggers: dict[str, tuple[str, float]] = field(default_factory=dict)

    def issue_trigger(self, user: str) -> str:
        trigger = f"{int(time.time())}.{secrets.token_hex(6)}"
        with self.lock:
            self.triggers[trigger] = (user, time.monotonic() + TRIGGER_TTL_S)
        return trigger

    def for_user(self, user: str) -> dict[str, Any]:
        """What a person sees: their modal stack (top last) and their Home tab."""
        with self.lock:
            modals = [copy.deepcopy(self.views[v]) for v in self.stacks.get(user, [])]
            home_id = self.homes.get(user)
            home = copy.deepcopy(self.views[home_id]) if home_id else None
        return {"modals": modals, "home": home}

    def owner(self, view_id: str) -> str | None:
        with self.lock:
            view = self.views.get(view_id)
            return str(view["user"]) if view else None

    def close(self, user: str, view_id: str) -> bool:
        """The person closed a modal (or the app cleared it): drop it and any above it."""
        with self.lock:
            stack = self.stacks.get(user, [])
            if view_id not in stack:
                return False
            del stack[stack.index(view_id) :]
            return True

    def clear(self, user: str) -> None:
        with self.lock:
            self.stacks[user] = []

    def close_all(self, user: str) -> list[View]:
        """The person's client went away (a reload, a closed tab): Slack closes every modal
        they had open. Returns the closed views, top first."""
        with self.lock:
            closed = [copy.deepcopy(self.views[v]) for v in reversed(self.stacks.get(user, []))]
            self.stacks[user] = []
            return closed
