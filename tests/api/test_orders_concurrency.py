"""Orders under real concurrency: the app served by gunicorn with several worker processes and
threads (the production server), many clients at once, on the test session's database.

SQLite by default (the session's temp file, shared through WAL), PostgreSQL when
TEST_DATABASE_URL is set. Users, tokens and products are made in-process through the services;
only the requests under test go over HTTP.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.service import issue_token
from app.catalog import service as catalog
from app.catalog.models import Product
from app.db import db
from app.orders import payments
from app.orders import service as orders
from app.orders.models import LedgerEntry, Order, PaymentEvent

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WORKERS, THREADS = 4, 4
STARTUP_TIMEOUT = 60
REQUEST_TIMEOUT = 60
SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, body=None, headers=None, timeout: float = REQUEST_TIMEOUT):
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
    def __init__(self, process: subprocess.Popen, port: int, log_path: Path):
        self.process, self.port, self.log_path = process, port, log_path

    def request(self, *args, **kwargs):
        return _request(self.port, *args, **kwargs)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _stop(process: subprocess.Popen) -> None:
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
        port = _free_port()
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                 "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
                 "--timeout", "120", "--graceful-timeout", "10", "app:create_app()"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        server = Server(process, port, log_path)
        if _wait_until_ready(server):
            break
        _stop(process)
    else:
        pytest.fail(f"gunicorn did not start:\n{server.log_tail() if server else ''}")
    try:
        yield server
    finally:
        _stop(process)


def _wait_until_ready(server: Server) -> bool:
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
            _concurrently(WORKERS * THREADS, lambda _i: server.request("GET", "/api/v1/products"))
            return True
        time.sleep(0.1)
    return False


def _concurrently(count: int, call) -> list:
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


def _product(app, seller, *, stock: int, price_cents: int = 12900) -> int:
    with app.app_context():
        return catalog.create_product(db.session, seller, name="限量露營燈", description="", price_cents=price_cents,
                                      stock=stock, commission_bps=500).id


def _token(app, user) -> str:
    with app.app_context():
        return issue_token(db.session, user, "concurrency test")


def _bearer(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


def _stock(app, product_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def _order_count(app, product_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order).where(Order.product_id == product_id))


def _describe(results) -> str:
    return repr(Counter((status, body.get("error", {}).get("code") if isinstance(body, dict) else body)
                        for status, _headers, body in results))


def test_fifty_buyers_for_five_units_get_exactly_five_orders(app, make_user, gunicorn_server):
    seller = make_user("stampede_seller")
    product_id = _product(app, seller, stock=5)
    tokens = [_token(app, make_user(f"stampede_buyer{i}")) for i in range(50)]

    results = _concurrently(50, lambda i: gunicorn_server.request(
        "POST", "/api/v1/orders", {"product": product_id, "quantity": 1, "shipping": SHIPPING}, _bearer(tokens[i])))

    statuses = Counter(status for status, _headers, _body in results)
    assert statuses == {201: 5, 409: 45}, (_describe(results), gunicorn_server.log_tail())
    refused = [body["error"]["code"] for status, _headers, body in results if status == 409]
    assert set(refused) == {"out_of_stock"}
    created = [body for status, _headers, body in results if status == 201]
    assert len({body["id"] for body in created}) == 5
    assert {body["buyer"]["username"] for body in created} <= {f"stampede_buyer{i}" for i in range(50)}
    assert all(body["status"] == "pending" and body["quantity"] == 1 for body in created)
    assert _stock(app, product_id) == 0
    assert _order_count(app, product_id) == 5


def test_twenty_retries_with_one_idempotency_key_make_one_order(app, make_user, gunicorn_server):
    seller = make_user("retry_seller")
    product_id = _product(app, seller, stock=10)
    token = _token(app, make_user("retry_buyer"))
    body = {"product": product_id, "quantity": 2, "shipping": SHIPPING}

    results = _concurrently(20, lambda _i: gunicorn_server.request(
        "POST", "/api/v1/orders", body, _bearer(token, **{"Idempotency-Key": "checkout-7f3a"})))

    assert [status for status, _h, _b in results] == [201] * 20, (_describe(results), gunicorn_server.log_tail())
    assert len({body["id"] for _s, _h, body in results}) == 1
    replayed = [headers.get("Idempotent-Replayed") for _s, headers, _b in results]
    assert replayed.count("true") == 19 and replayed.count(None) == 1  # exactly one request created it
    assert _order_count(app, product_id) == 1
    assert _stock(app, product_id) == 8  # taken once


def test_idempotent_retries_for_the_last_units_are_replays_not_sold_out(app, make_user, gunicorn_server):
    """The retries of the request that took the last units must get that order back, not a 409:
    the buyer would otherwise be told 'sold out' for an order they hold."""
    seller = make_user("last_unit_seller")
    product_id = _product(app, seller, stock=2)
    token = _token(app, make_user("last_unit_buyer"))
    body = {"product": product_id, "quantity": 2, "shipping": SHIPPING}

    results = _concurrently(20, lambda _i: gunicorn_server.request(
        "POST", "/api/v1/orders", body, _bearer(token, **{"Idempotency-Key": "last-units"})))

    assert [status for status, _h, _b in results] == [201] * 20, (_describe(results), gunicorn_server.log_tail())
    assert len({body["id"] for _s, _h, body in results}) == 1
    assert _order_count(app, product_id) == 1
    assert _stock(app, product_id) == 0


def _signed_event(app, order_id: int, event_id: str) -> tuple[bytes, dict]:
    with app.app_context():
        order = db.session.get(Order, order_id)
        body = json.dumps({"id": event_id, "type": "payment.succeeded", "payment_ref": order.payment_ref,
                           "amount_cents": order.total_cents, "currency": order.currency}).encode()
        return body, {payments.SIGNATURE_HEADER: payments.sign(payments.webhook_secret(), body)}


def _pending_order_with_payment(app, make_user, name: str) -> int:
    seller = make_user(f"{name}_seller")
    buyer = make_user(f"{name}_buyer")
    product_id = _product(app, seller, stock=3, price_cents=5000)
    with app.test_request_context():  # start_payment builds the checkout URL
        order, _created = orders.place_order(db.session, buyer, product_id=product_id, quantity=1, shipping=SHIPPING)
        orders.start_payment(db.session, buyer, order)
        return order.id


def _ledger_kinds(app, order_id: int) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.order_id == order_id)))


def _sold_count(app, order_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.sold_count).join(Order, Order.product_id == Product.id)
                                 .where(Order.id == order_id))


def test_one_webhook_replayed_concurrently_pays_once(app, make_user, gunicorn_server):
    order_id = _pending_order_with_payment(app, make_user, "replay")
    body, headers = _signed_event(app, order_id, "evt_concurrent_replay")

    results = _concurrently(12, lambda _i: gunicorn_server.request(
        "POST", "/api/v1/payments/webhook/sandbox", body, headers))

    assert all(status == 200 for status, _h, _b in results), (_describe(results), gunicorn_server.log_tail())
    assert Counter(b["result"] for _s, _h, b in results) == {"applied": 1, "duplicate": 11}
    assert _ledger_kinds(app, order_id) == ["buyer_payment", "seller_revenue"]
    assert _sold_count(app, order_id) == 1
    with app.app_context():
        assert db.session.get(Order, order_id).status == "paid"
        assert db.session.scalar(select(func.count()).select_from(PaymentEvent)
                                 .where(PaymentEvent.event_id == "evt_concurrent_replay")) == 1


def test_distinct_success_events_for_one_order_pay_it_once(app, make_user, gunicorn_server):
    """A provider that retries with new event ids: the first applies, the rest find it paid."""
    order_id = _pending_order_with_payment(app, make_user, "retrying_provider")
    events = [_signed_event(app, order_id, f"evt_retry_{i}") for i in range(12)]

    results = _concurrently(12, lambda i: gunicorn_server.request(
        "POST", "/api/v1/payments/webhook/sandbox", events[i][0], events[i][1]))

    assert all(status == 200 for status, _h, _b in results), (_describe(results), gunicorn_server.log_tail())
    assert Counter(b["result"] for _s, _h, b in results) == {"applied": 1, "ignored": 11}
    assert _ledger_kinds(app, order_id) == ["buyer_payment", "seller_revenue"]
    assert _sold_count(app, order_id) == 1
