"""Feed reads. Home and Discover are ranked by trust (``ranking``) from precomputed scores over
``candidates``; profiles, boards, tags and product pages list newest first.

A ranked feed is a snapshot: the first page ranks the candidates once and stores the order, and
the cursor names the snapshot and a position in it, so later pages never repeat or skip a note
while scores change. Discover's snapshot is shared and rebuilt when it is older than
FEED_SNAPSHOT_SECONDS; Home's is built per reader. A page costs a fixed number of queries
whatever its size; a note's card is cached once for every page that shows it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.cache import cache
from app.db import utcnow, write_transaction
from app.errors import Invalid
from app.feed import candidates, cards, ranking
from app.feed.models import FeedSnapshot
from app.notes.models import Note
from app.notes.service import published_notes, viewer_role, visibility, visible_notes
from app.pagination import Page, decode_cursor, encode_cursor
from app.social import service as social
from app.social.models import Follow, Like

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
    # Ranked feeds only: the score and why the note is here, as (code, figure) pairs.
    score: float | None = None
    why: list[tuple[str, int]] = field(default_factory=list)


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
    """A page of Home ("following") or Discover, ranked, each item with its score and reasons.

    The page's viewer-independent cards come from the cache (``cards``); each request then reads,
    in one query, which of its notes this viewer may still see and their counts (so a note hidden
    or deleted a second ago is gone, and an edited one is re-read), plus the viewer's own likes and
    collects."""
    if kind == "following" and (viewer is None or not viewer.is_authenticated):
        kind = "discover"
    snapshot_id, created_at, offset, entries = _snapshot_for(session, kind, viewer, cursor)
    # Who the snapshot is for and when it was made are in the key, not only its id: a deleted
    # snapshot's id can be reused (SQLite), and a reader's Home must never be another's.
    owner = viewer.id if kind == "following" else 0
    position = f"{kind}:{owner}:{snapshot_id}:{created_at.timestamp():.6f}:{offset}:{limit}"
    store, ttl = cache(), page_cache_seconds()
    key = f"feed:page:{position}"
    page = store.get(key)
    if page is None:
        page = _page_data(session, kind, viewer, snapshot_id, entries, offset, limit)
        store.set(key, page, ttl)
    fresh = _fresh(session, viewer, [card["id"] for card in page["cards"]])
    edited = [card["id"] for card in page["cards"]
              if card["id"] in fresh and fresh[card["id"]][0] != card["updated_at"]]
    if edited:  # since its card was cached
        for note_id in edited:
            store.delete(f"feed:card:{note_id}")
        page = _page_data(session, kind, viewer, snapshot_id, None, offset, limit)
        store.set(key, page, ttl)
    shown = [card for card in page["cards"] if card["id"] in fresh]
    ids = [card["id"] for card in shown]
    state = social.viewer_state(session, viewer, ids)
    liked, collected = state["liked"], state["collected"]
    by_followees = _followees_liked_cached(session, viewer, position, ids)
    now = utcnow()
    items = []
    for data in shown:
        _updated, likes, collects, comments = fresh[data["id"]]
        note = cards.note(data, likes, collects, comments)
        candidate = ranking.Candidate(
            note_id=note.id, author_id=note.author_id,
            age_hours=(now - (note.published_at or now)).total_seconds() / 3600,
            affinity=1.0 if data["affinity"] else 0.0, **data["signals"])
        reasons = ranking.reasons(candidate, explored=data["explored"], following=kind == "following",
                                  followees_liked=by_followees.get(note.id, 0))
        items.append(FeedItem(note, note.id in liked, note.id in collected, data["sponsored"], data["verified"],
                              score=data["score"], why=reasons))
    return Page(items, encode_cursor(snapshot_id, offset + limit) if page["more"] else None)


def page_cache_seconds() -> float:
    """How long a ranked page is cached. Visibility, counts and edits are checked per request, so
    what a cached page can hold back is an author's new name or avatar and a note's labels and
    signals: for at most this plus card_cache_seconds (the page may be built from a cached card)."""
    return float(current_app.config["FEED_PAGE_CACHE_SECONDS"])


def _page_data(session: Session, kind: str, viewer: User | None, snapshot_id: int, entries: list | None,
               offset: int, limit: int) -> dict:
    """The cacheable part of one page: cards for the snapshot's window with their places, hidden
    notes included (each request filters by what its viewer may see)."""
    if entries is None:
        items = session.scalar(select(FeedSnapshot.items).where(FeedSnapshot.id == snapshot_id))
        if items is None:
            raise _expired()
        entries = json.loads(items)
    window = entries[offset:offset + limit]
    found = note_cards(session, [entry[0] for entry in window])
    # Home snapshots record whether the reader interacts with each author (fourth field).
    affinity = {entry[0]: bool(entry[3]) for entry in window if len(entry) > 3}
    if kind == "following" and len(affinity) < len(window) and found:
        scores = candidates.affinity_with(session, viewer, list({card["author_id"] for card in found.values()}))
        affinity = {i: affinity.get(i, scores.get(card["author_id"], 0) > 0) for i, card in found.items()}
    return {"more": offset + limit < len(entries), "cards": [
        {**found[note_id], "score": score, "explored": bool(explored), "affinity": affinity.get(note_id, False)}
        for note_id, score, explored, *_rest in window if note_id in found]}


def note_cards(session: Session, note_ids: list[int]) -> dict[int, dict]:
    """note id -> its card (cards.card), the same for every reader and snapshot, so cached per note
    and shared by every Home and Discover page that shows it. Drafts and unknown ids are left out."""
    store, ttl = cache(), card_cache_seconds()
    keys = [f"feed:card:{note_id}" for note_id in note_ids]
    found = {} if ttl <= 0 else {
        note_id: card for note_id, card in zip(note_ids, store.get_many(keys), strict=True) if card is not None}
    missing = [note_id for note_id in note_ids if note_id not in found]
    if missing:
        notes = list(session.scalars(select(Note).where(Note.id.in_(missing), Note.is_draft.is_(False))
                                     .options(selectinload(Note.author), selectinload(Note.cover))))
        sponsored, verified = commerce_flags(session, notes)
        signals = candidates.note_signals(session, notes)
        for note in notes:
            card = found[note.id] = cards.card(note, sponsored=note.id in sponsored, verified=note.id in verified,
                                               signals=signals[note.id])
            store.set(f"feed:card:{note.id}", card, ttl)
    return found


def card_cache_seconds() -> float:
    """Cards outlive one snapshot, so no longer than a snapshot is reused (0 in tests: a test sees its
    own writes) nor than FEED_PAGE_CACHE_SECONDS."""
    return min(page_cache_seconds(), float(current_app.config["FEED_SNAPSHOT_SECONDS"]))


def _fresh(session: Session, viewer: User | None, note_ids: list[int]) -> dict[int, tuple]:
    """Of these notes, those the viewer may see now: id -> (updated_at, likes, collects, comments)."""
    if not note_ids:
        return {}
    role = viewer_role(viewer)
    rows = session.execute(_fresh_query(role), {"viewer": viewer.id if role != "anonymous" else None,
                                                "notes": list(note_ids)})
    return {row[0]: (cards.stamp(row[1]), row[2], row[3], row[4]) for row in rows}


@functools.cache
def _fresh_query(role: str):
    """Built once per role (building costs more than the database takes to answer)."""
    return (select(Note.id, Note.updated_at, Note.like_count, Note.collect_count, Note.comment_count)
            .where(visibility(role, bindparam("viewer")), Note.is_draft.is_(False),
                   Note.id.in_(bindparam("notes", expanding=True))))


def _followees_liked_cached(session: Session, viewer: User | None, page_key: str, note_ids: list[int]) -> dict:
    """followees_liked for one page, cached under the viewer's own id for as long as the page."""
    if viewer is None or not viewer.is_authenticated or not note_ids:
        return {}
    store, key = cache(), f"feed:followees-liked:{viewer.id}:{page_key}"
    counts = store.get(key)
    if counts is None or not set(map(str, note_ids)) <= set(counts.get("asked", [])):
        found = followees_liked(session, viewer, note_ids)
        counts = {"asked": [str(i) for i in note_ids], "liked": {str(k): v for k, v in found.items()}}
        store.set(key, counts, page_cache_seconds())
    return {int(k): v for k, v in counts["liked"].items()}


def followees_liked(session: Session, viewer: User, note_ids: list[int]) -> dict[int, int]:
    """How many people the viewer follows liked each note. From the viewer's follows into the likes
    primary key (user, note): a note liked by thousands costs no more than one liked by few."""
    return dict(session.execute(_followees_liked_query(), {"viewer": viewer.id, "notes": list(note_ids)}).all())


@functools.cache
def _followees_liked_query():
    return (select(Like.note_id, func.count()).select_from(Follow)
            .join(Like, Like.user_id == Follow.followee_id)
            .where(Follow.follower_id == bindparam("viewer"), Like.note_id.in_(bindparam("notes", expanding=True)))
            .group_by(Like.note_id))


def _expired() -> Invalid:
    return Invalid(_l("This feed has been refreshed since; reload it to see what is new."), code="invalid_cursor")


REASONS = {
    "new_creator": lambda n, name: _("A new creator we are helping get seen"),
    "followees_liked": lambda n, name: ngettext("%(num)d person you follow liked this",
                                                "%(num)d people you follow liked this", n),
    "affinity": lambda n, name: _("You often like and comment on %(name)s's notes", name=name),
    "following": lambda n, name: _("You follow %(name)s", name=name),
    "author_bought": lambda n, name: _("The author bought this product"),
    "verified_likers": lambda n, name: ngettext("Liked by %(num)d verified buyer",
                                                "Liked by %(num)d verified buyers", n),
    "trusted_likers": lambda n, name: ngettext("Liked by %(num)d trusted reader",
                                               "Liked by %(num)d trusted readers", n),
    "trusted_author": lambda n, name: _("From one of the community's most trusted creators"),
    "fresh": lambda n, name: _("Posted in the last day"),
    "recent": lambda n, name: _("Recent in the community"),
}


NAMED_REASONS = {"affinity", "following"}
_reason_texts: dict[tuple, str] = {}  # (locale, code, figure, name) -> text: a page asks for the same few


def why(item: FeedItem) -> list[dict]:
    """The item's reasons as the API, the card menu and the note page show them: [{"code", "text"}]."""
    name = item.note.author.display_name
    locale = str(get_locale())
    out = []
    for code, figure in item.why:
        key = (locale, code, figure, name if code in NAMED_REASONS else None)
        text = _reason_texts.get(key)
        if text is None:
            if len(_reason_texts) > 10_000:
                _reason_texts.clear()
            text = _reason_texts[key] = str(REASONS[code](figure, name))
        out.append({"code": code, "text": text})
    return out


def note_reasons(session: Session, viewer: User | None, note: Note, following: bool) -> list[dict]:
    """What would put this note in the viewer's feed (``following``: the viewer follows its author):
    the note page's "why you see this"."""
    reasons = explain(session, viewer, [note], following=following)[note.id]
    return why(FeedItem(note, False, False, why=reasons))


def settings() -> dict:
    config = current_app.config
    weights = ranking.Weights(
        half_life_hours=config["FEED_HALF_LIFE_HOURS"], author_cap=config["FEED_AUTHOR_CAP"],
        window=config["FEED_PAGE_SIZE"], exploration_share=config["FEED_EXPLORATION_SHARE"])
    return {"weights": weights, "candidates": config["FEED_CANDIDATES"], "length": config["FEED_SNAPSHOT_LENGTH"],
            "fresh_for": timedelta(seconds=config["FEED_SNAPSHOT_SECONDS"]),
            "new_creator": timedelta(days=config["FEED_NEW_CREATOR_DAYS"]),
            "keep": timedelta(hours=config["FEED_SNAPSHOT_KEEP_HOURS"]),
            "max_age": timedelta(days=config["FEED_MAX_AGE_DAYS"])}


def _snapshot_for(session: Session, kind: str, viewer: User | None,
                  cursor: str | None) -> tuple[int, datetime, int, list | None]:
    """(snapshot id, its creation time, offset, its entries when just built). The snapshot's items
    are not read here: a cached page does not need them."""
    viewer_id = viewer.id if kind == "following" else None
    after = decode_cursor(cursor, (int, int))
    if after:
        row = session.execute(select(FeedSnapshot.kind, FeedSnapshot.viewer_id, FeedSnapshot.created_at)
                              .where(FeedSnapshot.id == after[0])).first()
        if row is None or row.kind != kind or row.viewer_id != viewer_id or after[1] < 0:
            raise _expired()
        return after[0], row.created_at, after[1], None
    # A recent snapshot serves page 1 again: Discover's is everyone's, Home's the reader's own
    # (dropped when they follow or unfollow someone, see forget_home).
    latest = session.execute(_latest_snapshot_query(viewer_id is None), {
        "kind": kind, "viewer": viewer_id, "since": utcnow() - settings()["fresh_for"]}).first()
    if latest is not None:
        return latest.id, latest.created_at, 0, None
    snapshot_id, created_at, items = build_snapshot(session, kind, viewer if kind == "following" else None)
    return snapshot_id, created_at, 0, items


@functools.cache
def _latest_snapshot_query(shared: bool):
    """The newest snapshot of a kind made since a moment: Discover's (``shared``) or a reader's."""
    viewer_match = FeedSnapshot.viewer_id.is_(None) if shared else FeedSnapshot.viewer_id == bindparam("viewer")
    return (select(FeedSnapshot.id, FeedSnapshot.created_at)
            .where(FeedSnapshot.kind == bindparam("kind"), viewer_match, FeedSnapshot.created_at > bindparam("since"))
            .order_by(FeedSnapshot.id.desc()).limit(1))


def build_snapshot(session: Session, kind: str, viewer: User | None) -> tuple[int, datetime, list]:
    """Rank the candidates now and store the order (its own short transaction): (id, created_at, items)."""
    config = settings()
    found = candidates.home(session, viewer, config) if kind == "following" else candidates.discover(session, config)
    ranked = ranking.rank(found, config["weights"], explore=kind == "discover", limit=config["length"])
    if kind == "following":  # Home also records the reader's affinity with each author, for the reasons
        items = [[r.candidate.note_id, round(r.score, 4), 1 if r.explored else 0, 1 if r.candidate.affinity > 0 else 0]
                 for r in ranked]
    else:
        items = [[r.candidate.note_id, round(r.score, 4), 1 if r.explored else 0] for r in ranked]
    values = {"kind": kind, "viewer_id": viewer.id if viewer else None, "created_at": utcnow(),
              "items": json.dumps(items, separators=(",", ":"))}
    # BEGIN IMMEDIATE, not an upgrade of the read transaction above: on SQLite that upgrade fails
    # at once with "database is locked" when another process wrote since the reads began.
    with write_transaction(session):
        snapshot_id = session.execute(insert(FeedSnapshot).values(values).returning(FeedSnapshot.id)).scalar_one()
    return snapshot_id, values["created_at"], items


def forget_home(session: Session, viewer_id: int) -> None:
    """The reader's follows changed: their next Home is ranked afresh (open cursors ask for a reload)."""
    session.execute(delete(FeedSnapshot).where(FeedSnapshot.kind == "following", FeedSnapshot.viewer_id == viewer_id))


def prune_snapshots(session: Session) -> int:
    """Delete snapshots older than FEED_SNAPSHOT_KEEP_HOURS (their cursors then ask for a reload)."""
    gone = session.execute(delete(FeedSnapshot).where(FeedSnapshot.created_at < utcnow() - settings()["keep"])).rowcount
    session.commit()
    return gone


def explain(session: Session, viewer: User | None, notes: list[Note], following: bool = False,
            explored: set[int] = frozenset()) -> dict[int, list[tuple[str, int]]]:
    """Why each note is shown to this viewer, from the same terms the ranking used."""
    if not notes:
        return {}
    signals = candidates.note_signals(session, notes)
    liked_by_followees: dict[int, int] = {}
    affinity: dict[int, float] = {}
    if viewer is not None and viewer.is_authenticated:
        liked_by_followees = followees_liked(session, viewer, [n.id for n in notes])
        if following:
            affinity = candidates.affinity_with(session, viewer, [n.author_id for n in notes])
    now = utcnow()
    out = {}
    for note in notes:
        candidate = ranking.Candidate(
            note_id=note.id, author_id=note.author_id,
            age_hours=(now - (note.published_at or now)).total_seconds() / 3600,
            affinity=affinity.get(note.author_id, 0.0), **signals[note.id])
        out[note.id] = ranking.reasons(candidate, explored=note.id in explored,
                                       followees_liked=liked_by_followees.get(note.id, 0), following=following)
    return out


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
