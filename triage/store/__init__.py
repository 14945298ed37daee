"""The project store through SQLAlchemy: a SQLite file per project, or PostgreSQL for a team."""
