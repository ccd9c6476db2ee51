"""The agent turn: person turns, task turns and review turns, the tool loop and the tools it
routes to, the lease, and stopping a request."""
