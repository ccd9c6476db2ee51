"""Slack output: escaped text, Block Kit pieces, posting once, streaming edits, where work goes,
channels and people."""
