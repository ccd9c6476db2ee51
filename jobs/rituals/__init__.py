"""The department's rituals: the daily standup, the morning and end-of-day summaries, weekly
planning and the monthly review (issue 18)."""
