"""Keeping the index consistent with the database, which is the source of truth.

Every change to something searchable writes a ``SearchOutbox`` row in the same transaction
(``mark_changed``). ``drain`` applies the rows to the index, one writer at a time across all
processes (an OS file lock), and deletes them only after the index committed: a crash between
the two applies them again, which is harmless because documents are rebuilt from the database.

Races between processes: a drainer that cannot take the lock leaves its rows to the holder,
and the holder looks at the outbox again after releasing the lock, so no committed row waits
for a write that may never come.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, insert, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from app.db import write_transaction
from app.errors import Conflict
from app.search import documents
from app.search.index import KINDS, SearchIndex
from app.search.models import SearchOutbox

log = logging.getLogger(__name__)
DRAIN_BATCH = 500
# How long a request's drain keeps going while others keep writing; past it, what is left waits
# for the next write or `flask search drain`.
DRAIN_SECONDS = 2.0


def current_index() -> SearchIndex:
    return SearchIndex(current_app.config["SEARCH_INDEX_DIR"])


def mark_changed(session: Session, kind: str, ids) -> None:
    """Queue documents of ``kind`` for re-indexing, in the caller's transaction. ``ids`` is a list
    of ids or a ``select()`` of one id column (queued with one INSERT … SELECT)."""
    if kind not in KINDS:
        raise ValueError(kind)
    if isinstance(ids, Select):
        session.execute(insert(SearchOutbox).from_select(
            ["kind", "doc_id"], ids.with_only_columns(literal(kind), *ids.selected_columns)))
        return
    ids = list(dict.fromkeys(ids))
    if ids:
        session.execute(insert(SearchOutbox), [{"kind": kind, "doc_id": doc_id} for doc_id in ids])


def mark_user(session: Session, user_id: int) -> None:
    """A person's profile or standing changed: their profile, notes (which carry their name) and
    products (gone with a suspended seller) are rebuilt."""
    from app.catalog.models import Product, Shop
    from app.notes.models import Note

    mark_changed(session, "users", [user_id])
    mark_changed(session, "notes", select(Note.id).where(Note.author_id == user_id))
    mark_changed(session, "products", select(Product.id).join(Shop, Shop.id == Product.shop_id)
                 .where(Shop.owner_id == user_id))


def mark_product(session: Session, product_id: int, *, with_notes: bool = False) -> None:
    """A product changed; ``with_notes`` when its name or price did, which its notes carry."""
    from app.notes.models import Note

    mark_changed(session, "products", [product_id])
    if with_notes:
        mark_changed(session, "notes", select(Note.id).where(Note.product_id == product_id))


def has_pending(session: Session) -> bool:
    return session.scalar(select(SearchOutbox.id).limit(1)) is not None


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(SearchOutbox))


def _apply(session: Session, index: SearchIndex, rows) -> None:
    wanted: dict[str, set[int]] = defaultdict(set)
    for _row_id, kind, doc_id in rows:
        wanted[kind].add(doc_id)
    for kind, ids in wanted.items():
        docs = documents.load(session, kind, ids)
        index.apply(kind, docs, deletes=ids - {doc["id"] for doc in docs})
    session.rollback()  # end the read transaction before writing (SQLite takes the lock at BEGIN)


def _delete_rows(session: Session, row_ids: list[int]) -> None:
    with write_transaction(session):
        for start in range(0, len(row_ids), 900):
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(row_ids[start:start + 900])))


def drain(session: Session, index: SearchIndex | None = None, *, wait: float = 0.0,
          budget: float | None = None) -> int:
    """Apply queued changes to the index; returns how many outbox rows were applied. Returns at
    once when another process holds the writer lock and ``wait`` runs out: that process drains.
    With a ``budget`` (seconds) it stops once the budget is spent even if writers keep queuing;
    what is left waits for the next drain."""
    index = index or current_index()
    applied = 0
    deadline = None if budget is None else time.monotonic() + wait + budget
    spent = lambda: deadline is not None and time.monotonic() > deadline  # noqa: E731
    while True:
        with index.exclusive(wait) as held:
            if not held:
                return applied
            # A read begun before the lock sees a snapshot from before another drainer's work
            # (SQLite): start afresh, or rows already applied would be applied again, older.
            session.rollback()
            if index.stale():  # written by an older version: rebuilt, which covers every queued row
                log.warning("the search index was written by another version of its schemas; rebuilding it")
                _rebuild(session, index)
            while not spent() and (rows := session.execute(
                select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.doc_id)
                .order_by(SearchOutbox.id).limit(DRAIN_BATCH)
            ).all()):
                _apply(session, index, rows)
                _delete_rows(session, [row[0] for row in rows])
                applied += len(rows)
            session.rollback()
        if spent() or not has_pending(session):
            break
    session.rollback()
    return applied


def drain_quietly(session: Session) -> None:
    """Drain after a request that wrote: an index failure must not fail the request, whose change
    is committed and queued; the next drain (or ``flask search verify``) applies it."""
    try:
        if has_pending(session):
            drain(session, budget=DRAIN_SECONDS)
    except Exception:  # noqa: BLE001  (logged; the outbox keeps the work)
        session.rollback()
        log.exception("search index drain failed; the changes stay queued")


def reindex(session: Session, index: SearchIndex | None = None,
            progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Rebuild every document into a fresh generation and swap it in atomically, then drain what
    changed meanwhile. Searches keep using the old generation until the swap."""
    index = index or current_index()
    with index.exclusive(wait=60.0) as held:
        if not held:
            raise Conflict("Another process is writing the search index; try again later.")
        counts = _rebuild(session, index, progress)
    drain(session, index, wait=5.0)
    return counts


def _rebuild(session: Session, index: SearchIndex, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """The rebuild itself; the caller holds the writer lock."""
    # Rows queued before the rebuild reads anything are covered by it; later ones are drained.
    covered = list(session.scalars(select(SearchOutbox.id)))
    counts: dict[str, int] = {}

    def counted(kind):
        counts[kind] = 0
        for doc in documents.iter_all(session, kind):
            counts[kind] += 1
            yield doc

    index.rebuild({kind: counted(kind) for kind in KINDS}, progress=progress)
    session.rollback()
    _delete_rows(session, covered)
    return counts


@dataclass
class Drift:
    missing: dict[str, list[int]] = field(default_factory=dict)  # in the database, not in the index
    stale: dict[str, list[int]] = field(default_factory=dict)  # indexed from an older version
    extra: dict[str, list[int]] = field(default_factory=dict)  # in the index, not searchable any more

    @property
    def total(self) -> int:
        return sum(len(ids) for part in (self.missing, self.stale, self.extra) for ids in part.values())


def verify(session: Session, index: SearchIndex | None = None, *, repair: bool = False) -> Drift:
    """Compare every searchable row with what the index holds; with ``repair``, queue and drain
    every difference. Pending outbox rows are drained first so they do not count as drift."""
    index = index or current_index()
    drain(session, index, wait=30.0)
    drift = Drift()
    for kind in KINDS:
        expected = {doc["id"]: doc["digest"] for doc in documents.iter_all(session, kind)}
        actual = index.digests(kind)
        drift.missing[kind] = sorted(expected.keys() - actual.keys())
        drift.extra[kind] = sorted(actual.keys() - expected.keys())
        drift.stale[kind] = sorted(i for i in expected.keys() & actual.keys() if expected[i] != actual[i])
    session.rollback()
    if repair and drift.total:
        with write_transaction(session):
            for kind in KINDS:
                mark_changed(session, kind, drift.missing[kind] + drift.stale[kind] + drift.extra[kind])
        drain(session, index, wait=30.0)
    return drift
