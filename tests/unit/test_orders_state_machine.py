"""Orders as a whole, against the real services on the real database.

A Hypothesis state machine buys (with and without a note, with and without an Idempotency-Key,
and retries), pays, fails payments, cancels, ships, confirms, asks for and answers refunds,
runs the sweeper and tries illegal moves, in random order, while an independent model keeps
what the ledger, the balances, the stock and every order's state should be. After every step
the database must agree with the model.

Below it, the sweeper on its own: unpaid orders expire, shipped ones complete.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select, text, update

from app.accounts.models import User
from app.catalog import service as catalog
from app.catalog.models import Product
from app.db import db, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound, OutOfStock
from app.orders import service as orders
from app.orders.models import LedgerEntry, Order, PaymentEvent

FEE_BPS = 250
SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}
EARNING = ("seller_revenue", "creator_commission", "seller_revenue_reversal", "creator_commission_reversal")
SPENDING = ("buyer_payment", "buyer_refund")
REVERSAL = {"buyer_payment": "buyer_refund", "seller_revenue": "seller_revenue_reversal",
            "creator_commission": "creator_commission_reversal", "platform_fee": "platform_fee_reversal"}

# The model's own transition table: (action, actor) → (states it may start from, target, flag rule).
# None as target: the state stays and the refund-request flag changes. Written from the diagram
# in app/orders/states.py, deliberately not imported from it.
MOVES = {
    ("cancel", "buyer"): ({"pending"}, "cancelled", None),
    ("cancel", "seller"): ({"pending"}, "cancelled", None),
    ("ship", "seller"): ({"paid"}, "shipped", "refuses"),
    ("confirm", "buyer"): ({"shipped"}, "completed", None),
    ("request_refund", "buyer"): ({"paid", "shipped", "completed"}, None, "refuses"),
    ("decline_refund", "seller"): ({"paid", "shipped", "completed"}, None, "needs"),
    ("refund", "seller"): ({"paid", "shipped", "completed"}, "refunded", None),
}
USER_ACTIONS = ("cancel", "ship", "confirm", "request_refund", "decline_refund", "refund")
HOLDS_STOCK = ("pending", "paid", "shipped", "completed")
# Where an example's first orders start, and the moves after paying that take them there.
IN_FLIGHT = {
    "pending": [], "paid": [], "shipped": ["ship"], "completed": ["ship", "confirm"],
    "paid, refund asked": ["request_refund"], "shipped, refund asked": ["ship", "request_refund"],
    "completed, refund declined": ["ship", "confirm", "request_refund", "decline_refund"],
}


# ---- the world every example shares: people, products and notes (made once per test) ----

@dataclass(frozen=True)
class ProductSpec:
    id: int
    seller: str
    price_cents: int
    currency: str
    commission_bps: int
    stock: int


@dataclass
class World:
    users: dict[str, int]  # username → id
    products: list[ProductSpec]
    notes: dict[int, list[tuple[int, str]]]  # product id → [(note id, author)]
    unrelated_note: int  # links no product


def _build_world(app, make_user, make_note) -> World:
    names = ("seller_a", "seller_b", "creator", "buyer1", "buyer2")
    users = {name: make_user(name) for name in names}
    with app.test_request_context():
        cups = catalog.create_product(db.session, users["seller_a"], name="保溫杯", price_cents=12900, stock=6,
                                      commission_bps=1000)
        poles = catalog.create_product(db.session, users["seller_b"], name="登山杖", price_cents=333, currency="TWD",
                                       stock=4, commission_bps=1250)
    products = [ProductSpec(cups.id, "seller_a", 12900, "CNY", 1000, 6),
                ProductSpec(poles.id, "seller_b", 333, "TWD", 1250, 4)]
    notes = {
        cups.id: [(make_note(users["creator"], product_id=cups.id), "creator"),
                  (make_note(users["seller_a"], product_id=cups.id), "seller_a")],  # the seller's own: no commission
        poles.id: [(make_note(users["creator"], product_id=poles.id), "creator"),
                   (make_note(users["buyer1"], product_id=poles.id), "buyer1")],  # buyer1's own: none for buyer1
    }
    unrelated = make_note(users["buyer2"], title="隨手拍")
    return World({name: user.id for name, user in users.items()}, products, notes, unrelated)


# ---- the model ----

@dataclass
class ModelOrder:
    id: int
    product: ProductSpec
    buyer: str
    creator: str | None
    quantity: int
    total_cents: int
    commission_cents: int
    fee_cents: int
    status: str = "pending"
    refund_requested: bool = False
    payment_started: bool = False
    ever_shipped: bool = False
    rows: list[tuple[str, str | None, int]] = field(default_factory=list)  # (kind, username or None, amount)

    @property
    def seller(self) -> str:
        return self.product.seller

    def role_user(self, role: str) -> str:
        return self.buyer if role == "buyer" else self.seller


def _legal(order: ModelOrder, action: str, role: str) -> bool:
    move = MOVES.get((action, role))
    if move is None or order.status not in move[0]:
        return False
    flag_rule = move[2]
    if flag_rule == "refuses" and order.refund_requested:
        return False
    return not (flag_rule == "needs" and not order.refund_requested)


def _expected_commission_bps(product: ProductSpec, buyer: str, note_author: str | None) -> int:
    if note_author is None or note_author == buyer or note_author == product.seller:
        return 0
    return product.commission_bps


def _snapshot(session, order_id: int) -> tuple:
    order = session.get(Order, order_id, populate_existing=True)
    ledger_rows = session.scalar(select(func.count()).select_from(LedgerEntry))
    stock = tuple(session.scalars(select(Product.stock).order_by(Product.id)))
    return (order.status, order.refund_requested_at, order.updated_at, order.tracking_number, ledger_rows, stock)


def _reset_commerce(app, world: World) -> None:
    """Every example starts from no orders and full stock; people, products and notes stay."""
    with app.app_context():
        session = db.session
        with session.begin():
            session.execute(delete(LedgerEntry))
            session.execute(delete(PaymentEvent))
            session.execute(delete(Order))
            for product in world.products:
                session.execute(update(Product).where(Product.id == product.id)
                                .values(stock=product.stock, sold_count=0))


def _machine(app, world: World):
    usernames = list(world.users)
    user_names_by_id = {user_id: name for name, user_id in world.users.items()}

    class OrdersMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            _reset_commerce(app, world)
            self.orders: dict[int, ModelOrder] = {}
            self.stock = {p.id: p.stock for p in world.products}
            self.keyed: list[tuple[str, str, dict, int]] = []  # (buyer, key, request, order id)
            self.key_counter = 0

        # -- helpers --

        def user(self, session, name: str) -> User:
            return session.get(User, world.users[name])

        def candidates(self, action: str, roles=("buyer", "seller")) -> list[tuple[int, str]]:
            return [(order.id, role) for order in self.orders.values() for role in roles
                    if _legal(order, action, role)]

        def act(self, data, action: str, roles=("buyer", "seller")) -> None:
            order_id, role = data.draw(st.sampled_from(sorted(self.candidates(action, roles))), label="order, role")
            self.transition(self.orders[order_id], action, role)
            event(f"{action} by {role}")

        def transition(self, order: ModelOrder, action: str, role: str) -> None:
            with app.test_request_context():
                actor = self.user(db.session, order.role_user(role))
                result = orders.transition_order(db.session, actor, order.id, action, reason="不合適",
                                                 tracking="SF1234567890" if action == "ship" else None)
            self.apply(order, action)
            assert result.status == order.status
            assert (result.refund_requested_at is not None) == order.refund_requested

        def pay_order(self, order: ModelOrder, succeed: bool) -> None:
            with app.test_request_context():
                session = db.session
                buyer = self.user(session, order.buyer)
                paid = orders.pay_in_sandbox(session, buyer, session.get(Order, order.id), succeed=succeed)
            order.payment_started = True
            self.apply(order, "pay" if succeed else "fail_payment")
            assert paid.status == order.status

        def apply(self, order: ModelOrder, action: str) -> None:
            """The model's side of a legal move."""
            if action in ("cancel", "fail_payment"):
                order.status = "cancelled"
                self.stock[order.product.id] += order.quantity
            elif action == "pay":
                order.status = "paid"
                order.rows = [("buyer_payment", order.buyer, -order.total_cents),
                              ("seller_revenue", order.seller,
                               order.total_cents - order.commission_cents - order.fee_cents)]
                if order.commission_cents:
                    order.rows.append(("creator_commission", order.creator, order.commission_cents))
                if order.fee_cents:
                    order.rows.append(("platform_fee", None, order.fee_cents))
            elif action == "ship":
                order.status, order.ever_shipped = "shipped", True
            elif action == "confirm":
                order.status = "completed"
            elif action == "request_refund":
                order.refund_requested = True
            elif action == "decline_refund":
                order.refund_requested = False
            elif action == "refund":
                if order.status == "paid":
                    self.stock[order.product.id] += order.quantity
                order.status = "refunded"
                order.rows = order.rows + [(REVERSAL[kind], who, -amount) for kind, who, amount in order.rows]
            else:  # pragma: no cover
                raise AssertionError(action)

        # -- buying --

        def place(self, buyer: str, product: ProductSpec, quantity: int, note_choice: str, key: str | None
                  ) -> ModelOrder | None:
            """Place an order through the service and the model; None when it is sold out."""
            note_id, note_author = {"none": (None, None), "first": world.notes[product.id][0],
                                    "second": world.notes[product.id][1]}[note_choice]
            request = {"product_id": product.id, "quantity": quantity, "note_id": note_id, "shipping": SHIPPING}
            with app.test_request_context():
                session = db.session
                call = lambda: orders.place_order(  # noqa: E731
                    session, self.user(session, buyer), idempotency_key=key, **request)
                if self.stock[product.id] < quantity:
                    with pytest.raises(OutOfStock) as refused:
                        call()
                    assert refused.value.status == 409 and refused.value.code == "out_of_stock"
                    event("buy: out of stock")
                    return None  # the invariant checks that nothing changed
                order, created = call()
            assert created
            total = product.price_cents * quantity
            bps = _expected_commission_bps(product, buyer, note_author)
            model = ModelOrder(order.id, product, buyer, note_author, quantity, total,
                               total * bps // 10_000, total * FEE_BPS // 10_000)
            assert (order.status, order.total_cents, order.unit_price_cents, order.currency) == (
                "pending", total, product.price_cents, product.currency)
            assert (order.commission_bps, order.commission_cents, order.platform_fee_cents) == (
                bps, model.commission_cents, model.fee_cents)
            assert order.creator_id == (world.users[note_author] if note_author else None)
            self.orders[order.id] = model
            self.stock[product.id] -= quantity
            if key:
                self.keyed.append((buyer, key, request, order.id))
            event(f"buy: created, commission {'yes' if model.commission_cents else 'no'}")
            return model

        def buyers_of(self, product: ProductSpec) -> list[str]:
            return [name for name in usernames if name != product.seller]

        @initialize(data=st.data(), stages=st.lists(st.sampled_from(list(IN_FLIGHT)), max_size=3))
        def orders_in_flight(self, data, stages):
            """Start examples with orders already along their way, so that a short run reaches the
            later states (shipped, completed, a refund asked for) often."""
            for stage in stages:
                product = data.draw(st.sampled_from(world.products), label="product")
                buyer = data.draw(st.sampled_from(self.buyers_of(product)), label="buyer")
                order = self.place(buyer, product, 1, data.draw(st.sampled_from(["none", "first", "second"])), None)
                if order is None:
                    continue
                if stage != "pending":
                    self.pay_order(order, succeed=True)
                for action in IN_FLIGHT[stage]:
                    self.transition(order, action, "seller" if action in ("ship", "decline_refund") else "buyer")
                event(f"in flight: {stage}")

        @rule(data=st.data(), product_index=st.integers(0, 1), quantity=st.integers(1, 3),
              note_choice=st.sampled_from(["none", "first", "second"]), with_key=st.booleans(),
              mistake=st.sampled_from([None, None, None, None, "own_product", "unrelated_note"]))
        def buy(self, data, product_index, quantity, note_choice, with_key, mistake):
            product = world.products[product_index]
            if mistake:
                self.buy_refused(product, mistake)
                return
            buyer = data.draw(st.sampled_from(self.buyers_of(product)), label="buyer")
            key = None
            if with_key:
                self.key_counter += 1
                key = f"key-{self.key_counter}"
            self.place(buyer, product, quantity, note_choice, key)

        def buy_refused(self, product: ProductSpec, mistake: str) -> None:
            """A seller buying from their own shop, or a buyer through a note about something else."""
            buyer = product.seller if mistake == "own_product" else "buyer2"
            note_id = world.unrelated_note if mistake == "unrelated_note" else None
            with app.test_request_context():
                session = db.session
                with pytest.raises((Conflict, Invalid)) as refused:
                    orders.place_order(session, self.user(session, buyer), product_id=product.id, quantity=1,
                                       note_id=note_id, shipping=SHIPPING)
            expected = (409, "own_product") if mistake == "own_product" else (400, "invalid")
            assert (refused.value.status, refused.value.code) == expected
            event(f"buy: refused, {mistake}")

        @precondition(lambda self: self.keyed)
        @rule(data=st.data())
        def retry_with_the_same_key(self, data):
            """A client retrying a request it already sent gets the same order, whatever happened since."""
            buyer, key, request, order_id = data.draw(st.sampled_from(self.keyed), label="keyed request")
            with app.test_request_context():
                session = db.session
                before = _snapshot(session, order_id)
                order, created = orders.place_order(session, self.user(session, buyer), idempotency_key=key, **request)
                assert (order.id, created) == (order_id, False)
                assert _snapshot(session, order_id) == before

        # -- paying --

        @precondition(lambda self: any(o.status == "pending" for o in self.orders.values()))
        @rule(data=st.data())
        def pay(self, data):
            succeed = data.draw(st.booleans(), label="succeed")
            order = self.orders[data.draw(st.sampled_from(sorted(
                o.id for o in self.orders.values() if o.status == "pending")), label="order")]
            self.pay_order(order, succeed)
            event("pay: succeeded" if succeed else "pay: failed")

        # -- the buyer's and the seller's moves --

        @precondition(lambda self: self.candidates("cancel"))
        @rule(data=st.data())
        def cancel(self, data):
            self.act(data, "cancel")

        # Shipping and confirming take the oldest order that can move (as a warehouse works
        # through its queue) and no arguments: Hypothesis then tries these rules first, which
        # keeps orders moving forward instead of mostly being cancelled or refunded.
        @precondition(lambda self: self.candidates("ship"))
        @rule()
        def ship(self):
            order_id, role = min(self.candidates("ship"))
            self.transition(self.orders[order_id], "ship", role)
            event("ship by seller")

        @precondition(lambda self: self.candidates("confirm"))
        @rule()
        def confirm(self):
            order_id, role = min(self.candidates("confirm"))
            self.transition(self.orders[order_id], "confirm", role)
            event("confirm by buyer")

        @precondition(lambda self: self.candidates("request_refund"))
        @rule(data=st.data())
        def request_refund(self, data):
            self.act(data, "request_refund")

        @precondition(lambda self: self.candidates("refund"))
        @rule(data=st.data())
        def refund(self, data):
            self.act(data, "refund")

        @precondition(lambda self: self.candidates("decline_refund"))
        @rule(data=st.data())
        def decline_refund(self, data):
            self.act(data, "decline_refund")

        # -- the clock --

        @precondition(lambda self: any(o.status == "pending" or (o.status == "shipped" and not o.refund_requested)
                                       for o in self.orders.values()))
        @rule(days=st.integers(11, 1000))
        def sweep_far_future(self, days):
            expected = {"cancelled": 0, "completed": 0}
            for order in self.orders.values():
                if order.status == "pending":
                    self.apply(order, "cancel")
                    expected["cancelled"] += 1
                elif order.status == "shipped" and not order.refund_requested:
                    self.apply(order, "confirm")
                    expected["completed"] += 1
            with app.app_context():
                # Nothing is due yet (every order was made moments ago), then everything is.
                assert orders.sweep_orders(db.session) == {"cancelled": 0, "completed": 0}
                assert orders.sweep_orders(db.session, now=utcnow() + timedelta(days=days)) == expected
            event(f"sweep: cancelled {min(expected['cancelled'], 2)}+, completed {min(expected['completed'], 2)}+")

        # -- what must be refused --

        @staticmethod
        def illegal_moves(order: ModelOrder) -> list[tuple[str, str]]:
            """What the order's buyer and seller may not do to it now."""
            return [(action, role) for action in (*USER_ACTIONS, "pay") for role in ("buyer", "seller")
                    if not (_legal(order, action, role) or (
                        action == "pay" and role == "buyer" and order.status == "pending"))]

        # Two arguments, so Hypothesis orders this rule after the one-argument moves: it prefers
        # rules early in its list when it falls back from rejection sampling, and this one is
        # always available.
        @precondition(lambda self: self.orders)
        @rule(data=st.data(), by_a_stranger=st.sampled_from([False, False, False, True]))
        def illegal_attempt(self, data, by_a_stranger):
            order = self.orders[data.draw(st.sampled_from(sorted(self.orders)), label="order")]
            if by_a_stranger:
                action, role = data.draw(st.sampled_from((*USER_ACTIONS, "pay")), label="action"), "stranger"
            else:
                action, role = data.draw(st.sampled_from(self.illegal_moves(order)), label="action, role")
            event(f"illegal: {action} by {role}")
            with app.test_request_context():
                session = db.session
                before = _snapshot(session, order.id)
                if role == "stranger":
                    outsider = next(n for n in usernames if n not in (order.buyer, order.seller))
                    actor = self.user(session, outsider)
                else:
                    actor = self.user(session, order.role_user(role))
                if action == "pay":
                    pay = lambda: orders.pay_in_sandbox(  # noqa: E731
                        session, actor, session.get(Order, order.id), succeed=True)
                    if role != "buyer":
                        with pytest.raises(Forbidden):
                            pay()
                    elif order.payment_started:
                        # The provider answers for a payment that no longer applies: ignored, no change.
                        assert pay().status == order.status
                    else:
                        with pytest.raises(Conflict) as refused:
                            pay()
                        assert refused.value.status == 409 and refused.value.code == "not_pending"
                elif role == "stranger":
                    with pytest.raises(NotFound):
                        orders.transition_order(session, actor, order.id, action)
                else:
                    # Another party's move is 403; one's own move at the wrong time is 409.
                    expected = Conflict if (action, role) in MOVES else Forbidden
                    with pytest.raises(expected) as refused:
                        orders.transition_order(session, actor, order.id, action, reason="試試看")
                    assert refused.value.status == (409 if expected is Conflict else 403)
                    assert refused.value.code == "illegal_transition"
                session.rollback()
                assert _snapshot(session, order.id) == before

        # -- what must always hold --

        @invariant()
        def database_agrees_with_the_model(self):
            with app.app_context():
                session = db.session
                self.check_orders(session)
                self.check_ledger(session)
                self.check_balances(session)
                self.check_stock(session)

        def check_orders(self, session):
            rows = session.execute(select(Order.id, Order.status, Order.refund_requested_at.is_not(None))).all()
            assert {row[0]: (row[1], row[2]) for row in rows} == {
                o.id: (o.status, o.refund_requested) for o in self.orders.values()}

        def check_ledger(self, session):
            entries = session.execute(select(LedgerEntry.order_id, LedgerEntry.kind, LedgerEntry.user_id,
                                             LedgerEntry.amount_cents, LedgerEntry.currency)).all()
            actual = defaultdict(list)
            for order_id, kind, user_id, amount, currency in entries:
                assert currency == self.orders[order_id].product.currency
                actual[order_id].append((kind, user_names_by_id.get(user_id), amount))
            expected = {o.id: sorted(o.rows) for o in self.orders.values() if o.rows}
            assert {order_id: sorted(rows) for order_id, rows in actual.items()} == expected
            # The same, asked of the database directly.
            assert session.execute(text(
                "SELECT order_id FROM ledger_entries GROUP BY order_id HAVING SUM(amount_cents) <> 0")).all() == []
            assert session.execute(text(
                "SELECT order_id, kind FROM ledger_entries GROUP BY order_id, kind HAVING COUNT(*) > 1")).all() == []

        def check_balances(self, session):
            expected = defaultdict(lambda: {"earned": 0, "pending": 0, "spent": 0})
            for order in self.orders.values():
                for kind, who, amount in order.rows:
                    if who is None:
                        continue
                    balance = expected[(who, order.product.currency)]
                    if kind in EARNING:
                        balance["earned"] += amount
                        if order.status in ("paid", "shipped"):
                            balance["pending"] += amount
                    elif kind in SPENDING:
                        balance["spent"] -= amount
            raw = {
                (user_names_by_id[user_id], currency): (earned, spent)
                for user_id, currency, earned, spent in session.execute(text(
                    "SELECT user_id, currency,"
                    " SUM(CASE WHEN kind IN ('seller_revenue', 'creator_commission', 'seller_revenue_reversal',"
                    " 'creator_commission_reversal') THEN amount_cents ELSE 0 END),"
                    " -SUM(CASE WHEN kind IN ('buyer_payment', 'buyer_refund') THEN amount_cents ELSE 0 END)"
                    " FROM ledger_entries WHERE user_id IS NOT NULL GROUP BY user_id, currency"))
            }
            for name, user_id in world.users.items():
                actual = {b.currency: (b.earned_cents, b.pending_cents, b.spent_cents)
                          for b in orders.get_balances(session, session.get(User, user_id))}
                mine = {currency: (b["earned"], b["pending"], b["spent"])
                        for (who, currency), b in expected.items() if who == name}
                assert actual == mine, name
                assert {c: (e, s) for c, (e, _p, s) in actual.items()} == {
                    currency: value for (who, currency), value in raw.items() if who == name}, name
            platform = session.execute(text(
                "SELECT currency, SUM(amount_cents) FROM ledger_entries WHERE user_id IS NULL GROUP BY currency")).all()
            fees = defaultdict(int)
            for order in self.orders.values():
                for _kind, who, amount in order.rows:
                    if who is None:
                        fees[order.product.currency] += amount
            assert dict(platform) == dict(fees)

        def check_stock(self, session):
            for product in world.products:
                stock, sold = session.execute(select(Product.stock, Product.sold_count)
                                              .where(Product.id == product.id)).one()
                mine = [o for o in self.orders.values() if o.product.id == product.id]
                held = sum(o.quantity for o in mine if o.status in HOLDS_STOCK)
                shipped_then_refunded = sum(o.quantity for o in mine if o.status == "refunded" and o.ever_shipped)
                assert stock == self.stock[product.id] == product.stock - held - shipped_then_refunded >= 0
                assert sold == sum(o.quantity for o in mine if o.status in ("paid", "shipped", "completed"))

    return OrdersMachine


def test_orders_money_and_stock_stay_consistent_under_random_operations(app, make_user, make_note, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_FEE_BPS", FEE_BPS)
    world = _build_world(app, make_user, make_note)
    run_state_machine_as_test(_machine(app, world), settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    ))


# ---- the sweeper on its own ----

@pytest.fixture
def shop(app, make_user):
    seller, buyer = make_user("sweep_seller"), make_user("sweep_buyer")
    with app.app_context():
        product = catalog.create_product(db.session, seller, name="露營椅", price_cents=2000, stock=5)
    return {"seller": seller, "buyer": buyer, "product_id": product.id}


def _place(app, shop, quantity=1):
    with app.app_context():
        order, _created = orders.place_order(db.session, shop["buyer"], product_id=shop["product_id"],
                                             quantity=quantity, shipping=SHIPPING)
        return order.id


def _pay_and_ship(app, shop, order_id):
    with app.test_request_context():
        session = db.session
        orders.pay_in_sandbox(session, shop["buyer"], session.get(Order, order_id), succeed=True)
        orders.transition_order(session, shop["seller"], order_id, "ship", tracking="SF1")


def _order(app, order_id) -> Order:
    with app.app_context():
        return db.session.get(Order, order_id)


def _stock(app, product_id) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def test_sweep_expires_unpaid_orders_after_the_timeout_and_returns_their_stock(app, shop, monkeypatch):
    monkeypatch.setitem(app.config, "ORDER_PAYMENT_TIMEOUT_MINUTES", 15)
    order_id = _place(app, shop, quantity=3)
    created = _order(app, order_id).created_at
    assert _stock(app, shop["product_id"]) == 2
    with app.app_context():
        assert orders.sweep_orders(db.session, now=created + timedelta(minutes=14)) == {"cancelled": 0,
                                                                                         "completed": 0}
    assert _order(app, order_id).status == "pending"
    with app.app_context():
        assert orders.sweep_orders(db.session, now=created + timedelta(minutes=16)) == {"cancelled": 1,
                                                                                         "completed": 0}
    order = _order(app, order_id)
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert _stock(app, shop["product_id"]) == 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
        # Run again (another worker, the next tick): nothing left to do, the stock is not returned twice.
        assert orders.sweep_orders(db.session, now=created + timedelta(days=1)) == {"cancelled": 0, "completed": 0}
    assert _stock(app, shop["product_id"]) == 5


def test_sweep_leaves_paid_orders_and_cancels_only_the_unpaid(app, shop):
    paid_id, unpaid_id = _place(app, shop), _place(app, shop)
    with app.test_request_context():
        orders.pay_in_sandbox(db.session, shop["buyer"], db.session.get(Order, paid_id), succeed=True)
        assert orders.sweep_orders(db.session, now=utcnow() + timedelta(days=365)) == {"cancelled": 1,
                                                                                        "completed": 0}
    assert (_order(app, paid_id).status, _order(app, unpaid_id).status) == ("paid", "cancelled")
    assert _stock(app, shop["product_id"]) == 4


def test_sweep_completes_shipped_orders_after_the_auto_complete_days(app, shop):
    order_id = _place(app, shop, quantity=2)
    _pay_and_ship(app, shop, order_id)
    shipped_at = _order(app, order_id).shipped_at
    days = app.config["ORDER_AUTO_COMPLETE_DAYS"]
    with app.app_context():
        assert orders.sweep_orders(db.session, now=shipped_at + timedelta(days=days - 1)) == {"cancelled": 0,
                                                                                                "completed": 0}
        [balance] = orders.get_balances(db.session, shop["seller"])
        assert (balance.earned_cents, balance.pending_cents, balance.available_cents) == (4000, 4000, 0)
        assert orders.sweep_orders(db.session, now=shipped_at + timedelta(days=days + 1)) == {"cancelled": 0,
                                                                                                "completed": 1}
        order = db.session.get(Order, order_id, populate_existing=True)
        assert order.status == "completed" and order.completed_at is not None
        # Completing moves the money from pending to available and writes no new rows.
        [balance] = orders.get_balances(db.session, shop["seller"])
        assert (balance.earned_cents, balance.pending_cents, balance.available_cents) == (4000, 0, 4000)
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    assert _stock(app, shop["product_id"]) == 3  # a completed sale keeps its units sold


def test_sweep_does_not_complete_a_shipped_order_with_an_open_refund_request(app, shop):
    order_id = _place(app, shop)
    _pay_and_ship(app, shop, order_id)
    with app.app_context():
        orders.transition_order(db.session, shop["buyer"], order_id, "request_refund", reason="壞了")
        assert orders.sweep_orders(db.session, now=utcnow() + timedelta(days=400)) == {"cancelled": 0,
                                                                                        "completed": 0}
    assert _order(app, order_id).status == "shipped"
