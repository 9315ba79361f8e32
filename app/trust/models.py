from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class UserTrust(Base):
    """A user's trust at the last recompute, in average-user units (the mean is about 1)."""

    __tablename__ = "user_trust"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    spend_units: Mapped[float] = mapped_column(Float, default=0.0)  # independent log-spend behind the seed
    lockstep: Mapped[bool] = mapped_column(Boolean, default=False)
    damping: Mapped[float] = mapped_column(Float, default=1.0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoteScore(Base):
    """What feeds rank a note on, from its readers' trust at the last recompute."""

    __tablename__ = "note_scores"

    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True)
    engagement: Mapped[float] = mapped_column(Float, default=0.0)  # trust-weighted
    trusted_likers: Mapped[int] = mapped_column(Integer, default=0)
    verified_likers: Mapped[int] = mapped_column(Integer, default=0)
    author_bought: Mapped[bool] = mapped_column(Boolean, default=False)  # from an independent seller
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrustState(Base):
    """One row: when trust was last recomputed, over how much evidence, and a lease so only one
    process recomputes at a time."""

    __tablename__ = "trust_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence_rows: Mapped[int] = mapped_column(Integer, default=0)
    users: Mapped[int] = mapped_column(Integer, default=0)
    edges: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
