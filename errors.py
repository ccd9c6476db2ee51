"""The domain's exceptions, in one place.

`StartupError`s stop a process before it serves anything, with a message fit to print as is
(it names the file or setting at fault, never a secret). Errors during a turn are turned into
a fixed, friendly message in Slack by the job that meets them.
"""

from __future__ import annotations


class StartupError(Exception):
    """Configuration or data that makes it pointless to start."""


class ConfigError(StartupError):
    """A setting is missing or unusable."""


class RosterError(StartupError):
    """The roster or a prompt file is unreadable or describes an impossible department."""


class PricingError(StartupError):
    """The price table is broken or a configured model has no price."""


class DatabaseNotMigrated(StartupError):
    """The database schema is not at the newest migration."""


class DatabaseUnreachable(StartupError):
    """The database does not answer at start-up (down, restarting, failing over). A check
    (`--check`) stops with this line; serving (HTTP or Socket Mode) and the worker command wait
    for the database (handlers/database_gate.py, jobs/outages.py)."""


class BudgetSpent(Exception):
    """The request's LLM budget is used up: the department stops and asks a person."""


class CampaignBudgetHeld(Exception):
    """A campaign's budget holds the call about to be made (its estimate would pass the
    budget, or the campaign is held already): the task is parked, not stopped."""

    def __init__(self, shown: str) -> None:
        super().__init__("the campaign's budget is held")
        self.shown = shown  # what the turn had said before the held call


class GuardTripped(Exception):
    """A runaway guard (delegation depth, a cycle, turns per task) stopped the request."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LlmGaveUp(Exception):
    """Claude could not be reached or kept failing after every retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SlackReadRateLimited(Exception):
    """A recovery read (conversations.history / .replies) got a 429. Some apps may read
    history once a minute: the job fails now and is retried later, instead of holding a
    worker for the Retry-After."""

    def __init__(self, method: str, retry_after_s: int | None) -> None:
        super().__init__(f"{method} rate limited (Retry-After {retry_after_s})")
        self.method = method
        self.retry_after_s = retry_after_s


class BadTaskContext(Exception):
    """A task's stored context is not one of the task kinds (`models/kinds.py`): an old row a
    migration missed, or a corrupt one. Raised on load, naming the task."""


class WorkspaceNotInstalled(Exception):
    """No token for this workspace: it uninstalled the app (or revoked its tokens). A job for
    it ends without calling Slack; its data waits out the retention period."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"workspace {team_id} has no installation")
        self.team_id = team_id
