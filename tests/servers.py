"""gunicorn serving the app for tests under real concurrency: several worker processes and
threads (the production server) on the test session's database, and a barrier to release many
requests at once."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.orders import payments

ROOT = Path(__file__).resolve().parent.parent
WORKERS, THREADS = 4, 4
STARTUP_TIMEOUT = 60
REQUEST_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, body=None, headers=None, timeout: float = REQUEST_TIMEOUT):
    """(status, headers, parsed JSON or raw text); the connection is always closed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return response.status, dict(response.getheaders()), parsed
    finally:
        connection.close()


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log_path: Path, env: dict):
        self.process, self.port, self.log_path, self.env = process, port, log_path, env

    def request(self, *args, **kwargs):
        return request(self.port, *args, **kwargs)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: gunicorn's graceful shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def gunicorn_server(app, tmp_path_factory):
    """gunicorn with the repository's gunicorn.conf.py, several workers and threads, serving
    ``app:create_app()`` in the testing config against the session's database."""
    root = tmp_path_factory.mktemp("gunicorn")
    log_path = root / "gunicorn.log"
    env = {
        **os.environ,
        "ZHONGCAO_ENV": "testing",
        "TEST_DATABASE_URL": app.config["DATABASE_URL"],
        "RATELIMIT_ENABLED": "false",
        "MEDIA_DIR": str(root / "media"),
        "SEARCH_INDEX_DIR": str(root / "search_index"),
        "PYTHONUNBUFFERED": "1",
    }
    with app.app_context():  # the events these tests sign must verify in the workers
        env["PAYMENT_WEBHOOK_SECRET"] = payments.webhook_secret()
    process = server = None
    for _attempt in range(3):  # another process may grab the free port before gunicorn binds it
        port = free_port()
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                 "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
                 "--timeout", "120", "--graceful-timeout", "10", "app:create_app()"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        server = Server(process, port, log_path, env)
        if wait_until_ready(server):
            break
        stop(process)
    else:
        pytest.fail(f"gunicorn did not start:\n{server.log_tail() if server else ''}")
    try:
        yield server
    finally:
        stop(process)


def wait_until_ready(server: Server) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            status, _headers, _body = server.request("GET", "/api/v1/products", timeout=5)
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            # Let every worker boot (they import the whole app) before the stampede.
            concurrently(WORKERS * THREADS, lambda _i: server.request("GET", "/api/v1/products"))
            return True
        time.sleep(0.1)
    return False


def concurrently(count: int, call) -> list:
    """Run call(i) in ``count`` threads released together by a barrier; results in order.
    An exception in a thread is returned in its place, never swallowed."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=REQUEST_TIMEOUT)
            results[index] = call(index)
        except BaseException as error:  # reported by the caller
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "requests hung"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results
