from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalog.models import Product
from app.db import Base, UTCDateTime, utcnow


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NFKC-normalised and case-folded, without the leading '#': '露營', 'iphone15'
    name: Mapped[str] = mapped_column(String(40), unique=True)


class NoteTag(Base):
    __tablename__ = "note_tags"

    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)


class NoteImage(Base):
    __tablename__ = "note_images"
    __table_args__ = (Index("uq_note_images_note_position", "note_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 0 is the cover
    key: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        Index("ix_notes_feed", "published_at", "id"),
        Index("ix_notes_author_feed", "author_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    # The link point for commerce: the product this note reviews, and its 1-5 rating.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    # Counters kept in the same transaction as the rows they count, so cards need no COUNT().
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    collect_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Page views by people other than the author, once per session: a count, no visitor log.
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the note is first published; feeds order by it. Drafts have none.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(lazy="raise_on_sql")
    images: Mapped[list[NoteImage]] = relationship(
        order_by=NoteImage.position, cascade="all, delete-orphan", lazy="raise_on_sql"
    )
    cover: Mapped[NoteImage | None] = relationship(
        primaryjoin=lambda: and_(NoteImage.note_id == Note.id, NoteImage.position == 0),
        viewonly=True,
        uselist=False,
        lazy="raise_on_sql",
    )
    tags: Mapped[list[Tag]] = relationship(secondary="note_tags", order_by=Tag.name, lazy="raise_on_sql")
    product: Mapped[Product | None] = relationship(lazy="raise_on_sql")

    @property
    def is_public(self) -> bool:
        return not self.is_draft and self.hidden_at is None
