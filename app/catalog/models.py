from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import Base, UTCDateTime, utcnow


class Shop(Base):
    """Every user can open one shop; its products are sold under the owner's name."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship(lazy="raise_on_sql")


class ShopStaff(Base):
    """People who work for a shop: their notes about its products are partnerships."""

    __tablename__ = "shop_staff"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductImage(Base):
    __tablename__ = "product_images"
    __table_args__ = (Index("uq_product_images_product_position", "product_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        # The last line of defence against overselling: no code path can take stock below zero.
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("commission_bps BETWEEN 0 AND 10000", name="commission_range"),
        CheckConstraint("sold_count >= 0", name="sold_not_negative"),
        Index("ix_products_shop_created", "shop_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # What the seller pays the author of the note a sale came through, in basis points.
    commission_bps: Mapped[int] = mapped_column(Integer, default=0)
    # Units in paid, shipped or completed orders; kept with the order writes.
    sold_count: Mapped[int] = mapped_column(Integer, default=0)
    # Group buying (the sharing issue): a lower price once group_size buyers join.
    group_price_cents: Mapped[int | None] = mapped_column(Integer)
    group_size: Mapped[int | None] = mapped_column(Integer)
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shop: Mapped[Shop] = relationship(lazy="raise_on_sql")
    images: Mapped[list[ProductImage]] = relationship(
        order_by=ProductImage.position, cascade="all, delete-orphan", lazy="raise_on_sql"
    )
