"""Operations: health and readiness probes, request ids, structured logs, static and media caching,
and gunicorn (the repository's gunicorn.conf.py, and `make serve` itself) answering the probes."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest
from flask import g, url_for

from app import create_app
from app.db import db
from app.ops import logging as ops_logging
from app.ops.static import fingerprint
from app.search.index import SearchIndex
from config import TestingConfig
from tests.servers import ROOT, free_port, request, stop

HEX32 = re.compile(r"[0-9a-f]{32}")
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
SECRET_QUERY = "token=s3cr3t-query&password=hunter2"


def fetch(client, url: str, **kwargs):
    """GET a file response, read it and close it (the test client leaves send_file's file open)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def _app_with(app, **settings):
    """Another app on the session's setup with some settings changed (a process configured so)."""
    config = TestingConfig()
    config.DATABASE_URL = app.config["DATABASE_URL"]
    config.MEDIA_DIR = app.config["MEDIA_DIR"]
    config.SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"]
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


def _dispose(other_app) -> None:
    with other_app.app_context():
        db.engine_for_app.dispose()


# ---- probes ----


def test_healthz_is_ok_without_session_or_cache(client, make_user, auth):
    make_user("prober")
    auth.login("prober")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert client.head("/healthz").status_code == 200


def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "search_index"}
    assert all(check["ok"] and check["ms"] >= 0 for check in body["checks"].values())
    assert "Retry-After" not in response.headers and "Set-Cookie" not in response.headers


@pytest.mark.parametrize("kind", ["sqlite_path_is_a_directory", "postgresql_port_closed"])
def test_readyz_is_503_when_the_database_is_unreachable(app, tmp_path, kind):
    if kind == "sqlite_path_is_a_directory":
        (tmp_path / "db").mkdir()
        url = f"sqlite:///{tmp_path / 'db'}"
    else:
        url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    broken = _app_with(app, DATABASE_URL=url, SEARCH_INDEX_DIR=str(tmp_path / "index"))
    try:
        client = broken.test_client()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        body = response.get_json()
        assert body["status"] == "unavailable" and body["failed"] == ["database"]
        assert body["checks"]["database"] == {"ok": False, "ms": body["checks"]["database"]["ms"],
                                              "error": "OperationalError"}
        assert body["checks"]["search_index"]["ok"] is True
        assert "127.0.0.1" not in response.get_data(as_text=True)  # details go to the log only
        # Alive all the same: a restart would not help, so the liveness probe stays green.
        assert client.get("/healthz").status_code == 200
    finally:
        _dispose(broken)


def _index_path_is_a_file(root: Path) -> None:
    root.write_text("not a directory")


def _generation_removed(root: Path) -> None:
    shutil.rmtree(SearchIndex(root).ensure())


@pytest.mark.parametrize("breakage", [_index_path_is_a_file, _generation_removed])
def test_readyz_is_503_when_the_search_index_cannot_be_read(app, client, tmp_path, monkeypatch, caplog, breakage):
    root = tmp_path / "index"
    breakage(root)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(root))
    caplog.set_level(logging.WARNING, logger="app.ops")
    response = client.get("/readyz", headers={"X-Request-ID": "probe-42"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["failed"] == ["search_index"] and body["checks"]["database"]["ok"] is True
    # The app's own log line about it carries the request id.
    [failure] = [r for r in caplog.records if r.name == "app.ops.service"]
    assert "search_index" in failure.getMessage() and failure.request_id == "probe-42"


def test_probes_are_not_rate_limited(app, client, monkeypatch):
    """An application-wide limit of 3 per minute: the probes pass it, other routes do not."""
    from flask_limiter import ApplicationLimit

    from app.extensions import limiter

    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setattr(limiter, "enabled", True)
    monkeypatch.setattr(limiter.limit_manager, "_application_limits",
                        [ApplicationLimit(limit_provider="3 per minute", cost=1, per_method=False).bind(limiter)])
    statuses = [client.get(path).status_code for path in ["/healthz", "/readyz"] * 4]
    assert statuses == [200] * 8
    others = [client.get("/api/v1/products").status_code for _ in range(4)]
    assert others == [200, 200, 200, 429]


# ---- request ids ----


@pytest.mark.parametrize("sane", ["abc", "req.1_2-3", "A" * 64, "0f8e2c1e-6c2b-4a7e-9d0d-1b2c3d4e5f60"])
def test_a_sane_request_id_is_kept(client, sane):
    with client:
        response = client.get("/healthz", headers={"X-Request-ID": sane})
        assert g.request_id == sane
    assert response.headers["X-Request-ID"] == sane


@pytest.mark.parametrize("bad", ["A" * 65, "has space", "semi;colon", "ünicode", "a/b", "<script>", ""])
def test_a_bad_request_id_is_replaced(client, bad):
    with client:
        response = client.get("/healthz", headers={"X-Request-ID": bad})
        assert g.request_id == response.headers["X-Request-ID"]
    assert HEX32.fullmatch(response.headers["X-Request-ID"])


def test_generated_request_ids_differ(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5 and all(HEX32.fullmatch(i) for i in ids)


def test_json_errors_carry_the_request_id(client):
    response = client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "err-7"})
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and error["message"] and error["request_id"] == "err-7"
    generated = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x" * 12})
    assert generated.get_json()["error"]["request_id"] == generated.headers["X-Request-ID"]


# ---- logs ----


def test_one_request_line_with_the_request_fields_and_no_secrets(client, make_user, auth, caplog):
    user = make_user("logged")
    auth.login("logged")
    caplog.set_level(logging.INFO, logger="app.ops.request")
    response = client.get(f"/?{SECRET_QUERY}", headers={"X-Request-ID": "line-1", "Authorization": "Bearer tok-zzz"})
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "app.ops.request"]
    assert record.levelno == logging.INFO
    line = ops_logging.JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["request_id"] == "line-1"
    assert {k: entry[k] for k in ("level", "method", "path", "status", "user_id", "remote_addr")} == {
        "level": "info", "method": "GET", "path": "/", "status": 200, "user_id": user.id, "remote_addr": "127.0.0.1"}
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["ts"])
    cookie = client.get_cookie("session")
    for secret in ("s3cr3t", "hunter2", "tok-zzz", cookie.value):
        assert secret not in line


def test_api_requests_log_the_token_user(client, make_user, api_token, caplog):
    user = make_user("apiuser")
    token = api_token("apiuser")
    caplog.set_level(logging.INFO, logger="app.ops.request")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    [record] = [r for r in caplog.records if r.name == "app.ops.request"]
    assert record.fields["user_id"] == user.id and record.fields["path"] == "/api/v1/me"
    assert token not in ops_logging.JsonFormatter().format(record)


def test_server_errors_log_at_error_and_probes_at_debug(client, caplog, monkeypatch):
    from app.ops import service

    def broken(*_args):
        raise RuntimeError("boom")

    caplog.set_level(logging.DEBUG, logger="app")
    client.get("/healthz")
    monkeypatch.setattr(service, "readiness", broken)
    assert client.get("/readyz", headers={"X-Request-ID": "five-hundred"}).status_code == 500
    levels = {(r.fields["path"], r.levelno) for r in caplog.records if r.name == "app.ops.request"}
    assert levels == {("/healthz", logging.DEBUG), ("/readyz", logging.ERROR)}
    # The unhandled error's own line (current_app.logger) carries the request id too.
    [unhandled] = [r for r in caplog.records if r.name == "app" and r.exc_info]
    assert unhandled.request_id == "five-hundred"


def test_a_crafted_path_cannot_forge_a_text_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="app.ops.request")
    client.get("/nothing%0A2030-01-01%20INFO%20forged")
    [record] = [r for r in caplog.records if r.name == "app.ops.request"]
    assert "\n" not in record.getMessage() and "\\n" in record.getMessage()


@pytest.fixture
def log_stream(app):
    """The `app` logger configured as a process with LOG_FORMAT=... would be, into a buffer."""
    stream = io.StringIO()
    yield stream
    ops_logging.configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def test_json_format_writes_one_parseable_line_per_record(client, log_stream):
    ops_logging.configure_logging("json", "INFO", stream=log_stream)
    client.get(f"/api/v1/products?{SECRET_QUERY}", headers={"X-Request-ID": "json-1"})
    with client.application.test_request_context(headers={"X-Request-ID": "json-2"}):
        client.application.preprocess_request()
        client.application.logger.error("payment %s needs a refund", 9)
    entries = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    request_line = next(e for e in entries if e["logger"] == "app.ops.request")
    assert request_line["request_id"] == "json-1" and request_line["path"] == "/api/v1/products"
    assert request_line["status"] == 200
    app_line = next(e for e in entries if e["logger"] == "app")
    assert app_line == {**app_line, "level": "error", "message": "payment 9 needs a refund", "request_id": "json-2"}
    assert "s3cr3t" not in log_stream.getvalue()


def test_text_format_shows_the_request_id(client, log_stream):
    ops_logging.configure_logging("text", "INFO", stream=log_stream)
    client.get("/healthz/nope", headers={"X-Request-ID": "text-1"})
    [line] = log_stream.getvalue().splitlines()
    assert " INFO [text-1] app.ops.request: GET /healthz/nope 404 " in line


def test_unknown_log_format_fails_at_startup(app):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        _app_with(app, LOG_FORMAT="xml")


# ---- static files and media ----


def test_pages_link_static_files_by_fingerprint(client):
    html = client.get("/login").get_data(as_text=True)
    urls = STATIC_URL.findall(html)
    paths = {url.split("?")[0] for url in urls}
    assert paths >= {"/static/css/app.css", "/static/js/app.js", "/static/img/favicon.svg"}
    static_dir = ROOT / "static"
    for url in urls:
        path, _, query = url.partition("?")
        digest = hashlib.sha256((static_dir / path.removeprefix("/static/")).read_bytes()).hexdigest()
        assert query == f"v={digest[:12]}", url


@pytest.mark.parametrize(("filename", "content_type"), [
    ("css/app.css", "text/css; charset=utf-8"),
    ("js/app.js", "text/javascript; charset=utf-8"),
    ("img/favicon.svg", "image/svg+xml; charset=utf-8"),
])
def test_fingerprinted_static_is_immutable_and_the_rest_short_lived(app, client, filename, content_type):
    with app.test_request_context():
        url = url_for("static", filename=filename)
    fresh = fetch(client, url)
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert fresh.headers["Content-Type"] == content_type
    assert fresh.headers["X-Content-Type-Options"] == "nosniff"
    revalidated = fetch(client, url, headers={"If-None-Match": fresh.headers["ETag"]})
    assert revalidated.status_code == 304
    assert revalidated.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    short = f"public, max-age={app.config['STATIC_SHORT_MAX_AGE']}"
    for other in (f"/static/{filename}", f"/static/{filename}?v=0123456789ab"):  # none, and a stale one
        response = fetch(client, other)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == short and "immutable" not in short
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_fingerprint_follows_the_file_and_stays_inside_the_folder(tmp_path):
    (tmp_path / "a.css").write_text("body { color: red }")
    first = fingerprint(str(tmp_path), "a.css")
    assert first == hashlib.sha256(b"body { color: red }").hexdigest()[:12]
    assert fingerprint(str(tmp_path), "a.css") == first
    (tmp_path / "a.css").write_text("body { color: blue }")
    stat = (tmp_path / "a.css").stat()
    os.utime(tmp_path / "a.css", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert fingerprint(str(tmp_path), "a.css") == hashlib.sha256(b"body { color: blue }").hexdigest()[:12]
    (tmp_path / "dir").mkdir()
    for not_a_file in ("../a.css", "/etc/passwd", "dir", "missing.css", ""):
        assert fingerprint(str(tmp_path / "dir"), not_a_file) is None


def test_missing_static_file_is_a_plain_404(client):
    response = client.get("/static/css/nope.css?v=0123456789ab")
    assert response.status_code == 404 and "immutable" not in response.headers.get("Cache-Control", "")


def test_media_is_served_with_its_type_nosniff_and_forever_cache(client, make_user, make_note):
    make_user("photographer")
    note = make_note("photographer")
    html = client.get(f"/notes/{note}").get_data(as_text=True)
    media = sorted(set(re.findall(r'"(/media/[^"]+\.webp)"', html)))
    assert media
    response = fetch(client, media[0])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/webp"
    assert response.get_data()[:4] == b"RIFF" and response.get_data()[8:12] == b"WEBP"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(media[0].replace(".webp", ".svg")).status_code == 404


# ---- gunicorn ----


@pytest.fixture(scope="module")
def json_logging_env():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOG_FORMAT", "json")
        yield


@pytest.fixture(scope="module")
def json_server(json_logging_env, gunicorn_server):
    """The shared gunicorn fixture, started after LOG_FORMAT=json is in its environment."""
    return gunicorn_server


def _wait_for_log(server, needle: str, count: int, timeout: float = 10.0) -> list[str]:
    """The log lines holding ``needle`` once there are ``count`` of them (gunicorn writes its access
    line after the response is sent, so after the app's own line)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [line for line in server.log_path.read_text(errors="replace").splitlines() if needle in line]
        if len(lines) >= count:
            time.sleep(0.2)  # and no more come
            return [line for line in server.log_path.read_text(errors="replace").splitlines() if needle in line]
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} not logged {count} times:\n{server.log_tail()}")


@pytest.mark.slow
def test_gunicorn_answers_probes_and_logs_json_and_access_lines_with_the_request_id(json_server):
    status, headers, body = json_server.request("GET", "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    status, headers, body = json_server.request("GET", "/readyz")
    assert status == 200 and body["status"] == "ready", body
    status, headers, _body = json_server.request("GET", f"/api/v1/products?{SECRET_QUERY}",
                                                 headers={"X-Request-ID": "gunicorn-rid-1"})
    assert status == 200 and headers["X-Request-ID"] == "gunicorn-rid-1"
    lines = _wait_for_log(json_server, "gunicorn-rid-1", count=2)
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(e["logger"], e["path"], e["status"]) for e in entries] == [("app.ops.request", "/api/v1/products", 200)]
    access = [line for line in lines if not line.startswith("{")]
    assert len(access) == 1 and "request_id=gunicorn-rid-1" in access[0] and '"GET /api/v1/products HTTP/1.1" 200' \
        in access[0]
    assert "s3cr3t" not in json_server.log_path.read_text(errors="replace")


@pytest.mark.slow
def test_make_serve_migrates_and_answers_probes(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "ZHONGCAO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "MEDIA_DIR": str(tmp_path / "media"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "TRUST_AUTO_RECOMPUTE": "false",
        "LOG_FORMAT": "json",
    }
    env.pop("MAKEFLAGS", None)
    log_path = tmp_path / "serve.log"
    # -o: the venv and the compiled catalogs are taken as they are (the suite runs from them already).
    with open(log_path, "wb") as log:
        process = subprocess.Popen(["make", "-o", ".venv/.installed", "-o", "translations", "serve"], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = request(port, "GET", "/readyz", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        assert ready is not None, log_path.read_text(errors="replace")[-3000:]
        status, headers, body = ready
        assert status == 200 and body["status"] == "ready", body
        assert request(port, "GET", "/healthz")[0] == 200
        with closing(sqlite3.connect(tmp_path / "serve.sqlite3")) as migrated:  # `flask db upgrade` ran first
            assert migrated.execute("SELECT version_num FROM alembic_version").fetchone()
        log = log_path.read_text(errors="replace")
        assert log.count("Booting worker with pid") == 2 and "Control socket" not in log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # make and the gunicorn it started, nothing else
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        stop(process)
