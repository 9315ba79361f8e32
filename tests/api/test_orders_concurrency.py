"""Orders under real concurrency: the app served by gunicorn with several worker processes and
threads (the production server), many clients at once, on the test session's database.

SQLite by default (the session's temp file, shared through WAL), PostgreSQL when
TEST_DATABASE_URL is set. Users, tokens and products are made in-process through the services;
only the requests under test go over HTTP.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.accounts.service import issue_token
from app.catalog import service as catalog
from app.catalog.models import Product
from app.db import db
from app.orders import payments
from app.orders import service as orders
from app.orders.models import LedgerEntry, Order, PaymentEvent
from tests.servers import concurrently

pytestmark = pytest.mark.slow

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


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

    results = concurrently(50, lambda i: gunicorn_server.request(
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

    results = concurrently(20, lambda _i: gunicorn_server.request(
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

    results = concurrently(20, lambda _i: gunicorn_server.request(
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

    results = concurrently(12, lambda _i: gunicorn_server.request(
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

    results = concurrently(12, lambda i: gunicorn_server.request(
        "POST", "/api/v1/payments/webhook/sandbox", events[i][0], events[i][1]))

    assert all(status == 200 for status, _h, _b in results), (_describe(results), gunicorn_server.log_tail())
    assert Counter(b["result"] for _s, _h, b in results) == {"applied": 1, "ignored": 11}
    assert _ledger_kinds(app, order_id) == ["buyer_payment", "seller_revenue"]
    assert _sold_count(app, order_id) == 1
