"""What every handler of a turn's tool calls works with (delegate and consult, escalate,
record_decision, submit_for_approval): one description, so a new tool's handler (a campaign
step's) starts from the same four things."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bots.roster import Agent
from jobs.runtime import Runtime
from models.work import Task


@dataclass
class ToolHandler:
    """The turn's runtime, the agent making the calls, the task its calls hang under (made
    on the first call that needs it), and the channel and thread the request came from."""

    rt: Runtime
    caller: Agent
    ensure_parent: Callable[[], Task]
    origin: tuple[str, str]
