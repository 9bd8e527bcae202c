"""Persistence: SQLAlchemy 2.x typed ORM, engine/session factory, Alembic migrations, seeding."""
