"""Faults under load: gunicorn workers killed with SIGKILL in the middle of orders and index writes,
and Redis stopped (then started again) under mixed traffic.

Both serve the session's database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) from gunicorn
in the production configuration, with the mixed traffic of bench/load.py. Clients may see their
connection drop when the worker serving them is killed; they never see a 5xx.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from app.accounts.service import issue_token
from app.db import db
from app.media.service import variant_filename
from app.notes.models import Note, NoteImage
from app.orders import payments
from app.orders.models import LedgerEntry, Order
from app.orders.states import SOLD
from app.search import outbox
from bench.load import Http, Load, World, start_gunicorn, stop_process, summarize, tail, wait_ready
from tests.conftest import DEFAULT_PASSWORD, require

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
WORKERS, THREADS = 4, 4
INITIAL_STOCK = 5000
SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


def production_env(app, **extra) -> dict:
    """gunicorn in the production configuration on the session's database, media and index."""
    env = {
        **os.environ,
        "ZHONGCAO_ENV": "production",
        "SECRET_KEY": "fault-tests-" + "k" * 40,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "MEDIA_DIR": app.config["MEDIA_DIR"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "FLASK_APP": "app",
        "LOG_FORMAT": "text",
        "TRUST_AUTO_RECOMPUTE": "false",
        # The test users' hashes were made with the testing cost: logging in does not rehash them.
        "ARGON2_TIME_COST": str(app.config["ARGON2_TIME_COST"]),
        "ARGON2_MEMORY_COST": str(app.config["ARGON2_MEMORY_COST"]),
        "ARGON2_PARALLELISM": str(app.config["ARGON2_PARALLELISM"]),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("TEST_DATABASE_URL", None)
    with app.app_context():
        env["PAYMENT_WEBHOOK_SECRET"] = payments.webhook_secret()
    if "REDIS_URL" not in extra:
        env.pop("REDIS_URL", None)
    return env


class Gunicorn:
    def __init__(self, env: dict, root: Path):
        self.env, self.log_path = env, root / "gunicorn.log"
        self.process = None
        for _attempt in range(3):  # the free port may be taken before gunicorn binds it
            self.port = _free_port()
            self.process = start_gunicorn(env, self.port, self.log_path, workers=WORKERS, threads=THREADS,
                                          extra_args=("--timeout", "60", "--graceful-timeout", "10"))
            if wait_ready(self.process, self.port):
                return
            stop_process(self.process)
        pytest.fail(f"gunicorn did not start:\n{tail(self.log_path)}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def wait_for_workers(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.workers()) == count and wait_ready(self.process, self.port, timeout=5):
                return
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not get back to {count} workers:\n{tail(self.log_path)}")

    def request(self, method: str, path: str, body=None, headers=None):
        """One request on a fresh connection: (status, headers, parsed JSON or text)."""
        payload = None if body is None else json.dumps(body).encode()
        http = Http(self.port)
        try:
            status, response_headers, data = http.request(
                method, path, payload, {"Content-Type": "application/json", "Accept": "application/json",
                                        **(headers or {})})
        finally:
            http.close()
        try:
            return status, response_headers, json.loads(data)
        except ValueError:
            return status, response_headers, data.decode("utf-8", "replace")

    def stop(self) -> None:
        stop_process(self.process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _world(app, make_user, make_note, make_product, *, buyers: int = 8, notes: int = 6) -> World:
    sellers = [make_user(f"fault_seller{i}") for i in range(2)]
    products = [(make_product(seller, name=f"限量露營燈{i}", price_cents=5000 + i * 900, stock=INITIAL_STOCK), i)
                for i, seller in enumerate(sellers)]
    people = [make_user(f"fault_buyer{i}") for i in range(buyers)]
    note_ids = [make_note(sellers[i % 2], title=f"露營筆記{i}", body="今天去 #露營 好開心 camping")
                for i in range(notes)]
    with app.app_context():
        tokens = [issue_token(db.session, person, "fault test") for person in people]
    # Product seller indexes refer to token owners: buyers are never the sellers here.
    return World(tokens, note_ids, [(product_id, -1) for product_id, _i in products])


def _errors_logged(log_path: Path, limit: int = 3) -> str:
    """The first few tracebacks in a server log, for an assertion message."""
    lines = log_path.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if "Traceback" in line][:limit]
    return "\n---\n".join("\n".join(lines[max(0, i - 2):i + 40]) for i in starts) or tail(log_path)


def _no_5xx(load: Load, server: Gunicorn, *, allow_connection_errors: bool) -> Counter:
    summary = summarize(load.samples, 1.0)
    statuses = Counter(s.status for s in load.samples)
    assert summary.total["5xx"] == 0 and summary.locked == 0, (statuses, load.examples,
                                                                _errors_logged(server.log_path))
    if not allow_connection_errors:
        assert summary.connection_errors == 0, (statuses, load.examples, tail(server.log_path))
    return statuses


# ---- SIGKILL ----

def test_workers_killed_mid_write_lose_nothing_committed_and_leave_nothing_half_written(
        app, make_user, make_note, make_product, tmp_path):
    world = _world(app, make_user, make_note, make_product)
    server = Gunicorn(production_env(app), tmp_path)
    killed = []
    try:
        load = Load(server.port, world, clients=12, weights={"buy": 6, "post": 3, "like": 1, "discover": 1})
        load.start()
        try:
            for _round in range(2):
                time.sleep(2.5)
                victim = server.workers()[0]
                os.kill(victim, signal.SIGKILL)  # no cleanup of any kind: in-flight transactions die
                killed.append(victim)
                server.wait_for_workers(WORKERS)
            time.sleep(2.0)
        finally:
            load.stop()
        statuses = _no_5xx(load, server, allow_connection_errors=True)
        assert not set(killed) & set(server.workers()), "the killed workers were replaced"

        # Requests whose answer was lost: retrying with the same Idempotency-Key settles them.
        retried = {}
        for placed in [p for p in load.placed if p.status == 0]:
            status, headers, body = server.request("POST", "/api/v1/orders", placed.body, {
                "Authorization": f"Bearer {placed.token}", "Idempotency-Key": placed.key})
            assert status == 201, (status, body)
            retried[placed.key] = body["id"]
        # Retries of orders the client saw created return that same order, marked as a replay.
        confirmed = [p for p in load.placed if p.status == 201]
        assert len(confirmed) >= 10, (statuses, tail(server.log_path))
        for placed in confirmed[:: max(1, len(confirmed) // 10)]:
            status, headers, body = server.request("POST", "/api/v1/orders", placed.body, {
                "Authorization": f"Bearer {placed.token}", "Idempotency-Key": placed.key})
            assert (status, body["id"], headers.get("idempotent-replayed")) == (201, placed.order_id, "true")
    finally:
        server.stop()

    with app.app_context():
        session = db.session
        orders = {o.idempotency_key: o for o in session.scalars(select(Order))}
        keys = Counter(session.scalars(select(Order.idempotency_key)))
        assert max(keys.values()) == 1 and None not in keys  # one order per key, every order from the load
        for placed in confirmed:
            order = orders[placed.key]
            assert (order.id, order.product_id, order.quantity) == (placed.order_id, placed.body["product"],
                                                                    placed.body["quantity"])
        for key, order_id in retried.items():
            assert orders[key].id == order_id
        assert set(orders) == {p.key for p in load.placed if p.status in (0, 201)}

        # Stock: what is left plus what standing orders hold is what there was; sold counts match.
        for product_id, _seller in world.products:
            from app.catalog.models import Product

            product = session.get(Product, product_id)
            held = sum(o.quantity for o in orders.values()
                       if o.product_id == product_id and o.status not in ("cancelled", "refunded"))
            sold = sum(o.quantity for o in orders.values() if o.product_id == product_id and o.status in SOLD)
            assert product.stock + held == INITIAL_STOCK, (product.stock, held)
            assert product.sold_count == sold

        # Money: every paid order has its ledger rows and they balance; no other order has any.
        ledger: dict[int, list[LedgerEntry]] = {}
        for entry in session.scalars(select(LedgerEntry)):
            ledger.setdefault(entry.order_id, []).append(entry)
        paid = [o for o in orders.values() if o.status in SOLD]
        assert paid, Counter(o.status for o in orders.values())
        for order in orders.values():
            entries = ledger.get(order.id, [])
            if order.status in SOLD:
                assert {"buyer_payment", "seller_revenue"} <= {e.kind for e in entries}, order.id
                assert sum(e.amount_cents for e in entries) == 0, [(e.kind, e.amount_cents) for e in entries]
            else:
                assert order.status == "pending" and entries == [], (order.id, order.status)

        # Notes: every one the client saw created exists, each stored note is whole (photos on disk),
        # and after a drain the index holds exactly the searchable notes.
        titles = set(session.scalars(select(Note.title)))
        assert {p.title for p in load.posted if p.status == 201} <= titles
        assert sum(p.status == 201 for p in load.posted) >= 3
        media_dir = Path(app.config["MEDIA_DIR"])
        for note_id, key in session.execute(select(NoteImage.note_id, NoteImage.key)):
            for variant in app.config["NOTE_IMAGE_SIZES"]:
                assert (media_dir / variant_filename(key, variant)).is_file(), (note_id, key, variant)
        assert session.scalar(select(func.count()).select_from(Note).where(~Note.images.any())) == 0
        session.rollback()
        drift = outbox.verify(session, repair=False)
        assert drift.total == 0, drift
        assert outbox.pending_count(session) == 0


# ---- Redis stopped mid-run ----

class PrivateRedis:
    """A redis-server of this test's own (never the machine's shared one at 6379)."""

    def __init__(self, root: Path):
        self.port = _free_port()
        self.root = root
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except Exception:  # noqa: BLE001, S110  (not up yet)
                pass
            time.sleep(0.05)
        pytest.fail("the private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # abrupt: no goodbye to its clients
            self.process.wait(timeout=10)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)


def _searchable(server: Gunicorn, word: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _h, body = server.request("GET", f"/api/v1/search?q={quote(word)}")
        assert status == 200, (status, body)
        if body["items"]:
            return True
        time.sleep(0.25)
    return False


def _post_note(server: Gunicorn, token: str, word: str) -> int:
    from bench.load import multipart, photo_bytes

    body, content_type = multipart({"title": f"{word} 露營", "body": f"{word} camping notes"},
                                   {"images": ("photo.jpg", photo_bytes(), "image/jpeg")})
    http = Http(server.port)
    try:
        status, _h, data = http.request("POST", "/api/v1/notes", body, {
            "Authorization": f"Bearer {token}", "Content-Type": content_type, "Accept": "application/json"})
    finally:
        http.close()
    assert status == 201, (status, data[:300])
    return json.loads(data)["id"]


def _token_attempts(server: Gunicorn, count: int) -> list[tuple[int, str | None]]:
    """POST /api/v1/auth/token ``count`` times (rate-limited: API_AUTH_RATE_LIMIT), each on a new
    connection, so they spread over the workers."""
    results = []
    for _i in range(count):
        status, headers, _body = server.request("POST", "/api/v1/auth/token",
                                                {"username": "fault_buyer0", "password": DEFAULT_PASSWORD})
        results.append((status, headers.get("x-ratelimit-remaining")))
    return results


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def _word() -> str:
    return "zq" + "".join(chr(ord("a") + b % 26) for b in uuid.uuid4().bytes[:8])


def test_redis_stopped_mid_run_degrades_to_the_fallbacks_with_no_5xx(app, make_user, make_note, make_product,
                                                                    tmp_path):
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    world = _world(app, make_user, make_note, make_product)
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    queue_name = "zc-faults"
    env = production_env(app, REDIS_URL=redis_server.url, JOBS_QUEUE=queue_name, SEARCH_DRAIN_IN_REQUEST="false",
                         JOBS_REDIS_RETRY_SECONDS="1", API_AUTH_RATE_LIMIT="3 per minute")
    server = worker = None
    try:
        with open(tmp_path / "worker.log", "ab") as worker_log:
            worker = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "jobs", "worker"], cwd=ROOT,
                                      env=env, stdout=worker_log, stderr=subprocess.STDOUT)
        server = Gunicorn(env, tmp_path)
        weights = {"discover": 3, "home": 2, "note": 1, "search": 3, "like": 2, "comment": 1, "buy": 1}
        load = Load(server.port, world, clients=6, weights=weights).start()
        try:
            # Redis up: limits are shared by every worker, jobs go to the queue and its worker runs them
            # (requests do not drain the index themselves here), feed pages are cached in Redis.
            assert [remaining for _s, remaining in _token_attempts(server, 2)] == ["2", "1"]
            word = _word()
            _post_note(server, world.tokens[0], word)
            assert _searchable(server, word, timeout=30), tail(tmp_path / "worker.log")
            cached = redis_server.client().keys("zhongcao:cache:*")
            assert cached, "no feed page was cached in Redis"

            redis_server.kill()
            down_since = time.monotonic()
            # Redis down: no 5xx; the index drain job runs in the web process; limits are per process.
            word = _word()
            _post_note(server, world.tokens[1], word)
            assert _searchable(server, word, timeout=20), tail(server.log_path)
            attempts = _token_attempts(server, WORKERS * 3 + 1)
            assert {status for status, _r in attempts} <= {200, 429}, attempts
            assert 429 in {status for status, _r in attempts}, attempts  # 4 workers x 3 allowed, then limited
            time.sleep(max(0.0, 5 - (time.monotonic() - down_since)))

            redis_server.start()  # the same port, empty (no persistence)
            # Back: the worker reconnects and runs queued jobs again, pages are cached in Redis again.
            assert _wait_for(lambda: bool(redis_server.client().keys("zhongcao:cache:*")), timeout=20)
            assert _wait_for(lambda: bool(redis_server.client().keys("rq:worker:*")), timeout=40), \
                tail(tmp_path / "worker.log")
            word = _word()
            _post_note(server, world.tokens[2], word)
            assert _searchable(server, word, timeout=30), tail(tmp_path / "worker.log")
            time.sleep(1.0)
        finally:
            load.stop()
        statuses = _no_5xx(load, server, allow_connection_errors=False)
        by_kind = Counter(s.kind for s in load.samples if 200 <= s.status < 300)
        assert set(weights) - {"buy"} <= set(by_kind) and by_kind["order"] and by_kind["pay"], (by_kind, statuses)
        log = server.log_path.read_text(errors="replace")
        assert "jobs run in-process" in log and "cache: Redis" in log, log[-3000:]
    finally:
        if server is not None:
            server.stop()
        stop_process(worker)
        redis_server.kill()
