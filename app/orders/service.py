"""Order use cases: place (idempotent, never oversold), pay through a provider's signed webhook,
move through the state machine, and the ledger every money movement writes.

Stock is taken by one conditional UPDATE in the same transaction as the order row, so two
buyers can never both get the last unit: on SQLite the transaction holds the write lock from
BEGIN IMMEDIATE; on PostgreSQL the UPDATE locks the product row and re-checks ``stock >= n``
after the lock, and the CHECK (stock >= 0) backs both.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.accounts.service import clean_text
from app.catalog import service as catalog
from app.catalog.models import Product, Shop
from app.db import insert_ignore, utcnow, write_transaction
from app.errors import AppError, Conflict, Forbidden, Invalid, NotFound, OutOfStock, Unprocessable
from app.notes.models import Note
from app.orders import ledger, payments, states
from app.orders.models import LedgerEntry, Order, PaymentEvent
from app.pagination import MAX_ID, Page, newest_by_id
from app.search import outbox as search
from app.sharing import groups

IDEMPOTENCY_KEY_MAX = 100
# Digits with the usual separators and an optional country code: 0912-345-678, +86 138 0013 8000.
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,28}$")


# ---- placing an order ----

@dataclass(frozen=True)
class Shipping:
    name: str = ""
    phone: str = ""
    address: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "phone": self.phone, "address": self.address}


def validate_shipping(value, *, required: bool) -> Shipping | None:
    """``{"name", "phone", "address"}``; None when not given and not required."""
    if value in (None, {}) and not required:
        return None
    if not isinstance(value, dict):
        raise Invalid(_l("Give a name, phone number and address for delivery."), fields={"shipping": _l("Required.")})
    errors, clean = {}, {}
    for field, limit, multiline in (("name", 40, False), ("phone", 30, False), ("address", 300, True)):
        raw = value.get(field)
        text = clean_text(raw, multiline=multiline) if isinstance(raw, str) else ""
        if not text:
            errors[field] = _l("Required.")
        elif len(text) > limit:
            errors[field] = _l("At most %(max)d characters.", max=limit)
        clean[field] = text
    if "phone" not in errors and not _PHONE.match(clean["phone"]):
        errors["phone"] = _l("Enter a phone number the courier can call.")
    if errors:
        raise Invalid(_l("Give a name, phone number and address for delivery."), fields=errors)
    return Shipping(**clean)


def last_shipping(session: Session, buyer: User) -> Shipping | None:
    """Where the buyer's last order went: the checkout form starts from it."""
    order = session.scalar(
        select(Order).where(Order.buyer_id == buyer.id, Order.shipping_address != "")
        .order_by(Order.id.desc()).limit(1)
    )
    return Shipping(order.recipient_name, order.recipient_phone, order.shipping_address) if order else None


def unpaid_order(session: Session, buyer: User, product_id: int) -> Order | None:
    """An order of this product the buyer placed and has not paid yet: checkout offers it
    instead of a second one (a Back button and a second tap must not buy twice)."""
    return session.scalar(
        select(Order).where(Order.buyer_id == buyer.id, Order.product_id == product_id, Order.status == "pending")
        .order_by(Order.id.desc()).limit(1)
    )


def _check_key(key) -> str | None:
    if key in (None, ""):
        return None
    if not isinstance(key, str) or len(key) > IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise Invalid(_l("The Idempotency-Key must be up to %(max)d printable ASCII characters.",
                         max=IDEMPOTENCY_KEY_MAX), code="invalid_idempotency_key")
    return key


def _fingerprint(product_id, quantity, note_id, shipping: Shipping | None, extras: list) -> str:
    body = {"product": product_id, "quantity": quantity, "note": note_id,
            "shipping": shipping.as_dict() if shipping else None}
    if any(extras):  # orders without extras keep the fingerprint they always had
        body["extras"] = extras
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _replay(session: Session, buyer: User, key: str, fingerprint: str) -> Order | None:
    order = session.scalar(select(Order).where(Order.buyer_id == buyer.id, Order.idempotency_key == key))
    if order is not None and order.request_hash != fingerprint:
        raise Unprocessable(_l("This Idempotency-Key was already used for a different order."),
                            code="idempotency_key_reused")
    return order


def _int_field(value, name: str, *, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(_l("%(name)s must be a whole number from %(low)d to %(high)d.", name=name, low=low, high=high),
                      fields={name: _l("From %(low)d to %(high)d.", low=low, high=high)})
    return value


def _note_credit(session: Session, note_id, product: Product, buyer: User):
    """The note a purchase came through, its author, and whether the author sells the product."""
    from app.notes.service import get_actionable_note

    if note_id is None:
        return None, None, False
    note_id = _int_field(note_id, "note", low=1, high=MAX_ID)
    try:
        note = get_actionable_note(session, note_id)
    except NotFound:
        raise Invalid(_l("That note is not available."), fields={"note": _l("Unknown note.")}) from None
    if note.product_id != product.id:
        raise Invalid(_l("That note does not link this product."), fields={"note": _l("Wrong product.")})
    author_sells = bool(session.scalar(select(catalog.works_for(note.author_id, product.shop_id))))
    return note.id, note.author_id, author_sells


@dataclass(frozen=True)
class Extras:
    """What checkout adds to a plain order: the share link it came through, credit and a voucher
    to pay with, and a group to start or join."""

    share_link: object | None = None  # app.sharing.models.ShareLink
    use_credit: bool = False
    voucher_id: object = None
    start_group: bool = False
    group_id: object = None


def place_order(session: Session, buyer: User, *, product_id, quantity, note_id=None, shipping=None,
                shipping_required: bool = False, idempotency_key=None, extras: Extras = Extras()) -> tuple[Order, bool]:
    """A pending order holding its stock (or its seat in a group). Returns (order, created); with
    an idempotency key already used for the same request it returns the first order and
    created=False."""
    key = _check_key(idempotency_key)
    product_id = _int_field(product_id, "product", low=1, high=MAX_ID)
    errors: dict = {}  # quantity and address reported together, so a form is fixed in one go
    try:
        quantity = _int_field(quantity, "quantity", low=1, high=current_app.config["ORDER_MAX_QUANTITY"])
    except Invalid as error:
        errors.update(error.fields)
    try:
        given = validate_shipping(shipping, required=shipping_required)
    except Invalid as error:
        errors.update(error.fields)
    grouped = extras.start_group or extras.group_id is not None
    if grouped and "quantity" not in errors and quantity != 1:
        errors["quantity"] = _l("A group buy is one item per member.")
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    address = given or last_shipping(session, buyer)
    voucher_id = None if extras.voucher_id in (None, "") else _int_field(extras.voucher_id, "voucher", low=1,
                                                                         high=MAX_ID)
    group_id = None if extras.group_id is None else _int_field(extras.group_id, "group", low=1, high=MAX_ID)
    fingerprint = _fingerprint(product_id, quantity, note_id, given,
                               [extras.use_credit, voucher_id, extras.start_group, group_id])
    if key and (earlier := _replay(session, buyer, key, fingerprint)):
        return earlier, False
    product = catalog.get_buyable_product(session, product_id)
    catalog.ensure_not_own(session, buyer, product)
    note_id, creator_id, author_sells = _note_credit(session, note_id, product, buyer)
    link = extras.share_link if extras.share_link is not None and extras.share_link.sharer_id != buyer.id else None
    try:
        with write_transaction(session):
            if key and (earlier := _replay(session, buyer, key, fingerprint)):
                return earlier, False
            now = utcnow()
            if grouped:
                # A seat in a group: the unit comes from the group's reserve, at the group price.
                group = (groups.open_group(session, buyer, product, now) if extras.start_group
                         else groups.take_seat(session, buyer, group_id, product.id, now))
                price_cents, currency = group.unit_price_cents, group.currency
                commission_bps = session.scalar(select(Product.commission_bps).where(Product.id == product.id))
            else:
                group = None
                taken = session.execute(
                    update(Product)
                    .where(Product.id == product.id, Product.stock >= quantity, Product.is_listed.is_(True))
                    .values(stock=Product.stock - quantity)
                    .returning(Product.price_cents, Product.currency, Product.commission_bps)
                ).first()
                if taken is None:
                    # PostgreSQL: a retry with the same key waited on the row lock behind the first
                    # request, which took the last units; this statement now sees its order.
                    if key and (earlier := _replay(session, buyer, key, fingerprint)):
                        return earlier, False
                    left = session.scalar(select(Product.stock).where(Product.id == product.id))
                    raise OutOfStock(_l("Sorry, only %(count)d left.", count=left) if left else None)
                # The price and rate read under the row lock, not the ones loaded before it.
                price_cents, currency, commission_bps = taken
            commission_bps = ledger.creator_commission_bps(commission_bps, author_id=creator_id, buyer_id=buyer.id,
                                                           author_sells=author_sells)
            money = ledger.split(price_cents, quantity, commission_bps, current_app.config["PLATFORM_FEE_BPS"])
            order = Order(
                buyer_id=buyer.id, product_id=product.id, shop_id=product.shop_id, note_id=note_id,
                creator_id=creator_id, referrer_id=link.sharer_id if link else None,
                share_link_id=link.id if link else None, group_id=group.id if group else None,
                quantity=quantity, unit_price_cents=price_cents,
                total_cents=money.total_cents, currency=currency,
                commission_bps=commission_bps,
                commission_cents=money.commission_cents, platform_fee_cents=money.platform_fee_cents,
                status="pending", recipient_name=address.name if address else "",
                recipient_phone=address.phone if address else "",
                shipping_address=address.address if address else "", idempotency_key=key,
                request_hash=fingerprint if key else None, created_at=now, updated_at=now,
            )
            session.add(order)
            session.flush()
            if voucher_id is not None:
                order.discount_cents = _hold_voucher(session, buyer, order, voucher_id)
            if extras.use_credit:
                order.credit_cents = _hold_credit(session, buyer, order)
            if group is not None:
                groups.add_member(session, group, buyer, order, now)
            search.mark_product(session, product.id)  # stock
            session.flush()
    except IntegrityError:
        # A concurrent request with the same key won the race (PostgreSQL: the unique index).
        if key and (earlier := _replay(session, buyer, key, fingerprint)):
            return earlier, False
        if grouped:
            raise Conflict(_l("You are already in this group."), code="already_in_group") from None
        raise
    return order, True


def _hold_voucher(session: Session, buyer: User, order: Order, voucher_id: int) -> int:
    """Mark the voucher as used by this order (one conditional UPDATE: two orders cannot both
    take it) and return its discount."""
    from app.sharing.models import Voucher

    voucher = session.scalar(
        update(Voucher)
        .where(Voucher.id == voucher_id, Voucher.user_id == buyer.id, Voucher.used_order_id.is_(None),
               Voucher.expires_at > utcnow(), Voucher.currency == order.currency,
               Voucher.min_spend_cents <= order.total_cents)
        .values(used_order_id=order.id)
        .returning(Voucher.amount_cents)
    )
    if voucher is None:
        raise Invalid(_l("That voucher cannot be used for this order."), fields={"voucher": _l("Not usable.")},
                      code="voucher_unusable")
    return min(voucher, order.total_cents)


def _hold_credit(session: Session, buyer: User, order: Order) -> int:
    """As much credit as the order still needs. The buyer's row is locked so two checkouts at
    once cannot both spend the same credit (SQLite already holds the write lock)."""
    from app.sharing.service import credit_balance

    session.execute(select(User.id).where(User.id == buyer.id).with_for_update())
    available = credit_balance(session, buyer, order.currency)  # this order holds nothing yet
    return max(0, min(available, order.total_cents - order.discount_cents))


# ---- payment ----

def start_payment(session: Session, buyer: User, order: Order) -> str | None:
    """Where to send the buyer to pay: the provider's page (the sandbox's is ours); None when
    the order needed no payment and is now paid."""
    if order.buyer_id != buyer.id:
        raise Forbidden(_l("This is not your order."))
    if order.status != "pending":
        raise Conflict(_l("This order is not waiting for payment."), code="not_pending")
    if order.amount_due_cents == 0:
        # Credit and a voucher cover it all: nothing for a provider to charge.
        with write_transaction(session):
            locked = session.scalar(select(Order).where(Order.id == order.id).with_for_update())
            apply_action(session, locked, "pay", states.SYSTEM)
        return None
    provider = payments.get_provider()
    if order.payment_ref is None:
        with write_transaction(session):
            order.payment_provider, order.payment_ref = provider.name, provider.new_payment_ref()
    return provider.checkout_url(order)


def pay_in_sandbox(session: Session, buyer: User, order: Order, *, succeed: bool) -> Order:
    """The sandbox 'bank' answering: it sends its signed webhook through the real path."""
    if order.buyer_id != buyer.id:
        raise Forbidden(_l("This is not your order."))
    provider = payments.get_provider("sandbox")
    if order.payment_provider != provider.name or order.payment_ref is None:
        start_payment(session, buyer, order)
    body, headers = provider.simulate(order, succeed)
    receive_webhook(session, provider.name, body, headers)
    return get_order(session, order.id, buyer)


def receive_webhook(session: Session, provider_name: str, body: bytes, headers) -> str:
    """Verify and apply one provider event. Returns "applied", "ignored" (the order had moved
    on) or "duplicate" (this event id was processed before: replays do nothing)."""
    provider = payments.get_provider(provider_name)
    event = provider.verify_request(body, headers)
    with write_transaction(session):
        if not insert_ignore(session, PaymentEvent, {
            "provider": provider.name, "event_id": event.event_id, "kind": event.kind,
            "payload": body.decode("utf-8", "replace")[:4000], "received_at": utcnow(),
        }):
            return "duplicate"
        order = session.scalar(
            select(Order).where(Order.payment_provider == provider.name, Order.payment_ref == event.payment_ref)
            .with_for_update()
        )
        if order is None:
            raise NotFound(_l("No order has that payment reference."), code="unknown_payment")
        session.execute(update(PaymentEvent).where(PaymentEvent.provider == provider.name,
                                                   PaymentEvent.event_id == event.event_id)
                        .values(order_id=order.id))
        if (event.amount_cents, event.currency) != (order.amount_due_cents, order.currency):
            raise Invalid(_l("The amount paid does not match the order."), code="amount_mismatch")
        if order.status != "pending":
            if event.kind == "payment.succeeded" and order.status == "cancelled":
                # Money arrived for an order that timed out: it must go back through the provider.
                current_app.logger.error("payment %s for cancelled order %s needs a refund at %s",
                                         event.event_id, order.id, provider.name)
            return "ignored"
        apply_action(session, order, "pay" if event.kind == "payment.succeeded" else "fail_payment", states.SYSTEM)
    return "applied"


# ---- the state machine, applied ----

ILLEGAL_MESSAGES = {
    "wrong_state": _l("This order cannot do that in its current state."),
    "not_your_action": _l("That is not yours to do on this order."),
    "no_refund_request": _l("There is no refund request to decline."),
    "refund_requested": _l("A refund request is waiting for the seller's answer."),
    "unknown_action": _l("Unknown order action."),
}


# Who hears about each move, besides whoever made it.
NOTIFY = {
    "pay": (("seller", "order_paid"), ("creator", "commission")),
    "ship": (("buyer", "order_shipped"),),
    "cancel": (("buyer", "order_cancelled"), ("seller", "order_cancelled")),
    "request_refund": (("seller", "refund_requested"),),
    "refund": (("buyer", "order_refunded"),),
    "decline_refund": (("buyer", "refund_declined"),),
}


def _notify(session: Session, order: Order, action: str, actor_id: int | None, seller_id: int) -> None:
    from app.social.service import notify

    people = {"buyer": order.buyer_id, "seller": seller_id,
              "creator": order.creator_id if order.commission_cents else None}
    for who, kind in NOTIFY.get(action, ()):
        if people[who] is not None:
            notify(session, recipient_id=people[who], actor_id=actor_id, kind=kind, order_id=order.id,
                   note_id=order.note_id if kind == "commission" else None)


def apply_action(session: Session, order: Order, action: str, actor: str, *, reason: str | None = None,
           tracking: str | None = None, actor_id: int | None = None) -> None:
    """Inside a transaction, with the order row locked: move it and write the side effects."""
    try:
        target = states.next_status(order.status, action, actor, refund_requested=order.refund_requested_at is not None)
    except states.IllegalTransition as error:
        kind = Forbidden if error.reason == "not_your_action" else Conflict
        raise kind(ILLEGAL_MESSAGES[error.reason], code="illegal_transition") from None
    now = utcnow()
    previous = order.status
    _check_refund_window(order, action, now)
    group = groups.check_action(session, order, action) if order.group_id else None
    # A group's units stay in its reserve until it fills; only then are they the orders' own.
    owns_units = group is None or group.status == "filled"
    seller_id = session.scalar(select(Shop.owner_id).where(Shop.id == order.shop_id))
    if action == "pay":
        order.paid_at = now
        _write_rows(session, order, _payment_rows(order, seller_id), now)
        _count_sold(session, order, +1)
    elif action in ("cancel", "fail_payment"):
        order.cancelled_at = now
        if owns_units:
            _restock(session, order)
        _release_voucher(session, order)
    elif action == "ship":
        order.shipped_at, order.tracking_number = now, tracking
    elif action == "confirm":
        order.completed_at = now
    elif action == "request_refund":
        order.refund_requested_at, order.refund_reason = now, reason
    elif action == "decline_refund":
        order.refund_requested_at = None
    elif action == "refund":
        order.refunded_at = now
        _write_rows(session, order, ledger.refund_rows(_payment_rows(order, seller_id)), now)
        _count_sold(session, order, -1)
        if previous == "paid" and owns_units:  # nothing left the warehouse: the units are for sale again
            _restock(session, order)
        _release_voucher(session, order)
    order.status, order.updated_at = target, now
    if group is not None:
        groups.after_action(session, group, order, action, now)
    search.mark_product(session, order.product_id)  # stock and units sold
    if "completed" in (previous, target):  # the buyer's reviews of it gain or lose 已購買
        search.mark_changed(session, "notes", select(Note.id).where(Note.author_id == order.buyer_id,
                                                                   Note.product_id == order.product_id))
    # A payment is the buyer's doing, though the provider reports it.
    _notify(session, order, action, order.buyer_id if action == "pay" else actor_id, seller_id)


def _check_refund_window(order: Order, action: str, now) -> None:
    """A completed order can be refunded for REFUND_WINDOW_DAYS; after that it is settled
    (rewards on it are paid then) and a refund is a matter for support, not the buttons."""
    closes = refund_window_closes(order)
    if action in ("request_refund", "refund") and closes is not None and now > closes:
        raise Conflict(_l("The refund window for this order has closed."), code="refund_window_closed")


def refund_window_closes(order: Order):
    """When a completed order stops being refundable; None for an order not completed."""
    if order.status != "completed" or order.completed_at is None:
        return None
    return order.completed_at + timedelta(days=current_app.config["REFUND_WINDOW_DAYS"])


def _payment_rows(order: Order, seller_id: int) -> list[ledger.Row]:
    money = ledger.Split(order.total_cents, order.commission_cents, order.platform_fee_cents)
    return ledger.payment_rows(buyer_id=order.buyer_id, seller_id=seller_id, creator_id=order.creator_id, money=money,
                               credit_cents=order.credit_cents, discount_cents=order.discount_cents)


def _release_voucher(session: Session, order: Order) -> None:
    """A cancelled or refunded order gives its voucher back."""
    if order.discount_cents:
        from app.sharing.models import Voucher

        session.execute(update(Voucher).where(Voucher.used_order_id == order.id).values(used_order_id=None))


def _write_rows(session: Session, order: Order, rows: list[ledger.Row], now) -> None:
    for row in rows:
        session.add(LedgerEntry(order_id=order.id, user_id=row.user_id, kind=row.kind, amount_cents=row.amount_cents,
                                currency=order.currency, created_at=now))


def _restock(session: Session, order: Order) -> None:
    session.execute(update(Product).where(Product.id == order.product_id).values(stock=Product.stock + order.quantity))


def _count_sold(session: Session, order: Order, sign: int) -> None:
    session.execute(update(Product).where(Product.id == order.product_id)
                    .values(sold_count=Product.sold_count + sign * order.quantity))


def role_of(session: Session, user: User, order: Order) -> str | None:
    if user.id == order.buyer_id:
        return states.BUYER
    if catalog.can_sell(session, user, order.shop_id):
        return states.SELLER
    return None


def transition_order(session: Session, actor: User, order_id: int, action: str, *, reason=None, tracking=None
                     ) -> Order:
    """A buyer or seller acting on an order (cancel, ship, confirm, request_refund, refund,
    decline_refund). Illegal moves are a 409 that says why."""
    if action not in states.USER_ACTIONS:
        raise NotFound(_l("Unknown order action."), code="unknown_action")
    reason = clean_text(reason)[:300] if isinstance(reason, str) else None
    tracking = clean_text(tracking)[:60] if isinstance(tracking, str) else None
    with write_transaction(session):
        order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
        role = role_of(session, actor, order) if order else None
        if role is None:
            raise NotFound(_l("This order does not exist."))
        # Both sides of an order see the same states; acting as the buyer wins for a seller's own purchase.
        apply_action(session, order, action, role, reason=reason, tracking=tracking, actor_id=actor.id)
    return get_order(session, order_id, actor)


def sweep_orders(session: Session, now=None) -> dict[str, int]:
    """The clock's part: cancel orders left unpaid past the timeout (their stock returns) and
    complete shipped orders the buyer never confirmed. Safe to run from several workers."""
    now = now or utcnow()
    config = current_app.config
    due = {
        "cancel": select(Order.id).where(
            Order.status == "pending",
            Order.created_at < now - timedelta(minutes=config["ORDER_PAYMENT_TIMEOUT_MINUTES"])),
        "confirm": select(Order.id).where(
            Order.status == "shipped", Order.refund_requested_at.is_(None),
            Order.shipped_at < now - timedelta(days=config["ORDER_AUTO_COMPLETE_DAYS"])),
    }
    done = {"cancelled": 0, "completed": 0}
    for action, query in due.items():
        for order_id in list(session.scalars(query)):
            try:
                with write_transaction(session):
                    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
                    apply_action(session, order, action, states.SYSTEM)
            except AppError:
                continue  # someone else moved it first
            done["cancelled" if action == "cancel" else "completed"] += 1
    return done


# ---- reads ----

def _order_query():
    return select(Order).options(
        selectinload(Order.product).selectinload(Product.images), selectinload(Order.shop).selectinload(Shop.owner),
        selectinload(Order.buyer), selectinload(Order.creator),
    )


def get_order(session: Session, order_id: int, viewer: User) -> Order:
    """The buyer and the shop's people see an order; to anyone else it does not exist."""
    order = session.scalar(_order_query().where(Order.id == order_id))
    if order is None or role_of(session, viewer, order) is None:
        raise NotFound(_l("This order does not exist."))
    return order


def list_orders(session: Session, viewer: User, *, role: str = "buyer", status: str | None = None,
                cursor: str | None = None, limit: int = 20) -> Page:
    query = _order_query()
    if role == "buyer":
        query = query.where(Order.buyer_id == viewer.id)
    elif role == "seller":
        query = query.where(catalog.works_for(viewer.id, Order.shop_id))
    else:
        raise Invalid(_l("Role is buyer or seller."), fields={"role": _l("buyer or seller")})
    if status:
        if status not in states.STATUSES:
            raise Invalid(_l("Unknown order status."), fields={"status": ", ".join(states.STATUSES)})
        query = query.where(Order.status == status)
    return newest_by_id(session, query, Order.id, cursor, limit)


def list_ledger(session: Session, user: User, *, cursor: str | None = None, limit: int = 50) -> Page:
    query = select(LedgerEntry).where(LedgerEntry.user_id == user.id).options(
        selectinload(LedgerEntry.order).selectinload(Order.product))
    return newest_by_id(session, query, LedgerEntry.id, cursor, limit)


@dataclass
class Balance:
    currency: str
    earned_cents: int  # seller revenue and creator commission, net of reversals
    pending_cents: int  # the part of it from orders not yet completed (could still be refunded)
    spent_cents: int  # paid as a buyer, net of refunds

    @property
    def available_cents(self) -> int:
        return self.earned_cents - self.pending_cents


def get_balances(session: Session, user: User) -> list[Balance]:
    """Sums of the ledger, nothing else: per currency, what was earned and what was spent."""
    earning = LedgerEntry.kind.in_(ledger.EARNING_KINDS)
    spending = LedgerEntry.kind.in_(ledger.SPENDING_KINDS)
    unsettled = Order.status.in_(("paid", "shipped"))
    rows = session.execute(
        select(
            LedgerEntry.currency,
            func.coalesce(func.sum(LedgerEntry.amount_cents).filter(earning), 0),
            func.coalesce(func.sum(LedgerEntry.amount_cents).filter(earning & unsettled), 0),
            func.coalesce(func.sum(LedgerEntry.amount_cents).filter(spending), 0),
        )
        .join(Order, Order.id == LedgerEntry.order_id)
        .where(LedgerEntry.user_id == user.id)
        .group_by(LedgerEntry.currency)
        .order_by(LedgerEntry.currency)
    )
    return [Balance(currency, earned, pending, -spent) for currency, earned, pending, spent in rows]


def order_earnings(session: Session, order: Order) -> list[LedgerEntry]:
    """Who earned what on one order: shown to its buyer and seller."""
    return list(session.scalars(
        select(LedgerEntry).where(LedgerEntry.order_id == order.id).order_by(LedgerEntry.id)
    ))


def verified_note_ids(session: Session, notes) -> set[int]:
    """Notes whose author bought the linked product here and kept it (a completed order)."""
    ids = [n.id for n in notes if n.product_id]
    if not ids:
        return set()
    return set(session.scalars(select(Note.id).where(Note.id.in_(ids), _author_bought_and_kept())))


def _author_bought_and_kept():
    """SQL condition on Note: its author has a completed order for the product it links."""
    return exists().where(Order.buyer_id == Note.author_id, Order.product_id == Note.product_id,
                          Order.status == "completed")


@dataclass
class RatingSummary:
    verified_count: int
    verified_average: float | None
    other_count: int
    other_average: float | None


def rating_summary(session: Session, product: Product) -> RatingSummary:
    """Ratings of public notes about the product, verified purchases apart from the rest."""
    from app.notes.service import visible_notes

    verified = _author_bought_and_kept()
    row = session.execute(
        select(
            func.count(Note.id).filter(verified), func.avg(Note.rating).filter(verified),
            func.count(Note.id).filter(~verified), func.avg(Note.rating).filter(~verified),
        ).where(Note.product_id == product.id, Note.rating.is_not(None), visible_notes(None))
    ).one()
    return RatingSummary(row[0], float(row[1]) if row[1] is not None else None,
                         row[2], float(row[3]) if row[3] is not None else None)


def product_sales(session: Session, product_ids: list[int]) -> dict[int, int]:
    """Revenue per product from orders that stand (paid, shipped, completed)."""
    if not product_ids:
        return {}
    rows = session.execute(
        select(Order.product_id, func.sum(Order.total_cents))
        .where(Order.product_id.in_(product_ids), Order.status.in_(states.SOLD))
        .group_by(Order.product_id)
    )
    return dict(rows.all())
