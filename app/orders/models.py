from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalog.models import Product, Shop
from app.db import Base, UTCDateTime, utcnow


class Order(Base):
    """One purchase of one product. Prices, totals and commission are copied from the product
    at order time, on the server, so later price changes never rewrite history."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("credit_cents >= 0 AND discount_cents >= 0 AND credit_cents + discount_cents <= total_cents",
                        name="paid_parts_within_total"),
        CheckConstraint(
            "status IN ('pending', 'paid', 'shipped', 'completed', 'cancelled', 'refunded')", name="status_known"
        ),
        # One order per (buyer, Idempotency-Key): concurrent duplicates collide here.
        UniqueConstraint("buyer_id", "idempotency_key", name="uq_orders_buyer_idempotency_key"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at"),
        Index("ix_orders_shop_created", "shop_id", "created_at"),
        Index("ix_orders_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="RESTRICT"))
    # The note the purchase came through, its author (who earns the commission) and the
    # person whose share link brought the buyer (the sharing issue).
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="SET NULL"), index=True)
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    share_link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id", ondelete="SET NULL"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group_buys.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    commission_bps: Mapped[int] = mapped_column(Integer, default=0)
    commission_cents: Mapped[int] = mapped_column(Integer, default=0)
    platform_fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    # Paid from the buyer's credit balance and by a platform voucher (the one whose used_order_id
    # is this order); the provider charges the rest.
    credit_cents: Mapped[int] = mapped_column(Integer, default=0)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    refund_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_reason: Mapped[str | None] = mapped_column(String(300))
    recipient_name: Mapped[str] = mapped_column(String(40), default="")
    recipient_phone: Mapped[str] = mapped_column(String(30), default="")
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    payment_provider: Mapped[str | None] = mapped_column(String(20))
    payment_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def amount_due_cents(self) -> int:
        """What the payment provider charges: the total less credit and voucher."""
        return self.total_cents - self.credit_cents - self.discount_cents

    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id], lazy="raise_on_sql")
    creator: Mapped[User | None] = relationship(foreign_keys=[creator_id], lazy="raise_on_sql")
    product: Mapped[Product] = relationship(lazy="raise_on_sql")
    shop: Mapped[Shop] = relationship(lazy="raise_on_sql")


class LedgerEntry(Base):
    """Append-only money movements. Every order's rows sum to zero; a user's balance is the sum
    of their rows. Unique on (order, kind): a cause is never credited twice."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", name="uq_ledger_entries_order_kind"),
        Index("ix_ledger_entries_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    # None is the platform's own account (fees).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(Integer)  # signed: + credits the account, - debits it
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(lazy="raise_on_sql")


class PaymentEvent(Base):
    """Every provider event processed, so a replayed webhook is recognised and ignored."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_payment_events_provider_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
