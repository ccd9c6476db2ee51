"""Approvals: the submit tool, agent reviews, the cards and their follow-ups."""
