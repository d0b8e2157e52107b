"""Persistence: SQLAlchemy 2.0 tables, Alembic migrations, content-addressed blobs."""
