from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class FeedSnapshot(Base):
    """One ranked feed as it stood when its first page was served. Later pages read the same
    list, so pages never repeat or skip a note while scores move underneath. Discover's is shared
    by everyone (viewer_id NULL) and rebuilt when stale; Home's belongs to one reader."""

    __tablename__ = "feed_snapshots"
    __table_args__ = (Index("ix_feed_snapshots_lookup", "kind", "viewer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # JSON: [[note_id, score, explored], ...] in rank order
    items: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
