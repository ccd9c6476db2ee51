"""Slack output: escaped text, posting once, streaming edits, Block Kit pieces, placement, Home."""
