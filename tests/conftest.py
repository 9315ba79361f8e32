"""Shared fixtures: one app per session on a real database, cleaned between tests, and
factories that return objects made through the real services."""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text

import app.models  # noqa: F401  (every table on the metadata)
from app import create_app
from app.db import Base, db
from app.extensions import limiter
from app.jobs import wait_idle
from app.search.index import close_searchers
from config import TestingConfig

IN_CI = os.environ.get("CI", "").lower() == "true"
pytest_plugins = ["tests.servers"]  # the gunicorn_server fixture
DEFAULT_PASSWORD = "correct horse battery"


def require(condition: bool, reason: str) -> None:
    """Skip with a reason when a server or tool is missing, except under CI where it must exist."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required under CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("zhongcao")
    config = TestingConfig()
    if not os.environ.get("TEST_DATABASE_URL"):
        # A file, not :memory:, so threads (live server, concurrency tests) share one database.
        config.DATABASE_URL = f"sqlite:///{root / 'test.sqlite3'}"
    config.MEDIA_DIR = str(root / "media")
    config.SEARCH_INDEX_DIR = str(root / "search_index")
    app = create_app(config)
    with app.app_context():
        engine = db.engine_for_app
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            Base.metadata.create_all(conn)
    yield app
    with app.app_context():
        db.engine_for_app.dispose()


def _clean(app) -> None:
    assert wait_idle(app, 30), "a background job of this test is still running"  # none may leak into the next
    with app.app_context():
        engine = db.engine_for_app
        tables = list(reversed(Base.metadata.sorted_tables))
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
                if conn.execute(text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first():
                    conn.execute(text("DELETE FROM sqlite_sequence"))
    store = app.extensions.pop("zhongcao_cache", None)  # cached cards and lists name ids the next test reuses
    if store is not None:
        store.clear()
    shutil.rmtree(app.config["MEDIA_DIR"], ignore_errors=True)
    close_searchers()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"], ignore_errors=True)
    limiter.reset()


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" in request.fixturenames:
        _clean(request.getfixturevalue("app"))


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def session(app_ctx):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    from app.accounts import service

    counter = iter(range(1, 10_000))

    def factory(username: str | None = None, *, password: str = DEFAULT_PASSWORD, **kwargs):
        with app.app_context():
            return service.register_user(
                db.session, username=username or f"user{next(counter)}", password=password, **kwargs
            )

    return factory


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = DEFAULT_PASSWORD, remember: bool = False, **extra):
        data = {"username": username, "password": password, **extra}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def api_token(app, client):
    """A function returning a bearer token for (username, password) through the real API."""

    def issue(username: str, password: str = DEFAULT_PASSWORD) -> str:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    return issue


@pytest.fixture
def csrf_enabled(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token field in the page"
    return match.group(1) or match.group(2)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Counts SQL statements sent by the app while the test runs (use .statements to debug)."""
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine_for_app

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    yield counter
    event.remove(engine, "before_cursor_execute", before)


@pytest.fixture(scope="session")
def live_server(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-TW", **PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


# ---- notes ----

def image_bytes(size=(120, 160), color=(255, 36, 66), fmt="JPEG") -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def upload(name="photo.jpg", **kwargs):
    """A (stream, filename) pair for the test client's multipart data."""
    import io

    return (io.BytesIO(image_bytes(**kwargs)), name)


class _Upload:
    """A werkzeug FileStorage stand-in built from real image bytes, for calling services."""

    def __init__(self, data: bytes, filename: str = "photo.jpg"):
        import io

        self.stream = io.BytesIO(data)
        self.filename = filename


@pytest.fixture
def make_note(app):
    from app.accounts.service import find_user
    from app.notes import service

    def factory(author, title="露營筆記", body="今天去 #露營 好開心", tags="", images=1, draft=False, **kwargs):
        with app.app_context():
            user = find_user(db.session, author if isinstance(author, str) else author.username)
            files = [_Upload(image_bytes(color=(i * 40 % 255, 120, 200))) for i in range(images)]
            note = service.create_note(db.session, user, title=title, body=body, tags=tags, images=files,
                                       draft=draft, **kwargs)
            return note.id

    return factory


def media_files(app) -> list[Path]:
    media = Path(app.config["MEDIA_DIR"])
    return sorted(media.iterdir()) if media.exists() else []


# ---- commerce ----

@pytest.fixture
def make_product(app):
    """Puts a product up for sale through the real service; returns its id."""
    from app.accounts.service import find_user
    from app.catalog import service

    def factory(seller, name="山系保溫杯", price_cents=12900, stock=5, commission_bps=1000, images=0, **kwargs):
        with app.app_context():
            user = find_user(db.session, seller if isinstance(seller, str) else seller.username)
            files = [_Upload(image_bytes(color=(200, 120, i * 40 % 255))) for i in range(images)]
            return service.create_product(db.session, user, name=name, price_cents=price_cents, stock=stock,
                                          commission_bps=commission_bps, images=files, **kwargs).id

    return factory
