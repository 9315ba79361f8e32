"""Alembic environment: the engine comes from the Flask app (see app/cli.py), never from an ini."""

import warnings

from alembic import context
from sqlalchemy.exc import SAWarning

import app.models  # noqa: F401  (registers every table on the metadata)
from app.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one; with foreign keys on,
            # that DROP would cascade into every child table. The pragma only works outside a
            # transaction, so it goes straight to the driver before SQLAlchemy begins one.
            _driver_execute(connection, "PRAGMA foreign_keys = OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction(), warnings.catch_warnings():
            # Batch mode reflects tables on SQLite, which cannot reflect the expression index on
            # lower(username); the migrations recreate that index themselves.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                    SAWarning)
            context.run_migrations()
        connection.commit()
        if sqlite:
            problems = _driver_execute(connection, "PRAGMA foreign_key_check")
            _driver_execute(connection, "PRAGMA foreign_keys = ON")
            if problems:
                raise SystemExit(f"foreign key check failed after migrating: {problems[:5]}")


def _driver_execute(connection, statement: str) -> list:
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(statement)
        return cursor.fetchall()
    finally:
        cursor.close()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `flask db upgrade` against a database.")
run_migrations_online()
