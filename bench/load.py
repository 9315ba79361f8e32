"""Mixed traffic against gunicorn (4 workers) on a fresh, seeded database: requests/s, p50/p99 per
kind, counts by status class, and a non-zero exit on any 5xx.

    .venv/bin/python bench/load.py [--database-url URL] [--redis-url URL] [--seconds 30] [--clients 16]
        [--warmup 2] [--max-requests 200000] [--workers 4] [--threads 4] [--users 40] [--notes 100]
        [--mix search=30,post=10,buy=0] [--json PATH] [--keep]

1. A fresh database: by default a new SQLite file in a temporary directory; with ``--database-url``
   a PostgreSQL database whose public schema is DROPPED and recreated (so its name must contain
   "load", e.g. ``postgresql://postgres@127.0.0.1:5432/zc_load``, unless ``--force-reset``).
   ``flask db upgrade``, then a small community made through the services: ``--users`` users
   following ~6 others each and liking 3 notes each, 6 sellers with 2 products each (stock large enough never to sell
   out), ``--notes`` notes with one photo each in Traditional Chinese with a few English words,
   an API token per user, the search index drained and trust computed once.
2. gunicorn with the repository's gunicorn.conf.py (``--workers`` x ``--threads``, access log on,
   ZHONGCAO_ENV=production with its defaults: rate limits on, feed snapshots every 60 s, trust
   recomputed in the background) on 127.0.0.1. With ``--redis-url`` the web processes use it for
   rate limits, the feed page cache and the job queue (a queue name of this run's own), and one
   ``flask jobs worker`` runs the jobs.
3. ``--clients`` threads, each with its own keep-alive connection and API token, send requests
   back to back (no think time: this measures what the server sustains) for ``--seconds`` after
   ``--warmup`` seconds that are not counted, or until ``--max-requests``. The mix, by weight:
   Discover over the API (a fifth of them page 2) 16, the Discover page (HTML) 8, Home (the
   following feed with the token) 12, a note 10, search 16 (Traditional, Simplified and English
   queries), like/unlike 12, comment 8, buy 6 (an order with an Idempotency-Key, then the sandbox
   payment, counted as "order" and "pay"), post a note with a photo 2. ``--mix`` changes weights.

Prints per kind: count, requests/s, p50/p99/max in ms, counts by status class; then the totals,
connection errors, stale keep-alive reconnects (retried once, as browsers do), bodies containing
"database is locked" and 503s without Retry-After. Exits 1 when there was any 5xx (503 included),
any connection error, any "database is locked", or a kind that never succeeded.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REQUEST_TIMEOUT = 30.0
STARTUP_TIMEOUT = 90.0
SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}
PLACES = ["台北", "台中", "高雄", "花蓮", "臺南", "新竹", "宜蘭", "嘉義"]
TOPICS = [("露營", "camping"), ("咖啡", "coffee"), ("保濕", "moisturizer"), ("穿搭", "outfit"),
          ("甜點", "dessert"), ("登山", "hiking"), ("拿鐵", "latte"), ("美食", "food")]
PRODUCTS = ["山系保溫杯", "露營燈", "手沖咖啡壺", "保濕面霜", "登山背包", "甜點禮盒", "防曬乳", "折疊椅",
            "咖啡豆", "帆布袋", "保溫瓶", "野餐墊"]
# Traditional, Simplified and English: the index folds Simplified onto Traditional.
QUERIES = ["露營", "台北 咖啡", "保濕", "花蓮 登山", "甜點", "露营", "台北 咖啡厅", "保湿", "花莲 登山", "甜点",
           "coffee", "camping", "latte", "hiking tips"]
COMMENTS = ["好實用，收藏了！", "請問在哪裡買的？", "看起來好好吃", "下次也想去", "謝謝分享 👍", "同款！"]
WEIGHTS = {"discover": 16, "discover_html": 8, "home": 12, "note": 10, "search": 16, "like": 12, "comment": 8,
           "buy": 6, "post": 2}
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.BadStatusLine, ConnectionAbortedError)


# ---- the client ----

class ConnectionFailed(Exception):
    """No HTTP response: refused, reset, timed out (a killed worker's requests end here)."""


class Http:
    """One keep-alive connection. A request on a reused connection that the server had closed
    (gunicorn's keepalive timeout, a recycled worker) is retried once on a new one."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT):
        self.port, self.timeout = port, timeout
        self.connection: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body bytes); raises ConnectionFailed when no response came."""
        for attempt in range(2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
            except STALE_CONNECTION as error:
                self.close()
                if reused and attempt == 0:
                    self.reconnects += 1
                    continue
                raise ConnectionFailed(f"{type(error).__name__}: {error}") from error
            except OSError as error:  # refused, timed out
                self.close()
                raise ConnectionFailed(f"{type(error).__name__}: {error}") from error
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        raise AssertionError("unreachable")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "zc" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def photo_bytes(seed: int = 0) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (96, 128), ((seed * 47) % 255, 140, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


# ---- the traffic ----

@dataclass
class World:
    """What the clients act on: tokens[i] belongs to user i; products are (id, seller index)."""

    tokens: list[str]
    note_ids: list[int]
    products: list[tuple[int, int]]


@dataclass
class Sample:
    at: float  # time.monotonic() when the response (or the failure) came
    kind: str
    status: int  # 0: no response (connection failed)
    ms: float
    locked: bool = False  # the body said "database is locked"
    retry_after: bool = False


@dataclass
class Placed:
    """An order request the client made: what it sent, and what came back (status 0: nothing)."""

    token: str
    key: str
    body: dict
    status: int
    order_id: int | None


@dataclass
class Posted:
    title: str
    status: int
    note_id: int | None


class Load:
    """``clients`` threads sending the mix to 127.0.0.1:port until ``stop()``, ``seconds`` pass, or
    ``max_requests`` are sent. Samples, orders and posts are kept for the caller to check."""

    def __init__(self, port: int, world: World, clients: int = 16, *, weights: dict[str, int] | None = None,
                 max_requests: int = 200_000, seed: int = 1):
        self.port, self.world, self.clients = port, world, clients
        weights = weights or WEIGHTS
        self.kinds, self.weights = list(weights), list(weights.values())
        self.max_requests, self.seed = max_requests, seed
        self.samples: list[Sample] = []
        self.placed: list[Placed] = []
        self.posted: list[Posted] = []
        self.examples: list[str] = []  # the first few 5xx/connection failures, for the report
        self.reconnects = 0
        self.sent = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._photo = photo_bytes()

    # -- running --

    def start(self) -> Load:
        self._stopped.clear()
        self._threads = [threading.Thread(target=self._client, args=(i,), name=f"load-{i}", daemon=True)
                         for i in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT * 2 + 5)
        assert not any(t.is_alive() for t in self._threads), "load clients hung"

    def run(self, seconds: float) -> None:
        self.start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stopped.is_set():
            time.sleep(0.05)
        self.stop()

    def reset(self) -> None:
        """Forget what was recorded (after a warm-up)."""
        with self._lock:
            self.samples, self.placed, self.posted, self.examples = [], [], [], []
            self.reconnects = self.sent = 0

    def _client(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        user = index % len(self.world.tokens)
        http = Http(self.port)
        samples: list[Sample] = []
        try:
            while not self._stopped.is_set():
                with self._lock:
                    if self.sent >= self.max_requests:
                        self._stopped.set()
                        break
                    self.sent += 1
                kind = rng.choices(self.kinds, self.weights)[0]
                getattr(self, f"_do_{kind}")(http, rng, user, samples)
        finally:
            http.close()
            with self._lock:
                self.samples.extend(samples)
                self.reconnects += http.reconnects

    def _call(self, http: Http, samples: list, kind: str, method: str, path: str, *, token: str | None = None,
              json_body=None, body: bytes | None = None, content_type: str | None = None, accept_html=False):
        headers = {"Accept": "text/html" if accept_html else "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body, content_type = json.dumps(json_body).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        return self._send(http, samples, kind, method, path, body, headers)

    def _send(self, http: Http, samples: list, kind: str, method: str, path: str, body, headers):
        started = time.perf_counter()
        try:
            status, response_headers, data = http.request(method, path, body, headers)
        except ConnectionFailed as error:
            samples.append(Sample(time.monotonic(), kind, 0, (time.perf_counter() - started) * 1000))
            self._example(f"{kind} {method} {path}: no response ({error})")
            return 0, {}, b""
        sample = Sample(time.monotonic(), kind, status, (time.perf_counter() - started) * 1000,
                        locked=b"database is locked" in data, retry_after="retry-after" in response_headers)
        samples.append(sample)
        if status >= 500 or sample.locked:
            self._example(f"{kind} {method} {path}: {status} {data[:300]!r}")
        return status, response_headers, data

    def _example(self, text: str) -> None:
        with self._lock:
            if len(self.examples) < 10:
                self.examples.append(text)

    # -- the kinds --

    def _do_discover(self, http, rng, user, samples):
        status, _h, data = self._call(http, samples, "discover", "GET", "/api/v1/feed?kind=discover")
        if status == 200 and rng.random() < 0.2:
            cursor = json.loads(data).get("next_cursor")
            if cursor:
                self._call(http, samples, "discover", "GET", f"/api/v1/feed?kind=discover&cursor={cursor}")

    def _do_discover_html(self, http, rng, user, samples):
        self._call(http, samples, "discover_html", "GET", "/discover", accept_html=True)

    def _do_home(self, http, rng, user, samples):
        self._call(http, samples, "home", "GET", "/api/v1/feed?kind=following", token=self.world.tokens[user])

    def _do_note(self, http, rng, user, samples):
        note_id = rng.choice(self.world.note_ids)
        self._call(http, samples, "note", "GET", f"/api/v1/notes/{note_id}", token=self.world.tokens[user])

    def _do_search(self, http, rng, user, samples):
        from urllib.parse import quote

        self._call(http, samples, "search", "GET", f"/api/v1/search?q={quote(rng.choice(QUERIES))}")

    def _do_like(self, http, rng, user, samples):
        method = "POST" if rng.random() < 0.7 else "DELETE"
        self._call(http, samples, "like", method, f"/api/v1/notes/{rng.choice(self.world.note_ids)}/like",
                   token=self.world.tokens[user])

    def _do_comment(self, http, rng, user, samples):
        self._call(http, samples, "comment", "POST", f"/api/v1/notes/{rng.choice(self.world.note_ids)}/comments",
                   token=self.world.tokens[user], json_body={"body": rng.choice(COMMENTS)})

    def _do_buy(self, http, rng, user, samples):
        choices = [product for product in self.world.products if product[1] != user] or self.world.products
        product_id = rng.choice(choices)[0]
        token = self.world.tokens[user]
        key = uuid.uuid4().hex
        body = {"product": product_id, "quantity": rng.randint(1, 2), "shipping": SHIPPING}
        headers = {"Accept": "application/json", "Authorization": f"Bearer {token}",
                   "Content-Type": "application/json", "Idempotency-Key": key}
        status, _h, data = self._send(http, samples, "order", "POST", "/api/v1/orders", json.dumps(body).encode(),
                                      headers)
        order_id = json.loads(data)["id"] if status == 201 else None
        with self._lock:
            self.placed.append(Placed(token, key, body, status, order_id))
        if order_id is not None:
            self._call(http, samples, "pay", "POST", f"/api/v1/payments/sandbox/{order_id}", token=token,
                       json_body={"succeed": True})

    def _do_post(self, http, rng, user, samples):
        place, (topic, english) = rng.choice(PLACES), rng.choice(TOPICS)
        title = f"{place}{topic}筆記 {uuid.uuid4().hex[:8]}"
        body, content_type = multipart(
            {"title": title, "body": f"今天在{place}的{topic}，超推薦！{english} tips #{topic}", "tags": topic},
            {"images": ("photo.jpg", self._photo, "image/jpeg")},
        )
        status, _h, data = self._call(http, samples, "post", "POST", "/api/v1/notes", token=self.world.tokens[user],
                                      body=body, content_type=content_type)
        note_id = json.loads(data)["id"] if status == 201 else None
        with self._lock:
            self.posted.append(Posted(title, status, note_id))


# ---- figures ----

def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(share * (len(sorted_values) - 1))))]


@dataclass
class Summary:
    seconds: float
    rows: dict[str, dict] = field(default_factory=dict)
    total: dict = field(default_factory=dict)
    connection_errors: int = 0
    locked: int = 0
    unavailable_without_retry_after: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def summarize(samples: list[Sample], seconds: float, expect_kinds=()) -> Summary:
    summary = Summary(seconds)
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)

    def row(group: list[Sample]) -> dict:
        latencies = sorted(s.ms for s in group if s.status)
        classes = Counter(f"{s.status // 100}xx" if s.status else "none" for s in group)
        return {"count": len(group), "rps": round(len(group) / seconds, 1) if seconds else 0.0,
                "p50_ms": round(percentile(latencies, 0.50), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
                "max_ms": round(latencies[-1], 1) if latencies else float("nan"),
                **{c: classes.get(c, 0) for c in ("2xx", "3xx", "4xx", "5xx", "none")},
                "statuses": dict(sorted(Counter(s.status for s in group).items()))}

    for kind in sorted(by_kind, key=lambda k: list(WEIGHTS).index(k) if k in WEIGHTS else 99):
        summary.rows[kind] = row(by_kind[kind])
    summary.total = row(samples)
    summary.connection_errors = summary.total["none"]
    summary.locked = sum(s.locked for s in samples)
    summary.unavailable_without_retry_after = sum(1 for s in samples if s.status == 503 and not s.retry_after)
    if summary.total["5xx"]:
        summary.failures.append(f"{summary.total['5xx']} responses were 5xx")
    if summary.connection_errors:
        summary.failures.append(f"{summary.connection_errors} requests got no response")
    if summary.locked:
        summary.failures.append(f'{summary.locked} bodies said "database is locked"')
    if summary.unavailable_without_retry_after:
        summary.failures.append(f"{summary.unavailable_without_retry_after} 503s came without Retry-After")
    for kind in expect_kinds:
        if not summary.rows.get(kind, {}).get("2xx"):
            summary.failures.append(f"no {kind} request succeeded")
    return summary


def print_summary(summary: Summary, title: str, out=sys.stdout) -> None:
    print(f"\n== {title} ==", file=out)
    header = f"{'kind':14} {'count':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} " \
             f"{'2xx':>6} {'3xx':>5} {'4xx':>5} {'5xx':>5} {'none':>5}"
    print(header, file=out)
    for kind, r in [*summary.rows.items(), ("all", summary.total)]:
        print(f"{kind:14} {r['count']:>7} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
              f"{r['max_ms']:>8.1f} {r['2xx']:>6} {r['3xx']:>5} {r['4xx']:>5} {r['5xx']:>5} {r['none']:>5}", file=out)
    print(f"statuses: {summary.total['statuses']}", file=out)
    print(f"connection errors: {summary.connection_errors}; 'database is locked' bodies: {summary.locked}; "
          f"503 without Retry-After: {summary.unavailable_without_retry_after}", file=out)


# ---- the server under test ----

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict, port: int, log_path: Path, *, workers: int = 4, threads: int = 4,
                   extra_args: tuple[str, ...] = ()) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), *extra_args, "app:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )


def wait_ready(process: subprocess.Popen, port: int, timeout: float = STARTUP_TIMEOUT) -> bool:
    """/readyz answers 200 (database and index reachable)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        http = Http(port, timeout=5)
        try:
            status, _h, _b = http.request("GET", "/readyz")
            if status == 200:
                return True
        except ConnectionFailed:
            pass
        finally:
            http.close()
        time.sleep(0.2)
    return False


def stop_process(process: subprocess.Popen | None, timeout: float = 30) -> None:
    if process is None:
        return
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn and RQ: a graceful shutdown
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    # Started in a session of its own: whatever the master left behind (a worker it could not
    # stop in time) goes with its process group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---- the database ----

def reset_postgres(url: str, force: bool) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from config import normalize_database_url

    url = normalize_database_url(url)
    name = make_url(url).database or ""
    if "load" not in name and not force:
        sys.exit(f"refusing to drop every table of {name!r}: use a database of its own whose name contains "
                 f"'load' (createdb zc_load), or --force-reset")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def seed(users: int, notes: int, rng: random.Random) -> World:
    """A small community through the services, in this process (the environment names the database)."""
    from app import create_app
    from app.accounts import service as accounts
    from app.catalog import service as catalog
    from app.db import db
    from app.notes import service as notes_service
    from app.search import outbox
    from app.social import service as social
    from app.trust import service as trust

    class Upload:  # what the services read from a werkzeug FileStorage
        def __init__(self, data: bytes):
            self.stream, self.filename = io.BytesIO(data), "photo.jpg"

    app = create_app()
    with app.app_context():
        session = db.session
        people = [accounts.register_user(session, username=f"load_user{i}", password=secrets.token_urlsafe(12),
                                         display_name=f"{rng.choice(PLACES)}小{'甜咖露登拿美'[i % 6]}{i}")
                  for i in range(users)]
        for person in people:
            for other in rng.sample(people, min(6, users - 1)):
                if other.id != person.id:
                    social.follow(session, person, other)
        products = []
        for seller_index in range(min(6, users)):
            for j in range(2):
                product = catalog.create_product(
                    session, people[seller_index], name=PRODUCTS[(seller_index * 2 + j) % len(PRODUCTS)],
                    price_cents=rng.randrange(990, 25900, 10), stock=1_000_000, commission_bps=500)
                products.append((product.id, seller_index))
        photos = [photo_bytes(i) for i in range(8)]
        note_ids = []
        for i in range(notes):
            place, (topic, english) = rng.choice(PLACES), rng.choice(TOPICS)
            author = people[int(rng.paretovariate(1.2)) % users]
            note = notes_service.create_note(
                session, author, title=f"{place}{topic}筆記{i}", body=f"今天在{place}的{topic}，超推薦！{english} tips",
                tags=topic, images=[Upload(photos[i % len(photos)])])
            note_ids.append(note.id)
        for person in people:
            for note_id in rng.sample(note_ids, min(3, len(note_ids))):
                note = notes_service.get_actionable_note(session, note_id)
                social.like(session, person, note)
        tokens = [accounts.issue_token(session, person, "load test") for person in people]
        session.rollback()
        outbox.drain(session, wait=30.0)
        trust.recompute(session)
    with app.app_context():
        db.engine_for_app.dispose()
    return World(tokens, note_ids, products)


# ---- main ----

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL database to DROP and reseed (default: a new SQLite file)")
    parser.add_argument("--force-reset", action="store_true", help="allow a --database-url without 'load' in its name")
    parser.add_argument("--redis-url", help="REDIS_URL for the web processes and one `flask jobs worker`")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--mix", default="", help="override weights, e.g. search=30,post=10,buy=0")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="zc-load-"))
    backend = "postgresql" if args.database_url else "sqlite"
    database_url = args.database_url or f"sqlite:///{workdir / 'load.sqlite3'}"
    queue_name = f"zc-load-{os.getpid()}"
    env = {
        **os.environ,
        "ZHONGCAO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "MEDIA_DIR": str(workdir / "media"),
        "SEARCH_INDEX_DIR": str(workdir / "search_index"),
        "FLASK_APP": "app",
        "LOG_FORMAT": "json",
        # Cheap password hashing: no request logs in; the seeding registers users.
        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8192", "ARGON2_PARALLELISM": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("TEST_DATABASE_URL", None)
    server = worker = None
    log_path = workdir / "gunicorn.log"
    try:
        started = time.perf_counter()
        # Before anything imports config.py, whose classes read the environment once.
        os.environ.update(env)
        if backend == "postgresql":
            reset_postgres(database_url, args.force_reset)
        subprocess.run([str(Path(sys.executable).with_name("flask")), "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        world = seed(args.users, args.notes, random.Random(8))
        print(f"seeded {args.users} users, {len(world.note_ids)} notes, {len(world.products)} products on "
              f"{backend} in {time.perf_counter() - started:.1f} s", flush=True)

        if args.redis_url:
            env.update({"REDIS_URL": args.redis_url, "JOBS_QUEUE": queue_name})
            worker = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "jobs", "worker"], cwd=ROOT,
                                      env=env, stdout=open(workdir / "worker.log", "ab"),  # noqa: SIM115
                                      stderr=subprocess.STDOUT, start_new_session=True)
        port = free_port()
        server = start_gunicorn(env, port, log_path, workers=args.workers, threads=args.threads)
        if not wait_ready(server, port):
            print(f"gunicorn did not become ready:\n{tail(log_path)}", file=sys.stderr)
            return 1

        weights = dict(WEIGHTS)
        for part in filter(None, args.mix.split(",")):
            kind, _, weight = part.partition("=")
            if kind not in WEIGHTS or not weight.isdigit():
                parser.error(f"--mix: {part!r} is not kind=weight with a kind of {', '.join(WEIGHTS)}")
            weights[kind] = int(weight)
        weights = {kind: weight for kind, weight in weights.items() if weight}
        load = Load(port, world, args.clients, weights=weights, max_requests=args.max_requests + args.clients * 1000)
        if args.warmup > 0:
            load.run(args.warmup)
            load.reset()
        load.max_requests = args.max_requests
        began = time.monotonic()
        load.run(args.seconds)
        elapsed = time.monotonic() - began
        expected = [kind for kind in weights if kind != "buy"] + (["order", "pay"] if "buy" in weights else [])
        summary = summarize(load.samples, elapsed, expect_kinds=expected)
        title = (f"load: {backend}, gunicorn {args.workers} workers x {args.threads} threads, {args.clients} clients, "
                 f"{elapsed:.1f} s, redis: {'yes' if args.redis_url else 'no'}")
        print_summary(summary, title)
        print(f"stale keep-alive reconnects: {load.reconnects}; orders placed: "
              f"{sum(p.status == 201 for p in load.placed)}; notes posted: {sum(p.status == 201 for p in load.posted)}")
        for example in load.examples:
            print(f"  e.g. {example}")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "backend": backend, "redis": bool(args.redis_url), "workers": args.workers, "threads": args.threads,
                "clients": args.clients, "seconds": round(elapsed, 2), "kinds": summary.rows, "all": summary.total,
                "connection_errors": summary.connection_errors, "locked": summary.locked,
                "failures": summary.failures}, ensure_ascii=False, indent=1))
        if summary.failures:
            print("FAIL: " + "; ".join(summary.failures))
            print(f"gunicorn log tail:\n{tail(log_path)}")
            return 1
        print(f"OK: 0 5xx, {summary.total['rps']} requests/s, p50 {summary.total['p50_ms']} ms, "
              f"p99 {summary.total['p99_ms']} ms")
        return 0
    finally:
        stop_process(server)
        stop_process(worker)
        if args.redis_url:
            _forget_queue(args.redis_url, queue_name)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _forget_queue(redis_url: str, queue_name: str) -> None:
    """Remove this run's RQ keys (queue, registries, jobs left unrun) from the Redis it used."""
    try:
        import redis

        connection = redis.Redis.from_url(redis_url, socket_timeout=2)
        waiting = connection.lrange(f"rq:queue:{queue_name}", 0, -1)
        keys = [b"rq:job:" + job_id for job_id in waiting]
        keys += list(connection.scan_iter(match=f"*{queue_name}*", count=1000))
        if keys:
            connection.delete(*keys)
    except Exception as error:  # noqa: BLE001  (cleanup only)
        print(f"could not clean the RQ keys of {queue_name}: {error}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
