"""Group buying (拼團), in the open: the page shows the exact number still needed, the members so
far and the exact deadline; an unfilled group refunds everyone, automatically.

- Starting a group takes ``size`` units from stock into the group's reserve, so a group that
  fills can always be served, and gives the starter the first seat.
- Joining takes a seat with one conditional UPDATE (``seats_taken < size``), so concurrent
  joins never overfill a group. A seat is held by the member's order: a member who does not
  pay in time loses the seat and the unit goes back to the reserve.
- The group fills when ``size`` members have paid before the deadline; their orders then go
  through like any other (the seller ships).
- At the deadline an unfilled group expires: unpaid orders are cancelled, paid ones refunded
  through the ledger, and the reserve returns to stock. ``expire_groups`` runs as a scheduled
  job, and every read of a group past its deadline expires it first, so none is ever stuck.

The order side (placing, paying, refunding) is app/orders/service.py, which calls the hooks
here inside its own transaction, with the order row locked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.catalog.models import Product, Shop
from app.db import utcnow, write_transaction
from app.errors import AppError, Conflict, Invalid, NotFound, OutOfStock
from app.orders.models import Order
from app.sharing.models import GroupBuy, GroupMember


def offers_group(product: Product) -> bool:
    return bool(product.group_price_cents and product.group_size)


# ---- hooks called by orders.place_order, inside its transaction ----

def open_group(session: Session, buyer: User, product: Product, now: datetime) -> GroupBuy:
    """A new group with its reserve taken from stock and the starter in the first seat."""
    if not offers_group(product):
        raise Invalid(_l("This product has no group price."), code="no_group_offer")
    size = product.group_size
    taken = session.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock >= size, Product.is_listed.is_(True),
               Product.group_size == size, Product.group_price_cents.is_not(None))
        .values(stock=Product.stock - size)
        .returning(Product.group_price_cents, Product.currency)
    ).first()
    if taken is None:
        raise OutOfStock(_l("Not enough stock left to start a group of %(size)d.", size=size))
    price_cents, currency = taken
    group = GroupBuy(product_id=product.id, leader_id=buyer.id, size=size, unit_price_cents=price_cents,
                     currency=currency, status="open", seats_taken=1, paid_count=0, reserved_units=size,
                     deadline=now + timedelta(hours=current_app.config["GROUP_BUY_HOURS"]), created_at=now)
    session.add(group)
    session.flush()
    return group


def take_seat(session: Session, buyer: User, group_id: int, product_id: int, now: datetime) -> GroupBuy:
    """One seat, or a 409 saying why not. The UPDATE is the whole decision: on PostgreSQL it
    locks the group row and re-checks ``seats_taken < size`` after any concurrent join."""
    seated = session.execute(
        update(GroupBuy)
        .where(GroupBuy.id == group_id, GroupBuy.product_id == product_id, GroupBuy.status == "open",
               GroupBuy.seats_taken < GroupBuy.size, GroupBuy.deadline > now)
        .values(seats_taken=GroupBuy.seats_taken + 1)
        .returning(GroupBuy.id)
    ).first()
    group = session.get(GroupBuy, group_id)
    if seated is None:
        if group is None or group.product_id != product_id:
            raise NotFound(_l("This group does not exist."), code="unknown_group")
        if group.status != "open" or group.deadline <= now:
            raise Conflict(_l("This group has closed."), code="group_closed")
        raise Conflict(_l("This group is full."), code="group_full")
    session.refresh(group)
    return group


def add_member(session: Session, group: GroupBuy, buyer: User, order: Order, now: datetime) -> None:
    # Unique (group, user): joining twice fails here and the whole order rolls back.
    session.add(GroupMember(group_id=group.id, user_id=buyer.id, order_id=order.id, created_at=now))
    session.flush()


# ---- hooks called by orders._apply, the order row locked ----

def check_action(session: Session, order: Order, action: str) -> GroupBuy:
    """The order's group, locked, after refusing what a group does not allow yet."""
    group = session.scalar(select(GroupBuy).where(GroupBuy.id == order.group_id).with_for_update())
    if action == "ship" and group.status != "filled":
        raise Conflict(_l("The group has not filled yet: ship when it does."), code="group_not_filled")
    if action == "request_refund" and group.status == "open":
        raise Conflict(_l("The group is still open. If it does not fill in time, everyone is refunded."),
                       code="group_open")
    return group


def after_action(session: Session, group: GroupBuy, order: Order, action: str, now: datetime) -> None:
    if group.status != "open":
        return
    if action == "pay":
        group.paid_count += 1
        if group.paid_count == group.size and now <= group.deadline:
            group.status, group.closed_at = "filled", now
            group.reserved_units = 0  # each unit now belongs to a member's order
            _notify_members(session, group, "group_filled")
    elif action in ("cancel", "fail_payment"):
        # An unpaid seat is given up: someone else may take it; its unit stays in the reserve.
        session.execute(delete(GroupMember).where(GroupMember.order_id == order.id))
        group.seats_taken -= 1


def _notify_members(session: Session, group: GroupBuy, kind: str) -> None:
    from app.social.service import notify

    for user_id, order_id in session.execute(
        select(GroupMember.user_id, GroupMember.order_id).where(GroupMember.group_id == group.id)
    ):
        notify(session, recipient_id=user_id, actor_id=None, kind=kind, order_id=order_id)


# ---- expiry ----

def expire_group(session: Session, group_id: int, now: datetime | None = None) -> bool:
    """Close an unfilled group past its deadline: cancel unpaid orders, refund paid ones, return
    the reserve. True when this call expired it; safe to call from many places at once."""
    from app.orders import service as orders
    from app.orders import states

    now = now or utcnow()
    with write_transaction(session):
        group = session.scalar(select(GroupBuy).where(GroupBuy.id == group_id).with_for_update())
        if group is None or group.status != "open" or group.deadline > now:
            return False
        group.status, group.closed_at = "expired", now
        member_orders = session.scalars(
            select(Order).join(GroupMember, GroupMember.order_id == Order.id)
            .where(GroupMember.group_id == group.id).order_by(Order.id).with_for_update()
        ).all()
        for order in member_orders:
            if order.status == "pending":
                orders.apply_action(session, order, "cancel", states.SYSTEM)
            elif order.status == "paid":
                orders.apply_action(session, order, "refund", states.SYSTEM)
        if group.reserved_units:
            session.execute(update(Product).where(Product.id == group.product_id)
                            .values(stock=Product.stock + group.reserved_units))
            group.reserved_units = 0
        _notify_members(session, group, "group_expired")
    return True


def expire_groups(session: Session, now: datetime | None = None) -> int:
    """Every open group past its deadline, expired; returns how many. The scheduled job."""
    now = now or utcnow()
    due = list(session.scalars(select(GroupBuy.id).where(GroupBuy.status == "open", GroupBuy.deadline <= now)))
    session.rollback()
    expired = 0
    for group_id in due:
        try:
            expired += expire_group(session, group_id, now)
        except AppError:
            current_app.logger.exception("group %s could not be expired", group_id)
    return expired


# ---- reads ----

def get_group(session: Session, group_id: int) -> GroupBuy:
    """A group, expired first if its deadline has passed (the lazy half of expiry)."""
    group = session.get(GroupBuy, group_id)
    if group is None:
        raise NotFound(_l("This group does not exist."), code="unknown_group")
    if group.status == "open" and group.deadline <= utcnow():
        expire_group(session, group.id)
        session.expire_all()
    return session.scalar(
        select(GroupBuy).where(GroupBuy.id == group_id)
        .options(selectinload(GroupBuy.leader),
                 selectinload(GroupBuy.product).selectinload(Product.shop).selectinload(Shop.owner),
                 selectinload(GroupBuy.product).selectinload(Product.images))
    )


def list_members(session: Session, group: GroupBuy) -> list[tuple[User, str]]:
    """(member, their order's status) in joining order: shown on the group page."""
    rows = session.execute(
        select(User, Order.status).join(GroupMember, GroupMember.user_id == User.id)
        .join(Order, Order.id == GroupMember.order_id)
        .where(GroupMember.group_id == group.id).order_by(GroupMember.id)
    ).all()
    return [(user, status) for user, status in rows]


def list_open_groups(session: Session, product_id: int, *, limit: int = 10) -> list[GroupBuy]:
    """Groups of this product others can still join, closest to filling first."""
    now = utcnow()
    return list(session.scalars(
        select(GroupBuy).where(GroupBuy.product_id == product_id, GroupBuy.status == "open",
                               GroupBuy.deadline > now, GroupBuy.seats_taken < GroupBuy.size)
        .options(selectinload(GroupBuy.leader))
        .order_by((GroupBuy.size - GroupBuy.paid_count), GroupBuy.deadline).limit(limit)
    ))


def membership(session: Session, group: GroupBuy, user: User | None) -> Order | None:
    """The viewer's order in this group, if they have a seat."""
    if user is None:
        return None
    return session.scalar(select(Order).join(GroupMember, GroupMember.order_id == Order.id)
                          .where(GroupMember.group_id == group.id, GroupMember.user_id == user.id))
