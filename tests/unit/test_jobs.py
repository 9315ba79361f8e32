"""Background jobs (app/jobs): RQ on a real Redis when REDIS_URL is set, the in-process fallback
when it is not or when Redis is down, and rate limits that keep answering without Redis."""

from __future__ import annotations

import signal
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import update

from app import create_app
from app.accounts.service import find_user
from app.db import db, utcnow
from app.extensions import limiter
from app.jobs import queue as jobs
from app.orders import service as orders
from app.orders.models import Order
from app.search.index import SearchIndex
from app.search.models import SearchOutbox
from config import TestingConfig
from tests.conftest import require

REDIS_URL = "redis://127.0.0.1:6379/14"
DEAD_REDIS_URL = "redis://127.0.0.1:1"  # nothing listens on port 1: connection refused at once


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def redis_jobs(app, url: str):
    """Point the suite's app's jobs at ``url`` on a queue of this test's own (a `make worker` on
    the same Redis must not take our jobs), and leave nothing behind."""
    saved = {key: app.config[key] for key in ("REDIS_URL", "JOBS_QUEUE")}
    app.config.update(REDIS_URL=url, JOBS_QUEUE=f"zhongcao-test-{uuid.uuid4().hex[:8]}")
    state = jobs.state_for(app)
    try:
        yield state
    finally:
        connection = state._redis
        if url == REDIS_URL and connection is not None:
            keys = connection.keys(f"*{app.config['JOBS_QUEUE']}*") + connection.keys("rq:job:zc-*")
            if keys:
                connection.delete(*keys)
        app.config.update(saved)
        state._redis, state._redis_url, state._redis_down_until = None, None, 0.0


@contextmanager
def kept_signal_handlers():
    """RQ workers install SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def stale_order(app, make_user, make_product) -> int:
    """A pending order past the payment timeout: what `orders.sweep` cancels."""
    make_user("seller")
    make_user("buyer")
    product_id = make_product("seller", stock=3)
    with app.app_context():
        order, _ = orders.place_order(db.session, find_user(db.session, "buyer"), product_id=product_id, quantity=1)
        db.session.execute(update(Order).where(Order.id == order.id).values(created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
        return order.id


def order_status(app, order_id: int) -> str:
    with app.app_context():
        return db.session.get(Order, order_id).status


# ---- in-process fallback (no Redis configured: the suite's default) ----

def test_without_redis_a_write_requests_job_runs_after_the_response(app, client, make_user, make_note, auth,
                                                                      monkeypatch):
    """SEARCH_DRAIN_IN_REQUEST off: the request only queues `search.drain`, which runs on a thread
    after the response. The index's writer lock is held meanwhile, so the request could not have
    drained it itself: it answers at once and the drain happens after the lock is released."""
    from app.search import outbox

    monkeypatch.setitem(app.config, "SEARCH_DRAIN_IN_REQUEST", False)
    make_user("poster")
    note_id = make_note("poster", title="咖啡地圖", body="巷子裡的咖啡館")
    with app.app_context():
        outbox.drain(db.session)
    auth.login("poster")
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    with index.exclusive() as held:
        assert held
        started = time.monotonic()
        response = client.post(f"/notes/{note_id}/edit", data={"title": "抹茶地圖", "body": "京都的抹茶店", "tags": ""})
        assert response.status_code in (302, 303)
        assert time.monotonic() - started < 2  # the drain waits up to 5 s for the lock: not in the request
        with app.app_context():
            assert db.session.query(SearchOutbox).count() >= 1  # queued, not applied
    assert jobs.wait_idle(app, 10)
    with app.app_context():
        assert db.session.query(SearchOutbox).count() == 0
    assert search_ids(client, "抹茶") == [note_id]


def search_ids(client, q: str) -> list[int]:
    body = client.get("/api/v1/search", query_string={"q": q}).get_json()
    return [item["id"] for item in body["items"]]


def test_in_process_pool_collapses_waiting_duplicates_and_survives_failures(app):
    ran: list[str] = []
    gate = threading.Event()

    @jobs.register("tests.blocker")
    def blocker():
        gate.wait(5)

    @jobs.register("tests.record")
    def record(label):
        ran.append(label)
        if label == "boom":
            raise RuntimeError("a job that fails")

    pool = jobs.InProcessPool(app, threads=1)
    pool.submit("tests.blocker", (), None)  # keeps the only thread busy
    for label in ("first", "second", "third"):
        pool.submit("tests.record", (label,), "same-key")
    pool.submit("tests.record", ("boom",), None)
    pool.submit("tests.record", ("after",), None)
    gate.set()
    assert pool.wait(5)
    assert ran == ["first", "boom", "after"]  # duplicates collapsed; a failure stops nothing


def test_jobs_cli_runs_a_periodic_job_now(app, runner, make_user, make_product):
    order_id = stale_order(app, make_user, make_product)
    result = runner.invoke(args=["jobs", "run-periodic", "orders.sweep"])
    assert result.exit_code == 0, result.output
    assert order_status(app, order_id) == "cancelled"
    unknown = runner.invoke(args=["jobs", "run-periodic", "nope"])
    assert unknown.exit_code == 1 and "orders.sweep" in unknown.output
    unknown_task = runner.invoke(args=["jobs", "enqueue", "nope"])
    assert unknown_task.exit_code == 1 and "No task named 'nope'" in unknown_task.output
    listed = runner.invoke(args=["jobs", "list"])
    assert "orders.sweep" in listed.output and "media.backfill_variants" in listed.output
    assert "off: TRUST_AUTO_RECOMPUTE is false" in listed.output
    worker = runner.invoke(args=["jobs", "worker", "--burst"])
    assert worker.exit_code == 1 and "REDIS_URL is not set" in worker.output


def test_media_backfill_rebuilds_missing_and_new_sizes(app, make_user, make_note, monkeypatch):
    from PIL import Image

    from app.media.service import variant_filename
    from app.media.storage import get_storage
    from app.notes.models import NoteImage

    make_user("photographer")
    make_note("photographer", images=1)
    with app.app_context():
        key = db.session.query(NoteImage.key).scalar()
        storage = get_storage(app)
        storage.delete(variant_filename(key, "thumb"))
        monkeypatch.setitem(app.config, "NOTE_IMAGE_SIZES", {**app.config["NOTE_IMAGE_SIZES"], "tiny": 60})
        jobs.TASKS["media.backfill_variants"].function()
        widths = {}
        for name in ("thumb", "large", "tiny"):
            with Image.open(storage.path(variant_filename(key, name))) as im:
                widths[name] = im.width
    assert widths == {"thumb": 120, "large": 120, "tiny": 60}  # the upload was 120 px wide


# ---- with Redis ----

def test_with_redis_jobs_dedupe_by_key_and_a_worker_runs_them(app, make_user, make_product):
    require(redis_available(), "no Redis at 127.0.0.1:6379")
    from rq import SimpleWorker
    from rq.job import JobStatus

    order_id = stale_order(app, make_user, make_product)
    with redis_jobs(app, REDIS_URL) as state, app.app_context():
        for _ in range(3):
            jobs.enqueue("orders.sweep", dedupe_key="orders.sweep")
        queue = jobs.rq_queue(app, state.redis())
        assert queue.count == 1
        jobs.enqueue("orders.sweep")  # no key: its own job
        assert queue.count == 2
        assert order_status(app, order_id) == "pending"  # queued, not run here
        with kept_signal_handlers():
            SimpleWorker([queue], connection=queue.connection, serializer=queue.serializer).work(burst=True)
        assert queue.count == 0
        assert order_status(app, order_id) == "cancelled"

        # A finished job frees its key; a failed one is replaced rather than blocking it forever.
        first = jobs.enqueue_rq(app, queue.connection, "orders.sweep", (), "orders.sweep")
        first.set_status(JobStatus.FAILED)
        queue.empty()
        second = jobs.enqueue_rq(app, queue.connection, "orders.sweep", (), "orders.sweep")
        assert second.get_status(refresh=True) == JobStatus.QUEUED and queue.count == 1


def test_one_scheduler_across_workers_enqueues_each_periodic_run(app):
    require(redis_available(), "no Redis at 127.0.0.1:6379")
    with redis_jobs(app, REDIS_URL) as state:
        connection = state.redis()
        first = jobs.run_due(app, {}, connection)  # worker A's tick
        second = jobs.run_due(app, {}, connection)  # worker B's tick, same moment
        enabled = {name for name, job in jobs.PERIODIC.items() if not job.when or app.config[job.when]}
        assert {"orders.sweep", "search.drain"} <= set(first) == enabled
        assert "trust.recompute" not in first  # switched off by TRUST_AUTO_RECOMPUTE in tests
        assert second == []
        assert jobs.rq_queue(app, connection).count == len(first)
        assert 0 < connection.ttl(jobs.tick_key(app, "orders.sweep")) <= 60


def test_dead_redis_degrades_to_in_process_without_raising(app, make_user, make_product):
    order_id = stale_order(app, make_user, make_product)
    with redis_jobs(app, DEAD_REDIS_URL), app.app_context():
        started = time.monotonic()
        jobs.enqueue("orders.sweep", dedupe_key="orders.sweep")
        assert jobs.dispatch(app, "orders.sweep", (), "orders.sweep") == "in-process"  # circuit open: no retry
        assert time.monotonic() - started < 1.5
        assert jobs.wait_idle(app, 10)
        assert jobs.run_due(app, {}, jobs.state_for(app).redis()) != []  # periodic jobs too
        assert jobs.wait_idle(app, 10)
    assert order_status(app, order_id) == "cancelled"


def test_dead_redis_still_rate_limits_without_a_5xx(app, make_user):
    """REDIS_URL pointing at nothing: limits fall back to memory; the 4th try is still refused."""
    config = TestingConfig()
    config.DATABASE_URL = app.config["DATABASE_URL"]
    config.MEDIA_DIR = app.config["MEDIA_DIR"]
    config.SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"]
    config.REDIS_URL = DEAD_REDIS_URL
    config.LOGIN_RATE_LIMIT = "3 per minute"
    make_user("limited")
    other = create_app(config)
    try:
        assert other.config["RATELIMIT_STORAGE_URI"] == DEAD_REDIS_URL  # derived from REDIS_URL
        client = other.test_client()
        started = time.monotonic()
        statuses = [client.post("/login", data={"username": "limited", "password": "x"}).status_code
                    for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
        assert time.monotonic() - started < 5
        assert client.get("/").status_code < 500
    finally:
        with other.app_context():
            db.engine_for_app.dispose()
        # The limiter object is shared by the apps of this process: give it back to the suite's
        # app, in its healthy state (Flask-Limiter keeps "storage dead" on the object).
        limiter.init_app(app)
        limiter._storage_dead = False

