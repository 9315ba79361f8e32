"""Trust use cases: gather the evidence, run the maths in ``scoring``, store the scores feeds
read, and explain one user's score. No Flask here: the CLI and the scheduler call these."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.catalog.models import Shop, ShopStaff
from app.db import epoch_seconds, utcnow
from app.notes.models import Note
from app.orders.models import Order
from app.social.models import Collect, Comment, Follow, Like
from app.trust import scoring
from app.trust.models import NoteScore, TrustState, UserTrust

LEASE = timedelta(minutes=15)  # a recompute that has held the lease this long is presumed dead
EVIDENCE_TABLES = (Follow, Like, Collect, Comment, Order)
BATCH = 20_000


@dataclass
class Loaded:
    evidence: scoring.Evidence
    user_ids: np.ndarray  # index -> users.id
    note_ids: np.ndarray  # index -> notes.id


def _column(rows, i, dtype=np.int64):
    return np.fromiter((r[i] for r in rows), dtype=dtype, count=len(rows))


def _index(ids: np.ndarray, values) -> np.ndarray:
    """Positions of database ids in the sorted id array (ids are always present)."""
    return np.searchsorted(ids, np.asarray(values, dtype=np.int64)) if len(ids) else np.zeros(0, np.int64)


def _pairs(conn: Connection, a, b, a_ids: np.ndarray, b_ids: np.ndarray, *where):
    rows = conn.execute(select(a, b).where(*where)).all()
    if not rows:
        return np.zeros((0, 2), dtype=np.int64)
    return np.stack([_index(a_ids, _column(rows, 0)), _index(b_ids, _column(rows, 1))], axis=1)


def load_evidence(session: Session, now: datetime | None = None) -> Loaded:
    now = now or utcnow()
    # Core rows on the session's connection: ORM-enabled selects add ~40% to reading millions of rows.
    conn = session.connection()
    users = conn.execute(select(User.id, epoch_seconds(User.created_at), User.is_admin,
                                   User.suspended_at.is_not(None)).order_by(User.id)).all()
    user_ids = _column(users, 0)
    notes = conn.execute(select(Note.id, Note.author_id, func.coalesce(Note.product_id, -1))
                            .order_by(Note.id)).all()
    note_ids = _column(notes, 0)
    likes = conn.execute(select(Like.user_id, Like.note_id, epoch_seconds(Like.created_at))).all()
    orders = conn.execute(
        select(Order.buyer_id, Shop.owner_id, Order.product_id, func.coalesce(Order.note_id, -1),
               Order.total_cents, Order.status == "completed")
        .join(Shop, Shop.id == Order.shop_id).where(Order.status.in_(("paid", "shipped", "completed")))).all()
    note_index = {int(i): n for n, i in enumerate(note_ids)}
    hidden = np.zeros(len(user_ids))
    for author, count in conn.execute(select(Note.author_id, func.count()).where(Note.hidden_at.is_not(None))
                                         .group_by(Note.author_id)):
        hidden[_index(user_ids, [author])[0]] += count
    for author, count in conn.execute(select(Comment.author_id, func.count())
                                         .where(Comment.hidden_at.is_not(None)).group_by(Comment.author_id)):
        hidden[_index(user_ids, [author])[0]] += count
    evidence = scoring.Evidence(
        n_users=len(user_ids),
        user_created=_column(users, 1, float),
        now=now.timestamp(),
        follows=_pairs(conn, Follow.follower_id, Follow.followee_id, user_ids, user_ids),
        note_author=_index(user_ids, _column(notes, 1)),
        note_product=_column(notes, 2),
        likes=(np.stack([_index(user_ids, _column(likes, 0)), _index(note_ids, _column(likes, 1))], axis=1)
               if likes else np.zeros((0, 2), dtype=np.int64)),
        like_time=_column(likes, 2, float),
        collects=_pairs(conn, Collect.user_id, Collect.note_id, user_ids, note_ids),
        comments=_pairs(conn, Comment.author_id, Comment.note_id, user_ids, note_ids,
                        Comment.hidden_at.is_(None)),
        buy_buyer=_index(user_ids, _column(orders, 0)),
        buy_seller=_index(user_ids, _column(orders, 1)),
        buy_product=_column(orders, 2),
        buy_note=np.fromiter((note_index.get(r[3], -1) for r in orders), dtype=np.int64, count=len(orders)),
        buy_cents=_column(orders, 4),
        buy_kept=_column(orders, 5, bool),
        staff=_pairs(conn, ShopStaff.user_id, Shop.owner_id, user_ids, user_ids,
                     Shop.id == ShopStaff.shop_id),
        hidden_content=hidden,
        pretrusted=_column(users, 2, bool),
        suspended=_column(users, 3, bool),
    )
    if len(evidence.comments):
        evidence.comments = np.unique(evidence.comments, axis=0)
    return Loaded(evidence, user_ids, note_ids)


def propagation_steps(session: Session) -> int:
    return scoring.steps(session.scalar(select(func.count()).select_from(User)), scoring.Params())


def evidence_rows(session: Session) -> int:
    """How much evidence there is: the rows of every table trust reads from."""
    return sum(session.scalar(select(func.count()).select_from(model)) for model in EVIDENCE_TABLES)


@dataclass
class Recomputed:
    users: int
    notes: int
    edges: int
    lockstep: int
    seconds: float


def recompute(session: Session, progress=None, params: scoring.Params | None = None) -> Recomputed:
    """Recompute every user's trust and every note's score, and store them in one transaction.
    ``progress(step, total)`` is told of each propagation step."""
    started = time.perf_counter()
    now = utcnow()
    rows = evidence_rows(session)
    loaded = load_evidence(session, now)
    result = scoring.compute(loaded.evidence, params, progress=progress)
    signals = scoring.note_signals(result)
    session.execute(delete(UserTrust))
    session.execute(delete(NoteScore))
    _bulk_insert(session, UserTrust.__table__, now, loaded.user_ids, result.score, result.spend_units,
                 result.lockstep, result.damping)
    _bulk_insert(session, NoteScore.__table__, now, loaded.note_ids, signals.engagement, signals.trusted_likers,
                 signals.verified_likers, signals.author_bought)
    stats = Recomputed(users=len(loaded.user_ids), notes=len(loaded.note_ids), edges=int(result.edges.nnz),
                       lockstep=int(result.lockstep.sum()), seconds=time.perf_counter() - started)
    state = _state(session)
    state.computed_at, state.evidence_rows, state.running_since = now, rows, None
    state.users, state.edges, state.seconds = stats.users, stats.edges, stats.seconds
    session.commit()
    return stats


def _bulk_insert(session: Session, table, computed_at: datetime, *columns: np.ndarray) -> None:
    """Insert one row per array position, the arrays in the table's column order and computed_at
    last, as a driver-level executemany: hundreds of thousands of rows built as Python dicts and
    bound one value at a time by SQLAlchemy cost seconds."""
    conn = session.connection()
    dialect = conn.dialect
    stamp_type = table.c.computed_at.type
    stamp = stamp_type.process_bind_param(computed_at, dialect)
    processor = stamp_type.impl.bind_processor(dialect)
    stamp = processor(stamp) if processor else stamp
    names = [c.name for c in table.columns]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    columns_sql, markers_sql = ", ".join(names), ", ".join([marker] * len(names))
    sql = f"INSERT INTO {table.name} ({columns_sql}) VALUES ({markers_sql})"  # noqa: S608  # nosec B608  # our own names
    values = [column.tolist() for column in columns]  # numpy to Python scalars in bulk
    rows = list(zip(*values, [stamp] * len(values[0]), strict=True)) if values and len(values[0]) else []
    for start in range(0, len(rows), BATCH):
        conn.exec_driver_sql(sql, rows[start:start + BATCH])


def _state(session: Session) -> TrustState:
    state = session.get(TrustState, 1)
    if state is None:
        try:
            with session.begin_nested():
                session.add(TrustState(id=1))
        except IntegrityError:
            pass  # another process created it first
        state = session.get(TrustState, 1)
    return state


def get_state(session: Session) -> TrustState | None:
    return session.get(TrustState, 1)


def is_stale(session: Session, max_age: timedelta, min_new_evidence: int) -> bool:
    """Time for a recompute: never computed, or new evidence arrived and either enough of it or
    the last run is older than ``max_age``."""
    state = get_state(session)
    if state is None or state.computed_at is None:
        return True
    new = evidence_rows(session) - state.evidence_rows
    return new != 0 and (abs(new) >= min_new_evidence or utcnow() - state.computed_at >= max_age)


def claim(session: Session) -> bool:
    """Take the recompute lease; False when another process holds a live one."""
    _state(session)
    session.commit()
    now = utcnow()
    taken = session.execute(update(TrustState).where(
        TrustState.id == 1,
        (TrustState.running_since.is_(None)) | (TrustState.running_since < now - LEASE),
    ).values(running_since=now)).rowcount
    session.commit()
    return taken == 1


def release(session: Session) -> None:
    session.rollback()
    session.execute(update(TrustState).where(TrustState.id == 1).values(running_since=None))
    session.commit()


@dataclass
class Contribution:
    username: str
    trust: float
    kinds: list[str]


@dataclass
class Explanation:
    username: str
    score: float
    stored_score: float | None
    computed_at: datetime | None
    percentile: float
    spend_units: float
    seed_share: float
    lockstep: bool
    damping: float
    contributions: list[Contribution]


def explain(session: Session, user: User, top: int = 5) -> Explanation:
    """A user's score computed now from the current evidence, and where it comes from."""
    loaded = load_evidence(session)
    result = scoring.compute(loaded.evidence)
    i = int(_index(loaded.user_ids, [user.id])[0])
    stored = session.get(UserTrust, user.id)
    contributions = result.contributions(i, top)
    names = dict(session.execute(select(User.id, User.username).where(
        User.id.in_([int(loaded.user_ids[j]) for j, _, _ in contributions]))).all())
    return Explanation(
        username=user.username, score=float(result.score[i]),
        stored_score=stored.score if stored else None, computed_at=stored.computed_at if stored else None,
        percentile=float((result.score < result.score[i]).mean() * 100),
        spend_units=float(result.spend_units[i]), seed_share=float(result.seed[i]),
        lockstep=bool(result.lockstep[i]), damping=float(result.damping[i]),
        contributions=[Contribution(names[int(loaded.user_ids[j])], flow, kinds) for j, flow, kinds in contributions],
    )

