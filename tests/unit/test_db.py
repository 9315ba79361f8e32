"""The database layer: SQLite set up for a web server, migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.db import db
from config import TestingConfig
from tests.conftest import require


def test_sqlite_pragmas(app_ctx):
    if not db.is_sqlite:
        pytest.skip("SQLite-specific")
    with db.engine_for_app.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_registrations_never_hit_database_is_locked(app, monkeypatch):
    """Twenty read-then-write use cases at once: BEGIN IMMEDIATE queues them on the write lock."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1000 per minute")
    statuses, barrier = [], threading.Barrier(20)

    def register(i):
        client = app.test_client()
        barrier.wait()
        response = client.post("/register", data={"username": f"racer{i}", "password": "s3cret-pass"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 20


def test_concurrent_duplicate_registrations_make_one_user(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1000 per minute")
    statuses, barrier = [], threading.Barrier(10)

    def register():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/auth/register",
                                    json={"username": "same_name", "password": "s3cret-pass"}).status_code)

    threads = [threading.Thread(target=register) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 9


def _migrate_and_check(url: str, runner_env) -> None:
    config = TestingConfig()
    config.DATABASE_URL = url
    app = create_app(config)
    runner = app.test_cli_runner()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output
    assert "Models and migrations agree" in check.output
    # The case-insensitive username index exists and works.
    with app.app_context():
        with db.engine_for_app.begin() as conn:
            conn.execute(text("INSERT INTO users (username, display_name, bio, locale, password_hash, is_admin, "
                              "session_token, created_at) VALUES ('Abc', 'a', '', 'en', '!', false, 't', "
                              "CURRENT_TIMESTAMP)"))
        with pytest.raises(Exception, match="(?i)unique"), db.engine_for_app.begin() as conn:
            conn.execute(text("INSERT INTO users (username, display_name, bio, locale, password_hash, is_admin, "
                              "session_token, created_at) VALUES ('aBC', 'a', '', 'en', '!', false, 't', "
                              "CURRENT_TIMESTAMP)"))
        downgrade = runner.invoke(args=["db", "downgrade", "base"])
        assert downgrade.exit_code == 0, downgrade.output
        db.engine_for_app.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:.*expression-based index:sqlalchemy.exc.SAWarning")
def test_migrations_match_models_on_sqlite(tmp_path):
    _migrate_and_check(f"sqlite:///{tmp_path / 'migrated.sqlite3'}", None)


POSTGRES_ADMIN_URL = os.environ.get("POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> bool:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:.*expression-based index:sqlalchemy.exc.SAWarning")
def test_migrations_match_models_on_postgresql():
    require(_postgres_available(), f"no PostgreSQL at {POSTGRES_ADMIN_URL}")
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"zhongcao_migrations_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        _migrate_and_check(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", None)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
