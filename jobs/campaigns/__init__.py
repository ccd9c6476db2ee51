"""Campaigns (issue 17): the engine that runs an approved plan, and what changes a campaign."""
