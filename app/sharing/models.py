"""Sharing: share links and the referrals they bring, referral rewards and vouchers, group buys.

Money never lives here: a reward is paid as ledger rows (app/orders/models.LedgerEntry) and
this table only records that its cause was paid, under a unique key, so nothing pays twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalog.models import Product
from app.db import Base, UTCDateTime, utcnow

SHARE_KINDS = ("note", "product", "profile", "group")


class ShareLink(Base):
    """One person's link to one thing. Sharing the same thing again gives the same link, so
    counts add up. ``parent_id`` is the link through which the sharer themselves arrived at it:
    the edges of the fission tree (裂變)."""

    __tablename__ = "share_links"
    __table_args__ = (
        UniqueConstraint("sharer_id", "target_kind", "target_id", name="uq_share_links_sharer_target"),
        CheckConstraint("target_kind IN ('note', 'product', 'profile', 'group')", name="target_kind_known"),
        Index("ix_share_links_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    sharer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id", ondelete="SET NULL"), index=True)
    # A count, not a log: visiting a link records nothing about the visitor.
    visit_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sharer: Mapped[User] = relationship(lazy="raise_on_sql")


class Referral(Base):
    """A new account that signed up after following someone's link: one referrer per person,
    ever, and only one level deep (the referrer's own referrer earns nothing from it)."""

    __tablename__ = "referrals"
    __table_args__ = (CheckConstraint("referrer_id <> referred_id", name="not_self"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    referred_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id], lazy="raise_on_sql")
    referred: Mapped[User] = relationship(foreign_keys=[referred_id], lazy="raise_on_sql")


class Reward(Base):
    """A referral reward that was paid. ``cause`` says what earned it and is unique, so a
    settlement run twice, or two at once, pays it once: ``first_order:<referred id>``."""

    __tablename__ = "rewards"

    id: Mapped[int] = mapped_column(primary_key=True)
    cause: Mapped[str] = mapped_column(String(80), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    # The referred customer's order that earned it; the ledger rows hang off it.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Voucher(Base):
    """Money off one future order, paid for by the platform when it is used. Unique on its
    cause (``customers:<user id>:<nth batch>``); used by at most one order at a time."""

    __tablename__ = "vouchers"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("min_spend_cents >= amount_cents", name="min_spend_covers_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cause: Mapped[str] = mapped_column(String(80), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    min_spend_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    used_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GroupBuy(Base):
    """A group (拼團) of ``size`` buyers at the product's group price, open until ``deadline``.

    ``size`` units are taken from stock when the group starts, so a filled group can always be
    served; seats are taken by one conditional UPDATE, so concurrent joins never overfill it.
    """

    __tablename__ = "group_buys"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'filled', 'expired')", name="status_known"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= size", name="seats_within_size"),
        CheckConstraint("paid_count >= 0 AND paid_count <= seats_taken", name="paid_within_seats"),
        CheckConstraint("size >= 2", name="size_at_least_two"),
        Index("ix_group_buys_status_deadline", "status", "deadline"),
        Index("ix_group_buys_product_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    size: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8), default="open")
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    # Units held back from stock for this group; returned if it expires.
    reserved_units: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def needed(self) -> int:
        """Paid members still needed to fill the group: the number its page shows."""
        return max(self.size - self.paid_count, 0) if self.status == "open" else 0

    product: Mapped[Product] = relationship(lazy="raise_on_sql")
    leader: Mapped[User] = relationship(lazy="raise_on_sql")


class GroupMember(Base):
    """A seat in a group, held by the member's order until it is paid or cancelled."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_group_members_group_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_buys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise_on_sql")
