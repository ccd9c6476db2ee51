"""Approvals: the submit tool, the cards, and what follows a decision (agent reviews are turns:
`jobs/agent/reviews.py`)."""
