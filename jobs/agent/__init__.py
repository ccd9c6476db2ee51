"""The agent turn: the runner for person turns and task turns, the tool loop, the lease."""
