"""SQLAlchemy models, sessions and the migration guard."""
