"""Error pages: every status in the UI language for pages, JSON for the API; 500s roll back."""

from __future__ import annotations

import socket

import pytest

from app import create_app
from config import TestingConfig
from tests.conftest import require


def boom(*args, **kwargs):
    raise RuntimeError("unexpected")


def test_unexpected_errors_are_a_translated_500_page_and_json_for_the_api(client, make_user, monkeypatch):
    make_user("victim_500")
    from app.accounts import service

    monkeypatch.setattr(service, "get_visible_user", boom)
    page = client.get("/u/victim_500", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert 'data-status="500"' in html and 'lang="zh-Hans"' in html and "unexpected" not in html
    api = client.get("/api/v1/users/victim_500")
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "server_error"
    assert "unexpected" not in api.get_data(as_text=True)


@pytest.mark.parametrize(("path", "status"), [("/no/such/page", 404), ("/admin/reports", 302)])
def test_status_pages(client, path, status):
    assert client.get(path).status_code == status


def test_forbidden_page_is_translated(client, make_user, auth):
    make_user("plain_user")
    auth.login("plain_user")
    response = client.get("/admin/reports", headers={"Accept-Language": "en"})
    assert response.status_code == 403 and 'data-status="403"' in response.get_data(as_text=True)


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_login_rate_limit_is_shared_through_redis(make_user, app):
    """Several gunicorn workers share limits only through Redis: two apps, one budget."""
    require(_redis_available(), "no Redis at 127.0.0.1:6379")
    import redis

    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    config = TestingConfig()
    config.DATABASE_URL = app.config["DATABASE_URL"]
    config.MEDIA_DIR = app.config["MEDIA_DIR"]
    config.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
    config.LOGIN_RATE_LIMIT = "3 per minute"
    make_user("limited")
    workers = [create_app(config), create_app(config)]
    try:
        clients = [worker.test_client() for worker in workers]
        statuses = [clients[i % 2].post("/login", data={"username": "limited", "password": "x"}).status_code
                    for i in range(4)]
        assert statuses == [400, 400, 400, 429]
    finally:
        from app.db import db

        for worker in workers:
            with worker.app_context():
                db.engine_for_app.dispose()
        # The limiter object is shared by the apps of this process: give it back to the suite's app.
        from app.extensions import limiter

        limiter.init_app(app)
        redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
