"""Feed reads. Newest first for now; the trust issue replaces the ordering, not the shape.

A page costs a fixed number of queries whatever its size: the notes with their authors, their
covers, and the viewer's likes and collects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.notes.models import Note
from app.notes.service import published_notes, visible_notes
from app.pagination import Page, decode_cursor, encode_cursor
from app.social import service as social
from app.social.models import Follow

KINDS = ("following", "discover")
MAX_LIMIT = 50


@dataclass
class FeedItem:
    note: Note
    liked: bool
    collected: bool
    # Commerce facts a card shows: an ad/partnership label, a verified-purchase badge.
    sponsored: bool = False
    verified: bool = False


def clamp_limit(limit, default: int) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        return default
    return max(1, min(limit, MAX_LIMIT))


def follows_anyone(session: Session, viewer: User | None) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    return session.scalar(select(Follow.followee_id).where(Follow.follower_id == viewer.id).limit(1)) is not None


def feed_query(kind: str, viewer: User | None):
    query = published_notes(viewer)
    if kind == "following":
        followed = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
        query = query.where(Note.author_id.in_(followed))
    return query


def notes_page(session: Session, query, viewer: User | None, cursor: str | None, limit: int) -> Page:
    """Newest-first keyset page of ``query`` (a select of Note), as FeedItems."""
    after = decode_cursor(cursor, (datetime, int))
    if after:
        published, note_id = after
        query = query.where(or_(Note.published_at < published,
                                and_(Note.published_at == published, Note.id < note_id)))
    query = (query.order_by(Note.published_at.desc(), Note.id.desc())
             .options(selectinload(Note.author), selectinload(Note.cover)).limit(limit + 1))
    notes = list(session.scalars(query))
    page, more = notes[:limit], len(notes) > limit
    items = feed_items(session, viewer, page)
    next_cursor = encode_cursor(page[-1].published_at, page[-1].id) if more and page else None
    return Page(items, next_cursor)


def feed_items(session: Session, viewer: User | None, notes: list[Note]) -> list[FeedItem]:
    """Cards for ``notes`` in their order: the viewer's likes and collects and the commerce
    labels, in a fixed number of queries."""
    state = social.viewer_state(session, viewer, [n.id for n in notes])
    sponsored, verified = commerce_flags(session, notes)
    return [FeedItem(n, n.id in state["liked"], n.id in state["collected"], n.id in sponsored, n.id in verified)
            for n in notes]


def commerce_flags(session: Session, notes) -> tuple[set[int], set[int]]:
    """Which notes are ads (their author earns from the linked product) and which are verified
    purchases; no query at all when no note links a product."""
    from app.catalog.service import sponsored_note_ids
    from app.orders.service import verified_note_ids

    return sponsored_note_ids(session, notes), verified_note_ids(session, notes)


def get_feed(session: Session, kind: str, viewer: User | None, cursor: str | None = None, limit: int = 20) -> Page:
    if kind == "following" and (viewer is None or not viewer.is_authenticated):
        kind = "discover"
    return notes_page(session, feed_query(kind, viewer), viewer, cursor, limit)


def user_notes(session: Session, author: User, viewer: User | None, cursor: str | None, limit: int,
               drafts: bool = False) -> Page:
    if drafts:
        # Drafts have no published_at; list them by last edit on the author's own drafts tab.
        query = select(Note).where(visible_notes(viewer), Note.author_id == author.id, Note.is_draft.is_(True))
        notes = list(session.scalars(query.order_by(Note.updated_at.desc()).options(
            selectinload(Note.author), selectinload(Note.cover)).limit(MAX_LIMIT)))
        return Page([FeedItem(n, False, False) for n in notes], None)
    return notes_page(session, published_notes(viewer).where(Note.author_id == author.id), viewer, cursor, limit)


def collected_notes(session: Session, owner: User, viewer: User | None, cursor: str | None, limit: int,
                    board_id: int | None = None) -> Page:
    from app.social.models import Collect

    collected = select(Collect.note_id).where(Collect.user_id == owner.id)
    if board_id is not None:
        collected = collected.where(Collect.board_id == board_id)
    query = published_notes(viewer).where(Note.id.in_(collected))
    return notes_page(session, query, viewer, cursor, limit)


def tag_notes(session: Session, tag_name: str, viewer: User | None, cursor: str | None, limit: int) -> Page:
    from app.notes.models import NoteTag, Tag

    tagged = select(NoteTag.note_id).join(Tag, Tag.id == NoteTag.tag_id).where(Tag.name == tag_name)
    query = published_notes(viewer).where(Note.id.in_(tagged))
    return notes_page(session, query, viewer, cursor, limit)


def product_notes(session: Session, product_id: int, viewer: User | None, cursor: str | None, limit: int) -> Page:
    """Notes that review a product: the product page's waterfall."""
    return notes_page(session, published_notes(viewer).where(Note.product_id == product_id), viewer, cursor, limit)
