"""The department's work between agents: delegation and consults, escalation, decisions."""
