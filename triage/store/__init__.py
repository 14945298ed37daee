"""The project store: SQLite through SQLAlchemy, one file per review project."""
