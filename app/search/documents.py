"""Search documents built from database rows: the one place that decides what is searchable and
what each document holds. A row that must not be found (hidden, draft, unlisted, suspended
author) has no document, so building it again removes it from the index."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.accounts.models import User
from app.catalog.models import Product
from app.notes import text as note_text
from app.notes.models import Note
from app.search.analysis import fold

BATCH = 1000
VERIFIED_BOOST = 1.25  # a review by someone who bought and kept the product ranks a little higher


def _epoch(moment) -> int:
    """Microseconds: notes published in the same second still sort newest first."""
    return int(moment.timestamp() * 1_000_000) if moment else 0


def _sealed(doc: dict) -> dict:
    """Add the digest of the document's content, which ``flask search verify`` compares."""
    doc["digest"] = hashlib.blake2b(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode(),
                                    digest_size=12).hexdigest()
    return doc


def trust_boost(author: Author) -> float:
    """How much the author's standing lifts their notes. Every author counts the same until
    trust scores exist; this is the one place they will enter relevance."""
    return 1.0


# ---- notes ----

class Author(NamedTuple):
    id: int
    username: str
    display_name: str


def _note_docs(session: Session, condition) -> list[dict]:
    """Read with Core, not as ORM objects (a rebuild reads every note): one query for the notes
    with their authors and products, one for their tags, one for verified purchases."""
    from app.catalog.models import Product
    from app.notes.models import NoteTag, Tag
    from app.notes.service import visible_notes
    from app.orders.service import verified_note_ids

    author = aliased(User, name="author")  # not User: visible_notes() correlates a subquery on it
    rows = session.execute(
        select(Note.id, Note.title, Note.body, Note.product_id, Note.like_count, Note.published_at, Note.author_id,
               author.username, author.display_name, Product.name.label("product_name"), Product.price_cents)
        .join(author, author.id == Note.author_id).outerjoin(Product, Product.id == Note.product_id)
        .where(visible_notes(None), Note.is_draft == false(), condition).order_by(Note.id)
    ).all()
    if not rows:
        return []
    tags: dict[int, list[str]] = defaultdict(list)
    for note_id, name in session.execute(
        select(NoteTag.note_id, Tag.name).join(Tag, Tag.id == NoteTag.tag_id)
        .where(NoteTag.note_id.in_([row.id for row in rows])).order_by(NoteTag.note_id, Tag.name)
    ):
        tags[note_id].append(name)
    verified = verified_note_ids(session, rows)
    boosts: dict[int, float] = {}
    folded: dict[str, str] = {}
    docs = []
    for note in rows:
        names = tags.get(note.id, [])
        if any(sign in note.body for sign in "#＃﹟"):  # what NFKC turns into '#'
            names = names + note_text.hashtags(note.body)
        names = list(dict.fromkeys(names))
        author_boost = boosts.get(note.author_id)
        if author_boost is None:
            author_boost = boosts[note.author_id] = trust_boost(Author(note.author_id, note.username,
                                                                       note.display_name))
        boost = author_boost * (VERIFIED_BOOST if note.id in verified else 1.0)
        docs.append(_sealed({
            "id": note.id, "title": note.title, "body": note.body, "tag_text": " ".join(names),
            "tags": ",".join(dict.fromkeys(folded.get(tag) or folded.setdefault(tag, fold(tag))
                                           for tag in names)) or None,
            "author": f"{note.username} {note.display_name}",
            "product": note.product_name, "price_cents": note.price_cents,
            "created_at": _epoch(note.published_at), "likes": note.like_count, "verified": note.id in verified,
            "trust_boost": boost, "boost": boost,
        }))
    return docs


# ---- products ----

def _product_docs(session: Session, condition) -> list[dict]:
    from app.catalog.service import visible_products

    query = (select(Product).where(visible_products(None), condition).options(selectinload(Product.shop))
             .order_by(Product.id))
    return [_sealed({
        "id": p.id, "name": p.name, "description": p.description, "shop": p.shop.name,
        "price_cents": p.price_cents, "stock": p.stock, "in_stock": p.stock > 0, "sold": p.sold_count,
        "created_at": _epoch(p.created_at),
    }) for p in session.scalars(query)]


# ---- users ----

def _user_docs(session: Session, condition) -> list[dict]:
    from app.social.models import Follow

    users = list(session.scalars(select(User).where(User.suspended_at.is_(None), condition).order_by(User.id)))
    ids = [u.id for u in users]
    followers = dict(session.execute(
        select(Follow.followee_id, func.count()).where(Follow.followee_id.in_(ids)).group_by(Follow.followee_id)
    ).all()) if ids else {}
    return [_sealed({
        "id": u.id, "username": u.username, "username_key": fold(u.username), "display_name": u.display_name,
        "bio": u.bio, "followers": followers.get(u.id, 0), "created_at": _epoch(u.created_at),
    }) for u in users]


_ID_COLUMN = {"notes": Note.id, "products": Product.id, "users": User.id}


def _docs(session: Session, kind: str, condition) -> list[dict]:
    if kind == "notes":
        return _note_docs(session, condition)
    if kind == "products":
        return _product_docs(session, condition)
    return _user_docs(session, condition)


def load(session: Session, kind: str, ids) -> list[dict]:
    """Documents for ``ids`` that should be searchable; the other ids have none."""
    return _docs(session, kind, _ID_COLUMN[kind].in_(list(ids)))


def iter_all(session: Session, kind: str) -> Iterator[dict]:
    """Every searchable document of ``kind``, read in id order a batch at a time."""
    column, after = _ID_COLUMN[kind], 0
    while True:
        ids = list(session.scalars(select(column).where(column > after).order_by(column).limit(BATCH)))
        if not ids:
            return
        yield from _docs(session, kind, column.in_(ids))
        after = ids[-1]


def count_all(session: Session) -> int:
    """How many rows a rebuild reads (for its progress bar)."""
    return sum(session.scalar(select(func.count()).select_from(column.class_)) for column in _ID_COLUMN.values())

