"""Payments, the order state machine and the ledger split.

The pure parts (signatures, states.py, ledger.py) are tested without a database; the webhook
endpoint through the test client on the real database, with events signed the way a provider
signs them.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.catalog import service as catalog
from app.catalog.models import Product
from app.db import db
from app.errors import Invalid
from app.orders import ledger, payments, states
from app.orders import service as orders
from app.orders.models import LedgerEntry, Order, PaymentEvent

SECRET = "whsec_test"
BODY = b'{"id": "evt_1", "type": "payment.succeeded"}'
SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


# ---- sign / verify ----

def _code(call) -> str:
    with pytest.raises(Invalid) as raised:
        call()
    return raised.value.code


def test_a_signature_verifies_for_its_body_and_secret():
    now = 1_700_000_000
    header = payments.sign(SECRET, BODY, now)
    assert header.startswith(f"t={now},v1=") and len(header.split("v1=")[1]) == 64
    payments.verify(SECRET, BODY, header, tolerance_seconds=300, now=now)
    payments.verify(SECRET, BODY, header, tolerance_seconds=300, now=now + 300)  # the edge of the tolerance


def test_a_signature_with_another_secret_is_refused():
    header = payments.sign("someone-else", BODY)
    assert _code(lambda: payments.verify(SECRET, BODY, header, 300)) == "bad_signature"


def test_a_tampered_body_is_refused():
    header = payments.sign(SECRET, BODY)
    tampered = BODY.replace(b"succeeded", b"failed")
    assert _code(lambda: payments.verify(SECRET, tampered, header, 300)) == "bad_signature"
    assert _code(lambda: payments.verify(SECRET, BODY + b" ", header, 300)) == "bad_signature"


def test_a_changed_timestamp_breaks_the_signature():
    now = int(time.time())
    digest = payments.sign(SECRET, BODY, now).split("v1=")[1]
    moved = f"t={now + 1},v1={digest}"
    assert _code(lambda: payments.verify(SECRET, BODY, moved, 300)) == "bad_signature"


@pytest.mark.parametrize("age", [301, 3600, -301])  # too old, much too old, from the future
def test_a_stale_or_future_event_is_refused(age):
    now = 1_700_000_000
    header = payments.sign(SECRET, BODY, now - age)
    assert _code(lambda: payments.verify(SECRET, BODY, header, tolerance_seconds=300, now=now)) == "stale_event"


@pytest.mark.parametrize("header", [
    None, "", "garbage", "t=,v1=", "t=abc,v1=00", "v1=" + "0" * 64, "t=1700000000", "t=1700000000,v2=00",
])
def test_a_missing_or_malformed_header_is_refused(header):
    assert _code(lambda: payments.verify(SECRET, BODY, header, 300, now=1_700_000_000)) == "bad_signature"


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b"{}", b'{"id": "e", "type": "payment.succeeded", "payment_ref": "r", "currency": "CNY"}',
    b'{"id": "e", "type": "payment.refunded", "payment_ref": "r", "amount_cents": 1, "currency": "CNY"}',
    b'{"id": "e", "type": "payment.succeeded", "payment_ref": "r", "amount_cents": "100", "currency": "CNY"}',
    json.dumps({"id": "e" * 101, "type": "payment.succeeded", "payment_ref": "r", "amount_cents": 1,
                "currency": "CNY"}).encode(),
])
def test_malformed_events_are_refused(body):
    assert _code(lambda: payments.parse_event(body)) == "bad_event"


def test_sandbox_simulation_round_trips_through_verification(app):
    class FakeOrder:
        payment_ref, amount_due_cents, currency = "sbx_abc", 4200, "TWD"

    with app.app_context():
        provider = payments.get_provider("sandbox")
        body, headers = provider.simulate(FakeOrder(), succeed=False)
        event = provider.verify_request(body, headers)
        assert (event.kind, event.payment_ref, event.amount_cents, event.currency) == (
            "payment.failed", "sbx_abc", 4200, "TWD")
        assert provider.new_payment_ref() != provider.new_payment_ref()


def test_the_webhook_secret_comes_from_config_when_set(app, monkeypatch):
    with app.app_context():
        derived = payments.webhook_secret()
        assert derived and derived != app.config["SECRET_KEY"]
        monkeypatch.setitem(app.config, "PAYMENT_WEBHOOK_SECRET", "from-the-environment")
        assert payments.webhook_secret() == "from-the-environment"


# ---- the webhook endpoint ----

@pytest.fixture
def pending_order(app, make_user):
    """A pending order for 2 × 45.50 whose payment was started: it has a sandbox payment_ref."""
    seller, buyer = make_user("hook_seller"), make_user("hook_buyer")
    with app.test_request_context():
        product = catalog.create_product(db.session, seller, name="手沖壺", price_cents=4550, stock=5)
        order, _created = orders.place_order(db.session, buyer, product_id=product.id, quantity=2,
                                             shipping=SHIPPING)
        orders.start_payment(db.session, buyer, order)
        return {"id": order.id, "product_id": product.id, "payment_ref": order.payment_ref,
                "seller_id": seller.id, "buyer_id": buyer.id}


def _event(app, payment_ref, *, event_id="evt_hook_1", kind="payment.succeeded", amount_cents=9100,
           currency="CNY", timestamp=None, secret=None) -> tuple[bytes, dict]:
    body = json.dumps({"id": event_id, "type": kind, "payment_ref": payment_ref, "amount_cents": amount_cents,
                       "currency": currency}).encode()
    with app.app_context():
        secret = secret or payments.webhook_secret()
    return body, {payments.SIGNATURE_HEADER: payments.sign(secret, body, timestamp),
                  "Content-Type": "application/json"}


def _post(client, body, headers, provider="sandbox"):
    return client.post(f"/api/v1/payments/webhook/{provider}", data=body, headers=headers)


def _state(app, order_id):
    """(status, ledger rows as (kind, user, amount), stock, sold_count, payment events stored)."""
    with app.app_context():
        order = db.session.get(Order, order_id)
        rows = sorted(db.session.execute(select(LedgerEntry.kind, LedgerEntry.user_id, LedgerEntry.amount_cents)
                                         .where(LedgerEntry.order_id == order_id)).all())
        product = db.session.get(Product, order.product_id)
        events = db.session.scalar(select(func.count()).select_from(PaymentEvent))
        return order.status, rows, product.stock, product.sold_count, events


def test_a_valid_signed_event_pays_the_order(app, client, pending_order):
    response = _post(client, *_event(app, pending_order["payment_ref"]))
    assert response.status_code == 200 and response.get_json() == {"result": "applied"}
    status, rows, stock, sold, events = _state(app, pending_order["id"])
    assert status == "paid"
    assert rows == sorted([("buyer_payment", pending_order["buyer_id"], -9100),
                           ("seller_revenue", pending_order["seller_id"], 9100)])
    assert (stock, sold, events) == (3, 2, 1)
    with app.app_context():
        event = db.session.scalar(select(PaymentEvent))
        assert (event.event_id, event.order_id, event.kind) == ("evt_hook_1", pending_order["id"], "payment.succeeded")


def test_a_replayed_event_is_a_duplicate_and_writes_nothing(app, client, pending_order):
    body, headers = _event(app, pending_order["payment_ref"])
    assert _post(client, body, headers).get_json() == {"result": "applied"}
    before = _state(app, pending_order["id"])
    for _ in range(3):
        replay = _post(client, body, headers)
        assert replay.status_code == 200 and replay.get_json() == {"result": "duplicate"}
    assert _state(app, pending_order["id"]) == before


def test_a_new_event_for_a_paid_order_is_ignored(app, client, pending_order):
    _post(client, *_event(app, pending_order["payment_ref"]))
    before = _state(app, pending_order["id"])
    late_failure = _post(client, *_event(app, pending_order["payment_ref"], event_id="evt_hook_2",
                                         kind="payment.failed"))
    assert late_failure.status_code == 200 and late_failure.get_json() == {"result": "ignored"}
    status, rows, stock, sold, events = _state(app, pending_order["id"])
    assert (status, rows, stock, sold) == before[:4] and events == before[4] + 1


def test_a_failed_payment_cancels_and_returns_the_stock(app, client, pending_order):
    response = _post(client, *_event(app, pending_order["payment_ref"], kind="payment.failed"))
    assert response.get_json() == {"result": "applied"}
    assert _state(app, pending_order["id"]) == ("cancelled", [], 5, 0, 1)


@pytest.mark.parametrize("amount, currency", [(9099, "CNY"), (9101, "CNY"), (0, "CNY"), (9100, "TWD")])
def test_a_wrong_amount_is_400_and_the_order_stays_pending(app, client, pending_order, amount, currency):
    body, headers = _event(app, pending_order["payment_ref"], amount_cents=amount, currency=currency)
    response = _post(client, body, headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "amount_mismatch"
    assert _state(app, pending_order["id"]) == ("pending", [], 3, 0, 0)
    # Nothing was recorded, so the provider's retry is judged again (and refused again).
    assert _post(client, body, headers).status_code == 400
    # The right amount still pays it.
    assert _post(client, *_event(app, pending_order["payment_ref"], event_id="evt_ok")).get_json() == {
        "result": "applied"}


def test_an_unknown_payment_ref_is_404(app, client, pending_order):
    response = _post(client, *_event(app, "sbx_nobody"))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_payment"
    assert _state(app, pending_order["id"]) == ("pending", [], 3, 0, 0)


def test_a_bad_signature_is_400(app, client, pending_order):
    body, headers = _event(app, pending_order["payment_ref"], secret="not-the-secret")
    response = _post(client, body, headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_signature"
    body, headers = _event(app, pending_order["payment_ref"])
    tampered = body.replace(b"9100", b"9101")
    assert _post(client, tampered, headers).get_json()["error"]["code"] == "bad_signature"
    assert _post(client, body, {}).get_json()["error"]["code"] == "bad_signature"  # no header at all
    assert _state(app, pending_order["id"]) == ("pending", [], 3, 0, 0)


def test_a_stale_signed_event_is_400(app, client, pending_order):
    tolerance = app.config["PAYMENT_WEBHOOK_TOLERANCE"]
    body, headers = _event(app, pending_order["payment_ref"], timestamp=int(time.time()) - tolerance - 60)
    response = _post(client, body, headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "stale_event"
    assert _state(app, pending_order["id"])[0] == "pending"


def test_a_malformed_but_signed_event_is_400(app, client, pending_order):
    body = b'{"id": "evt_x", "type": "payment.succeeded"}'
    with app.app_context():
        headers = {payments.SIGNATURE_HEADER: payments.sign(payments.webhook_secret(), body)}
    response = _post(client, body, headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_event"


def test_an_unknown_provider_is_404(app, client, pending_order):
    response = _post(client, *_event(app, pending_order["payment_ref"]), provider="paypal")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_provider"


def test_the_webhook_needs_no_token_but_a_get_is_refused(client):
    assert client.get("/api/v1/payments/webhook/sandbox").status_code == 405


# ---- the state machine ----

B, S, SYS = states.BUYER, states.SELLER, states.SYSTEM
# Written out by hand from the diagram, not derived from RULES.
ALLOWED = {
    # (status, refund requested): {actor: allowed user actions}
    ("pending", False): {B: ["cancel"], S: ["cancel"], SYS: ["cancel"]},
    # The system refunds the members of a group buy that did not fill (app/sharing/groups.py).
    ("paid", False): {B: ["request_refund"], S: ["ship", "refund"], SYS: ["refund"]},
    ("paid", True): {B: [], S: ["decline_refund", "refund"], SYS: ["refund"]},
    ("shipped", False): {B: ["confirm", "request_refund"], S: ["refund"], SYS: ["confirm", "refund"]},
    ("shipped", True): {B: ["confirm"], S: ["decline_refund", "refund"], SYS: ["confirm", "refund"]},
    ("completed", False): {B: ["request_refund"], S: ["refund"], SYS: ["refund"]},
    ("completed", True): {B: [], S: ["decline_refund", "refund"], SYS: ["refund"]},
    ("cancelled", False): {B: [], S: [], SYS: []},
    ("refunded", False): {B: [], S: [], SYS: []},
}


@pytest.mark.parametrize("status, flagged", list(ALLOWED))
def test_allowed_actions_per_role_and_state(status, flagged):
    for actor, expected in ALLOWED[(status, flagged)].items():
        assert states.allowed_actions(status, actor, refund_requested=flagged) == expected, (status, flagged, actor)
    assert states.allowed_actions(status, None, refund_requested=flagged) == []  # a stranger


TARGETS = {"pay": "paid", "fail_payment": "cancelled", "cancel": "cancelled", "ship": "shipped",
           "confirm": "completed", "refund": "refunded"}


@pytest.mark.parametrize("status, flagged", list(ALLOWED))
def test_every_move_is_either_allowed_with_its_target_or_raises(status, flagged):
    for action in states.RULES:
        for actor in (B, S, SYS):
            legal = action in ALLOWED[(status, flagged)][actor] or (
                actor == SYS and status == "pending" and action in ("pay", "fail_payment"))
            if legal:
                assert states.next_status(status, action, actor, refund_requested=flagged) == TARGETS.get(
                    action, status)
            else:
                with pytest.raises(states.IllegalTransition) as raised:
                    states.next_status(status, action, actor, refund_requested=flagged)
                assert (raised.value.action, raised.value.status) == (action, status)
                assert raised.value.reason in ("not_your_action", "wrong_state", "no_refund_request",
                                               "refund_requested")


@pytest.mark.parametrize("status, action, actor, flagged, reason", [
    ("pending", "pay", B, False, "not_your_action"),  # only the provider pays
    ("pending", "ship", S, False, "wrong_state"),
    ("paid", "confirm", B, False, "wrong_state"),
    ("paid", "ship", B, False, "not_your_action"),
    ("paid", "ship", S, True, "refund_requested"),  # answer the request first
    ("paid", "request_refund", B, True, "refund_requested"),
    ("shipped", "decline_refund", S, False, "no_refund_request"),
    ("cancelled", "refund", S, False, "wrong_state"),
    ("refunded", "refund", S, False, "wrong_state"),
    ("completed", "cancel", B, False, "wrong_state"),
    ("pending", "explode", B, False, "unknown_action"),
])
def test_illegal_moves_say_why(status, action, actor, flagged, reason):
    with pytest.raises(states.IllegalTransition) as raised:
        states.next_status(status, action, actor, refund_requested=flagged)
    assert raised.value.reason == reason
    assert action in str(raised.value) and status in str(raised.value)


def test_terminal_states_have_no_way_out():
    for status in ("cancelled", "refunded"):
        for action in states.RULES:
            for actor in (B, S, SYS):
                with pytest.raises(states.IllegalTransition):
                    states.next_status(status, action, actor)


# ---- the ledger split ----

@pytest.mark.parametrize("price, quantity, commission_bps, fee_bps, expected", [
    (12900, 2, 1000, 0, (25800, 2580, 0)),
    (333, 1, 1250, 0, (333, 41, 0)),  # 41.625 → 41: the seller keeps the fraction
    (333, 3, 1250, 250, (999, 124, 24)),  # 124.875 → 124, 24.975 → 24
    (1, 1, 5000, 9999, (1, 0, 0)),
    (99, 7, 0, 0, (693, 0, 0)),
])
def test_split_floors_commission_and_fee(price, quantity, commission_bps, fee_bps, expected):
    money = ledger.split(price, quantity, commission_bps, fee_bps)
    assert (money.total_cents, money.commission_cents, money.platform_fee_cents) == expected
    assert money.seller_cents == expected[0] - expected[1] - expected[2]


@settings(max_examples=200, database=None, deadline=None)
@given(price=st.integers(1, 10_000_000_00), quantity=st.integers(1, 99), commission_bps=st.integers(0, 5000),
       fee_bps=st.integers(0, 2000), with_creator=st.booleans())
def test_payment_and_refund_rows_always_sum_to_zero(price, quantity, commission_bps, fee_bps, with_creator):
    money = ledger.split(price, quantity, commission_bps, fee_bps)
    assert 0 <= money.commission_cents <= money.total_cents // 2
    assert money.seller_cents >= 0
    rows = ledger.payment_rows(buyer_id=1, seller_id=2, creator_id=3 if with_creator else None, money=money)
    assert sum(row.amount_cents for row in rows) == 0
    assert rows[0] == ledger.Row("buyer_payment", 1, -price * quantity)
    assert all(row.amount_cents != 0 for row in rows[2:])  # no zero rows for an absent commission or fee
    kinds = [row.kind for row in rows]
    assert len(kinds) == len(set(kinds)) and set(kinds) <= set(ledger.PAYMENT_KINDS)
    refund = ledger.refund_rows(rows)
    assert sum(row.amount_cents for row in refund) == 0
    assert [(r.user_id, r.amount_cents) for r in refund] == [(r.user_id, -r.amount_cents) for r in rows]
    assert {r.kind for r in refund}.isdisjoint(kinds)  # (order, kind) stays unique after a refund


@pytest.mark.parametrize("author, buyer, sells, expected", [
    (None, 1, False, 0),  # no note
    (1, 1, False, 0),  # bought through one's own note
    (2, 1, True, 0),  # the seller's own people earn as the seller
    (2, 1, False, 1500),
])
def test_creator_commission_rate(author, buyer, sells, expected):
    assert ledger.creator_commission_bps(1500, author_id=author, buyer_id=buyer, author_sells=sells) == expected


def test_earning_spending_and_credit_kinds_cover_every_row_but_the_platforms():
    every = set(ledger.PAYMENT_KINDS) | set(ledger.REFUND_KINDS.values()) | set(ledger.REWARD_KINDS)
    platform = {"platform_fee", "platform_fee_reversal", "voucher_discount", "voucher_discount_reversal",
                "referral_reward_cost"}
    earning, spending, credit = set(ledger.EARNING_KINDS), set(ledger.SPENDING_KINDS), set(ledger.CREDIT_KINDS)
    assert earning | spending | credit == every - platform
    assert earning.isdisjoint(spending) and earning.isdisjoint(credit) and spending.isdisjoint(credit)


def test_platform_fee_from_config_is_booked_to_the_platform(app, make_user, make_note, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_FEE_BPS", 250)
    seller, creator, buyer = make_user("fee_seller"), make_user("fee_creator"), make_user("fee_buyer")
    with app.test_request_context():
        product = catalog.create_product(db.session, seller, name="登山杖", price_cents=333, stock=9,
                                         commission_bps=1250)
    note_id = make_note(creator, product_id=product.id)
    with app.test_request_context():
        order, _created = orders.place_order(db.session, buyer, product_id=product.id, quantity=3, note_id=note_id)
        assert (order.total_cents, order.commission_cents, order.platform_fee_cents) == (999, 124, 24)
        orders.pay_in_sandbox(db.session, buyer, order, succeed=True)
        rows = {(e.kind, e.user_id): e.amount_cents for e in orders.order_earnings(db.session, order)}
        assert rows == {("buyer_payment", buyer.id): -999, ("seller_revenue", seller.id): 999 - 124 - 24,
                        ("creator_commission", creator.id): 124, ("platform_fee", None): 24}
        [seller_balance] = orders.get_balances(db.session, seller)
        assert (seller_balance.earned_cents, seller_balance.pending_cents) == (851, 851)
        orders.transition_order(db.session, seller, order.id, "refund")
        rows = orders.order_earnings(db.session, order)
        assert len(rows) == 8 and sum(e.amount_cents for e in rows) == 0
        assert sum(e.amount_cents for e in rows if e.user_id is None) == 0
        for user in (buyer, seller, creator):
            [balance] = orders.get_balances(db.session, user)
            assert (balance.earned_cents, balance.spent_cents) == (0, 0)


def test_the_fee_is_fixed_when_the_order_is_placed(app, make_user, monkeypatch):
    """Changing PLATFORM_FEE_BPS later does not rewrite what an open order pays out."""
    seller, buyer = make_user("fixed_fee_seller"), make_user("fixed_fee_buyer")
    monkeypatch.setitem(app.config, "PLATFORM_FEE_BPS", 500)
    with app.test_request_context():
        product = catalog.create_product(db.session, seller, name="咖啡豆", price_cents=1000, stock=3)
        order, _created = orders.place_order(db.session, buyer, product_id=product.id, quantity=1)
        monkeypatch.setitem(app.config, "PLATFORM_FEE_BPS", 0)
        orders.pay_in_sandbox(db.session, buyer, order, succeed=True)
        rows = {e.kind: e.amount_cents for e in orders.order_earnings(db.session, order)}
        assert rows == {"buyer_payment": -1000, "seller_revenue": 950, "platform_fee": 50}
