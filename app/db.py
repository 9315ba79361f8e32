"""Database: declarative base, engine and sessions built from config inside init_app.

One session per application context (so per request, per CLI command). Write use cases run
inside ``write_transaction(session)``, which on SQLite starts with BEGIN IMMEDIATE so two
read-then-write requests queue on the write lock (busy_timeout) instead of deadlocking into
"database is locked".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, g
from sqlalchemy import DateTime, Float, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on every backend alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event own the BEGIN statement (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def build_engine(url: str, busy_timeout_ms: int = 10_000) -> Engine:
    if url.startswith("sqlite"):
        kwargs = {"connect_args": {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    def __init__(self):
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        if url.startswith("sqlite:///") and ":memory:" not in url:
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = build_engine(url, app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10_000))
        app.extensions["db"] = (engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state():
        from flask import current_app

        return current_app.extensions["db"]

    @property
    def engine_for_app(self) -> Engine:
        return self._state()[0]

    @property
    def session(self) -> Session:
        session = g.get("_db_session")
        if session is None:
            session = g._db_session = self._state()[1]()
        return session

    def new_session(self) -> Session:
        """A session outside the per-request one (background work, CLI bulk jobs)."""
        return self._state()[1]()

    def rollback_request_session(self) -> None:
        session = g.get("_db_session")
        if session is not None:
            session.rollback()

    @staticmethod
    def _close_session(_exc):
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()

    @property
    def is_sqlite(self) -> bool:
        return self.engine_for_app.dialect.name == "sqlite"


db = Database()


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """One use case, one transaction, one commit; rolled back on any error.

    A read transaction left open by earlier work in the request (loading the current user) is
    ended first, so on SQLite the write lock is taken at BEGIN rather than upgraded later, which
    is what turns concurrent writers into "database is locked".
    """
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def insert_ignore(session: Session, model, values: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True when a row was inserted.

    Idempotent writes (like, follow, collect) stay idempotent under concurrent requests.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # RETURNING, not rowcount: psycopg 3 reports rowcount -1 for ON CONFLICT DO NOTHING.
    key = next(iter(model.__table__.primary_key.columns))
    return session.execute(insert(model).values(**values).on_conflict_do_nothing().returning(key)).first() is not None



class epoch_seconds(FunctionElement):  # noqa: N801  (reads as a SQL function)
    """A UTCDateTime column as float seconds since the epoch, computed by the database: reading
    millions of timestamps as numbers is far cheaper than as datetime objects."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    # Stored as naive UTC, so the nominal epoch of the timestamp is the right one.
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"
