"""Overload is a 503 with Retry-After, never a 500 and never the driver's "database is locked".

A second app on the session's database waits only a moment for locks (SQLITE_BUSY_TIMEOUT_MS=50 on
SQLite, lock_timeout=100ms on PostgreSQL) while another connection holds the write lock, so its
write requests give up the way a real overload does.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.accounts.service import issue_token
from app.db import db
from app.errors import BUSY_RETRY_AFTER_SECONDS
from app.social.models import Like
from config import TestingConfig
from tests.conftest import DEFAULT_PASSWORD


@pytest.fixture
def impatient_app(app):
    """The same database, media and index as ``app``, with a lock wait of a few milliseconds."""
    config = TestingConfig()
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "postgresql":
        url = url.update_query_dict({"options": "-c lock_timeout=100"})
    config.DATABASE_URL = url.render_as_string(hide_password=False)
    config.SQLITE_BUSY_TIMEOUT_MS = 50
    config.MEDIA_DIR = app.config["MEDIA_DIR"]
    config.SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"]
    impatient = create_app(config)
    yield impatient
    with impatient.app_context():
        db.engine_for_app.dispose()


@contextmanager
def write_lock_held(app):
    """Another connection holds the lock every like needs until the block ends."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None, timeout=5)
        try:
            holder.execute("BEGIN EXCLUSIVE")  # the database's one write lock
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    with app.app_context(), db.engine_for_app.connect() as holder:
        holder.execute(text("LOCK TABLE likes IN EXCLUSIVE MODE"))  # reads pass, inserts wait
        try:
            yield
        finally:
            holder.rollback()


def _likes(app, note_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Like).where(Like.note_id == note_id))


def test_a_write_waiting_past_the_lock_timeout_is_a_503_with_retry_after(app, impatient_app, make_user, make_note,
                                                                        caplog):
    author, reader = make_user("busy_author"), make_user("busy_reader")
    note_id = make_note(author)
    with app.app_context():
        token = issue_token(db.session, reader, "overload test")
    headers = {"Authorization": f"Bearer {token}"}
    page_client = impatient_app.test_client()
    assert page_client.post("/login", data={"username": "busy_reader", "password": DEFAULT_PASSWORD}).status_code == 302
    api_client = impatient_app.test_client()

    with caplog.at_level(logging.WARNING), write_lock_held(app):
        api = api_client.post(f"/api/v1/notes/{note_id}/like", headers=headers)
        page = page_client.post(f"/notes/{note_id}/like", headers={"Accept": "text/html"})

    assert api.status_code == 503, api.get_data(as_text=True)
    assert api.headers["Retry-After"] == str(BUSY_RETRY_AFTER_SECONDS)
    error = api.get_json()["error"]
    assert error["code"] == "busy" and error["message"]
    assert page.status_code == 503 and page.headers["Retry-After"] == str(BUSY_RETRY_AFTER_SECONDS)
    html = page.get_data(as_text=True)
    assert 'data-testid="error-page"' in html and 'data-status="503"' in html
    for body in (api.get_data(as_text=True), html):
        assert "locked" not in body.lower() and "lock timeout" not in body.lower() and "Traceback" not in body
    busy_logs = [r for r in caplog.records if "database busy, answered 503" in r.getMessage()]
    assert len(busy_logs) == 2, [r.getMessage() for r in caplog.records]
    assert _likes(app, note_id) == 0  # rolled back, nothing half-written

    # The lock gone, the same requests go through on the same processes' sessions.
    retried = api_client.post(f"/api/v1/notes/{note_id}/like", headers=headers)
    assert retried.status_code == 200 and retried.get_json() == {"liked": True, "like_count": 1}
    assert _likes(app, note_id) == 1


def test_an_exhausted_connection_pool_is_a_503(client, make_user, monkeypatch):
    make_user("pool_victim")
    from app.accounts import service

    def pool_exhausted(*_args, **_kwargs):
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached, connection timed out")

    monkeypatch.setattr(service, "get_visible_user", pool_exhausted)
    api = client.get("/api/v1/users/pool_victim")
    assert api.status_code == 503 and api.headers["Retry-After"] == str(BUSY_RETRY_AFTER_SECONDS)
    assert api.get_json()["error"]["code"] == "busy" and "QueuePool" not in api.get_data(as_text=True)


def test_other_operational_errors_stay_500s(client, make_user, monkeypatch):
    """Only overload is a 503: a broken query is a bug, and a 503 would hide it behind retries."""
    make_user("schema_victim")
    from app.accounts import service

    def broken_query(*_args, **_kwargs):
        raise sqlalchemy.exc.OperationalError("SELECT nope", {}, sqlite3.OperationalError("no such table: nope"))

    monkeypatch.setattr(service, "get_visible_user", broken_query)
    api = client.get("/api/v1/users/schema_victim")
    assert api.status_code == 500 and "Retry-After" not in api.headers
    assert api.get_json()["error"]["code"] == "server_error"
