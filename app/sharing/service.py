"""Share links, the referrals they bring, and the rewards referrals earn.

- A share link is one person's link to a note, product, profile or group. Following it keeps a
  *touch* (the link's code and when) in the visitor's own signed session cookie: the first
  link followed counts for REFERRAL_WINDOW_DAYS, later ones do not replace it. Nothing else
  about the visitor is recorded; the link only counts its visits.
- A touch still valid when someone signs up makes them the sharer's referral: one referrer per
  person, only a brand-new account, never oneself.
- When a referred user's first order completes and its refund window has passed,
  ``settle_rewards`` pays the referrer REFERRAL_FIRST_ORDER_CREDIT_CENTS of credit (a ledger row,
  balanced by the platform's cost row) and, for every REFERRAL_VOUCHER_EVERY such customers, a
  voucher. Each reward is unique on its cause, so no run, replay or race pays one twice; only
  the direct referrer is ever paid (one level deep, no pyramid).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.db import insert_ignore, utcnow, write_transaction
from app.errors import Invalid, NotFound
from app.orders import ledger
from app.orders.models import LedgerEntry, Order
from app.pagination import MAX_ID, Page, newest_by_id
from app.sharing.models import SHARE_KINDS, GroupBuy, Referral, Reward, ShareLink, Voucher

# No 0/O, 1/l/I: codes get read aloud and typed from posters.
CODE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


# ---- share links ----

@dataclass(frozen=True)
class Touch:
    """The first share link a visitor followed, kept in their own session cookie."""

    code: str
    at: datetime

    def as_cookie(self) -> dict:
        return {"code": self.code, "at": self.at.isoformat()}

    @classmethod
    def from_cookie(cls, value) -> Touch | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(str(value["code"]), datetime.fromisoformat(value["at"]))
        except (KeyError, TypeError, ValueError):
            return None

    def valid(self, now: datetime) -> bool:
        return now - self.at <= timedelta(days=current_app.config["REFERRAL_WINDOW_DAYS"])


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _check_target(session: Session, kind: str, target_id) -> int:
    """The id of something the sharer may share and others may open, or a 4xx."""
    from app.catalog import service as catalog
    from app.notes.service import get_note

    if kind not in SHARE_KINDS:
        raise Invalid(_l("You can share a note, a product, a profile or a group."),
                      fields={"kind": ", ".join(SHARE_KINDS)})
    if isinstance(target_id, str) and target_id.isdigit() and len(target_id) < 19:
        target_id = int(target_id)
    if isinstance(target_id, bool) or not isinstance(target_id, int) or not 0 < target_id <= MAX_ID:
        raise Invalid(_l("Say what to share."), fields={"id": _l("Unknown.")})
    if kind == "note":
        get_note(session, target_id, None)  # public notes only: a draft's link would open for nobody
    elif kind == "product":
        catalog.get_product(session, target_id, None)
    elif kind == "profile":
        user = session.get(User, target_id)
        if user is None or user.suspended_at is not None:
            raise NotFound(_l("This person does not exist."))
    elif session.get(GroupBuy, target_id) is None:
        raise NotFound(_l("This group does not exist."))
    return target_id


def _own_link(session: Session, sharer: User, kind: str, target_id: int) -> ShareLink | None:
    return session.scalar(select(ShareLink).where(
        ShareLink.sharer_id == sharer.id, ShareLink.target_kind == kind, ShareLink.target_id == target_id))


def share(session: Session, sharer: User, kind: str, target_id, *, touch: Touch | None = None) -> ShareLink:
    """The sharer's link to this thing, made the first time. ``touch`` is how the sharer
    arrived, if by someone else's link: it becomes the parent in the fission tree."""
    target_id = _check_target(session, kind, target_id)
    if (existing := _own_link(session, sharer, kind, target_id)) is not None:
        return existing
    parent = find_link(session, touch.code) if touch and touch.valid(utcnow()) else None
    for _attempt in range(5):
        try:
            with write_transaction(session):
                link = ShareLink(code=_new_code(), sharer_id=sharer.id, target_kind=kind, target_id=target_id,
                                 parent_id=parent.id if parent and parent.sharer_id != sharer.id else None,
                                 created_at=utcnow())
                session.add(link)
            return link
        except IntegrityError:
            if (existing := _own_link(session, sharer, kind, target_id)) is not None:  # the same share, twice at once
                return existing
            # else a code collision (one in 10^14): draw again
    raise RuntimeError("could not draw an unused share code")


def find_link(session: Session, code) -> ShareLink | None:
    # Only codes _new_code could draw reach the database (PostgreSQL rejects a NUL with a 500).
    if not isinstance(code, str) or not 0 < len(code) <= 16 or not set(code) <= set(CODE_ALPHABET):
        return None
    return session.scalar(select(ShareLink).where(ShareLink.code == code))


def get_link(session: Session, code) -> ShareLink:
    link = find_link(session, code)
    if link is None:
        raise NotFound(_l("This share link does not exist."))
    return link


def visit(session: Session, code, viewer: User | None, touch: Touch | None) -> tuple[ShareLink, Touch | None]:
    """Someone followed a link: count the visit (not the sharer's own) and say which touch the
    visitor keeps: theirs if still valid (first touch wins), else this link's."""
    link = get_link(session, code)
    now = utcnow()
    own = viewer is not None and viewer.id == link.sharer_id
    if not own:
        with write_transaction(session):
            session.execute(update(ShareLink).where(ShareLink.id == link.id)
                            .values(visit_count=ShareLink.visit_count + 1))
    if touch is not None and touch.valid(now) or own:
        return link, touch
    return link, Touch(link.code, now)


def attribution(session: Session, touch: Touch | None, buyer: User) -> ShareLink | None:
    """The share link an order is credited to: the buyer's valid first touch, not their own."""
    if touch is None or not touch.valid(utcnow()):
        return None
    link = find_link(session, touch.code)
    return link if link is not None and link.sharer_id != buyer.id else None


def link_by_code(session: Session, code, buyer: User) -> ShareLink | None:
    """An API client names the link it came through; unknown codes are an error, one's own is ignored."""
    if code in (None, ""):
        return None
    link = find_link(session, code)
    if link is None:
        raise Invalid(_l("Unknown share code."), fields={"share_code": _l("Unknown.")})
    return link if link.sharer_id != buyer.id else None


def record_signup(session: Session, user: User, touch: Touch | None) -> Referral | None:
    """A new account that arrived through a link becomes the sharer's referral."""
    if touch is None or not touch.valid(utcnow()):
        return None
    link = find_link(session, touch.code)
    if link is None or link.sharer_id == user.id:
        return None
    referrer = session.get(User, link.sharer_id)
    # The referrer must be older than the account: nobody is referred by someone they referred.
    if referrer is None or referrer.suspended_at is not None or referrer.created_at > user.created_at:
        return None
    with write_transaction(session):
        if not insert_ignore(session, Referral, {"referrer_id": referrer.id, "referred_id": user.id,
                                                 "link_id": link.id, "created_at": utcnow()}):
            return None
    return session.scalar(select(Referral).where(Referral.referred_id == user.id))


# ---- rewards ----

def _first_order_cause(referred_id: int) -> str:
    return f"first_order:{referred_id}"


def _qualifying_orders(cutoff: datetime):
    """(referral, its referred user's first completed order) for referrals not yet rewarded
    whose order is past its refund window with no refund asked."""
    first_completed = (
        select(Order.buyer_id, func.min(Order.id).label("order_id"))
        .where(Order.status == "completed")
        .group_by(Order.buyer_id)
        .subquery()
    )
    return (
        select(Referral, Order)
        .join(first_completed, first_completed.c.buyer_id == Referral.referred_id)
        .join(Order, Order.id == first_completed.c.order_id)
        .where(Order.completed_at <= cutoff, Order.refund_requested_at.is_(None),
               Order.created_at >= Referral.created_at,
               ~select(Reward.id).where(Reward.referral_id == Referral.id).exists())
        .order_by(Order.completed_at, Order.id)
    )


def settle_rewards(session: Session, now: datetime | None = None) -> int:
    """Pay every reward that has come due; returns how many. Safe to run again and from several
    workers at once: the cause is unique and the ledger is unique per (order, kind)."""
    config = current_app.config
    amount = config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"]
    if amount <= 0:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(days=config["REFUND_WINDOW_DAYS"])
    due = session.execute(_qualifying_orders(cutoff)).all()
    session.rollback()  # end the read before each small write transaction
    paid = 0
    for referral, order in due:
        try:
            with write_transaction(session):
                # Re-check under the write lock: the order may have been refunded since.
                status = session.scalar(select(Order.status).where(Order.id == order.id).with_for_update())
                if status != "completed":
                    continue
                session.add(Reward(cause=_first_order_cause(referral.referred_id), user_id=referral.referrer_id,
                                   referral_id=referral.id, order_id=order.id, amount_cents=amount,
                                   currency=config["REWARD_CURRENCY"], created_at=now))
                for row in ledger.reward_rows(referral.referrer_id, amount):
                    session.add(LedgerEntry(order_id=order.id, user_id=row.user_id, kind=row.kind,
                                            amount_cents=row.amount_cents, currency=config["REWARD_CURRENCY"],
                                            created_at=now))
                session.flush()
                _maybe_issue_voucher(session, referral.referrer_id, now)
                _notify_reward(session, referral, order)
        except IntegrityError:
            continue  # paid by another run in the meantime
        paid += 1
    return paid


def _maybe_issue_voucher(session: Session, referrer_id: int, now: datetime) -> None:
    config = current_app.config
    every = config["REFERRAL_VOUCHER_EVERY"]
    if every <= 0 or config["REFERRAL_VOUCHER_CENTS"] <= 0:
        return
    customers = session.scalar(select(func.count(Reward.id)).where(
        Reward.user_id == referrer_id, Reward.cause.like("first_order:%")))
    for batch in range(1, customers // every + 1):
        insert_ignore(session, Voucher, {
            "cause": f"customers:{referrer_id}:{batch}", "user_id": referrer_id,
            "amount_cents": config["REFERRAL_VOUCHER_CENTS"],
            "min_spend_cents": max(config["REFERRAL_VOUCHER_MIN_SPEND_CENTS"], config["REFERRAL_VOUCHER_CENTS"]),
            "currency": config["REWARD_CURRENCY"], "created_at": now,
            "expires_at": now + timedelta(days=config["REFERRAL_VOUCHER_DAYS"]),
        })


def _notify_reward(session: Session, referral: Referral, order: Order) -> None:
    from app.social.service import notify

    notify(session, recipient_id=referral.referrer_id, actor_id=referral.referred_id, kind="referral_reward",
           order_id=order.id)


# ---- reads ----

def credit_balance(session: Session, user: User, currency: str) -> int:
    """Credit the user can spend now: rewards less credit spent, less what pending orders hold."""
    ledgered = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.user_id == user.id, LedgerEntry.currency == currency,
        LedgerEntry.kind.in_(ledger.CREDIT_KINDS)))
    held = session.scalar(select(func.coalesce(func.sum(Order.credit_cents), 0)).where(
        Order.buyer_id == user.id, Order.currency == currency, Order.status == "pending"))
    return int(ledgered) - int(held)


def usable_vouchers(session: Session, user: User, *, currency: str | None = None,
                    total_cents: int | None = None) -> list[Voucher]:
    now = utcnow()
    query = select(Voucher).where(Voucher.user_id == user.id, Voucher.used_order_id.is_(None),
                                  Voucher.expires_at > now)
    if currency is not None:
        query = query.where(Voucher.currency == currency)
    if total_cents is not None:
        query = query.where(Voucher.min_spend_cents <= total_cents)
    return list(session.scalars(query.order_by(Voucher.expires_at, Voucher.id)))


@dataclass
class ReferralSummary:
    referrals: int
    customers: int  # referrals with a completed order
    pending_cents: int  # rewards that will be paid when their orders pass the refund window
    paid_cents: int
    credit_cents: int
    currency: str


def referral_summary(session: Session, user: User) -> ReferralSummary:
    config = current_app.config
    currency = config["REWARD_CURRENCY"]
    referrals = session.scalar(select(func.count(Referral.id)).where(Referral.referrer_id == user.id))
    paid = session.scalar(select(func.coalesce(func.sum(Reward.amount_cents), 0)).where(Reward.user_id == user.id))
    # Pending: referred users with a standing order (paid, shipped or completed) and no reward yet.
    waiting = session.scalar(
        select(func.count(func.distinct(Referral.id)))
        .join(Order, and_(Order.buyer_id == Referral.referred_id, Order.created_at >= Referral.created_at))
        .where(Referral.referrer_id == user.id, Order.status.in_(("paid", "shipped", "completed")),
               ~select(Reward.id).where(Reward.referral_id == Referral.id).exists())
    )
    customers = session.scalar(
        select(func.count(func.distinct(Referral.id)))
        .join(Order, Order.buyer_id == Referral.referred_id)
        .where(Referral.referrer_id == user.id, Order.status == "completed")
    )
    amount = max(config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"], 0)
    return ReferralSummary(referrals, customers, waiting * amount, int(paid), credit_balance(session, user, currency),
                           currency)


def list_referrals(session: Session, user: User, *, cursor: str | None = None, limit: int = 50) -> Page:
    query = (select(Referral).where(Referral.referrer_id == user.id)
             .options(selectinload(Referral.referred)))
    return newest_by_id(session, query, Referral.id, cursor, limit)


def list_rewards(session: Session, user: User) -> list[Reward]:
    return list(session.scalars(select(Reward).where(Reward.user_id == user.id).order_by(Reward.id.desc())))


def list_vouchers(session: Session, user: User) -> list[Voucher]:
    return list(session.scalars(select(Voucher).where(Voucher.user_id == user.id).order_by(Voucher.id.desc())))


def list_links(session: Session, user: User, *, cursor: str | None = None, limit: int = 50) -> Page:
    return newest_by_id(session, select(ShareLink).where(ShareLink.sharer_id == user.id), ShareLink.id, cursor, limit)


# ---- reads for the API (added by the sharing-api task) ----

@dataclass
class LinkStats:
    visits: int
    signups: int  # accounts that signed up through the link
    buyers: int  # distinct buyers of standing orders (paid, shipped, completed) credited to it


def link_stats(session: Session, links) -> dict[int, LinkStats]:
    """Per link id, in two grouped queries for any number of links."""
    from app.orders.states import SOLD

    ids = [link.id for link in links]
    if not ids:
        return {}
    signups = dict(session.execute(
        select(Referral.link_id, func.count(Referral.id)).where(Referral.link_id.in_(ids))
        .group_by(Referral.link_id)).all())
    buyers = dict(session.execute(
        select(Order.share_link_id, func.count(func.distinct(Order.buyer_id)))
        .where(Order.share_link_id.in_(ids), Order.status.in_(SOLD)).group_by(Order.share_link_id)).all())
    return {link.id: LinkStats(link.visit_count, signups.get(link.id, 0), buyers.get(link.id, 0)) for link in links}


def order_referrals(session: Session, orders) -> dict[int, tuple[str | None, User | None]]:
    """Per order id: the code of the share link it came through and the referrer it credits."""
    link_ids = {o.share_link_id for o in orders if o.share_link_id}
    user_ids = {o.referrer_id for o in orders if o.referrer_id}
    codes = dict(session.execute(select(ShareLink.id, ShareLink.code).where(ShareLink.id.in_(link_ids))).all()
                 ) if link_ids else {}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return {o.id: (codes.get(o.share_link_id), users.get(o.referrer_id)) for o in orders}
