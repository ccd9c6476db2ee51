"""The department's tools: delegation and consults, escalation, decisions, the request budget."""
