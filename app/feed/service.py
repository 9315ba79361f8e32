"""Feed reads. Home and Discover are ranked by trust (``ranking``) from precomputed scores;
profiles, boards, tags and product pages list newest first.

A ranked feed is a snapshot: the first page ranks the candidates once and stores the order, and
the cursor names the snapshot and a position in it, so later pages never repeat or skip a note
while scores change. Discover's snapshot is shared and rebuilt when it is older than
FEED_SNAPSHOT_SECONDS; Home's is built per reader. A page costs a fixed number of queries
whatever its size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, delete, func, or_, select, union_all
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.db import utcnow, write_transaction
from app.errors import Invalid
from app.feed import ranking
from app.feed.models import FeedSnapshot
from app.notes.models import Note
from app.notes.service import published_notes, visible_notes
from app.pagination import Page, decode_cursor, encode_cursor
from app.social import service as social
from app.social.models import Collect, Comment, Follow, Like
from app.trust.models import NoteScore, UserTrust

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
    """A page of Home ("following") or Discover, ranked, each item with its score and reasons."""
    if kind == "following" and (viewer is None or not viewer.is_authenticated):
        kind = "discover"
    snapshot, offset = _snapshot_for(session, kind, viewer, cursor)
    entries = json.loads(snapshot.items)
    window = entries[offset:offset + limit]
    notes = _visible_in_order(session, viewer, [entry[0] for entry in window])
    items = feed_items(session, viewer, notes)
    explained = explain(session, viewer, notes, following=kind == "following",
                        explored={entry[0] for entry in window if entry[2]})
    scores = {entry[0]: entry[1] for entry in window}
    for item in items:
        item.score = scores[item.note.id]
        item.why = explained[item.note.id]
    more = offset + limit < len(entries)
    return Page(items, encode_cursor(snapshot.id, offset + limit) if more else None)


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


def why(item: FeedItem) -> list[dict]:
    """The item's reasons as the API, the card menu and the note page show them: [{"code", "text"}]."""
    name = item.note.author.display_name
    return [{"code": code, "text": str(REASONS[code](figure, name))} for code, figure in item.why]


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


def _snapshot_for(session: Session, kind: str, viewer: User | None, cursor: str | None) -> tuple[FeedSnapshot, int]:
    viewer_id = viewer.id if kind == "following" else None
    after = decode_cursor(cursor, (int, int))
    if after:
        snapshot = session.get(FeedSnapshot, after[0])
        if snapshot is None or snapshot.kind != kind or snapshot.viewer_id != viewer_id:
            raise Invalid(_l("This feed has been refreshed since; reload it to see what is new."),
                          code="invalid_cursor")
        return snapshot, after[1]
    # A recent snapshot serves page 1 again: Discover's is everyone's, Home's the reader's own
    # (dropped when they follow or unfollow someone, see forget_home).
    viewer_match = FeedSnapshot.viewer_id.is_(None) if viewer_id is None else FeedSnapshot.viewer_id == viewer_id
    latest = session.scalars(select(FeedSnapshot).where(
        FeedSnapshot.kind == kind, viewer_match,
        FeedSnapshot.created_at > utcnow() - settings()["fresh_for"]).order_by(FeedSnapshot.id.desc()).limit(1)).first()
    if latest is not None:
        return latest, 0
    return build_snapshot(session, kind, viewer if kind == "following" else None), 0


def build_snapshot(session: Session, kind: str, viewer: User | None) -> FeedSnapshot:
    """Rank the candidates now and store the order (its own short transaction)."""
    config = settings()
    candidates = _candidates(session, kind, viewer, config)
    ranked = ranking.rank(candidates, config["weights"], explore=kind == "discover", limit=config["length"])
    items = [[r.candidate.note_id, round(r.score, 4), 1 if r.explored else 0] for r in ranked]
    snapshot = FeedSnapshot(kind=kind, viewer_id=viewer.id if viewer else None,
                            items=json.dumps(items, separators=(",", ":")))
    # BEGIN IMMEDIATE, not an upgrade of the read transaction above: on SQLite that upgrade fails
    # at once with "database is locked" when another process wrote since the reads began.
    with write_transaction(session):
        session.add(snapshot)
    return snapshot


def forget_home(session: Session, viewer_id: int) -> None:
    """The reader's follows changed: their next Home is ranked afresh (open cursors ask for a reload)."""
    session.execute(delete(FeedSnapshot).where(FeedSnapshot.kind == "following", FeedSnapshot.viewer_id == viewer_id))


def prune_snapshots(session: Session) -> int:
    """Delete snapshots older than FEED_SNAPSHOT_KEEP_HOURS (their cursors then ask for a reload)."""
    gone = session.execute(delete(FeedSnapshot).where(FeedSnapshot.created_at < utcnow() - settings()["keep"])).rowcount
    session.commit()
    return gone


def _candidates(session: Session, kind: str, viewer: User | None, config: dict) -> list[ranking.Candidate]:
    query = (select(Note.id, Note.author_id, Note.published_at, NoteScore.engagement, NoteScore.trusted_likers,
                    NoteScore.verified_likers, NoteScore.author_bought, UserTrust.score, UserTrust.lockstep,
                    User.created_at)
             .join(User, User.id == Note.author_id)
             .outerjoin(NoteScore, NoteScore.note_id == Note.id)
             .outerjoin(UserTrust, UserTrust.user_id == Note.author_id)
             # visible_notes(None) through the join: its "author_id IN (non-suspended users)" leads
             # SQLite to read every note by author and sort them all instead of walking ix_notes_feed.
             .where(Note.is_draft.is_(False), Note.hidden_at.is_(None), User.suspended_at.is_(None)))
    affinity: dict[int, float] = {}
    if kind == "following":
        followed = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
        query = query.where(Note.author_id.in_(followed))
        affinity = affinity_with(session, viewer, followed)
    now = utcnow()
    newest = query.order_by(Note.published_at.desc(), Note.id.desc()).limit(config["candidates"])
    # Within the recent window the (author, published_at) index stops the scan early; a quiet
    # community with fewer candidates than that in the window tops up with older notes.
    since = now - config["max_age"]
    rows = session.execute(newest.where(Note.published_at >= since)).all()
    if len(rows) < config["candidates"]:
        rows += session.execute(newest.where(Note.published_at < since).limit(config["candidates"] - len(rows))).all()
    return [ranking.Candidate(
        note_id=note_id, author_id=author_id, age_hours=(now - published).total_seconds() / 3600,
        engagement=engagement or 0.0, trusted_likers=trusted or 0, verified_likers=verified or 0,
        author_bought=bool(bought), author_trust=trust or 0.0, author_flagged=bool(flagged),
        new_creator=now - joined < config["new_creator"], affinity=affinity.get(author_id, 0.0))
        for note_id, author_id, published, engagement, trusted, verified, bought, trust, flagged, joined in rows]


def affinity_with(session: Session, viewer: User, authors) -> dict[int, float]:
    """How much the viewer interacts with each of ``authors`` (a select of user ids): their likes,
    collects and comments on those authors' notes."""
    interactions = union_all(
        select(Like.note_id.label("note_id")).where(Like.user_id == viewer.id),
        select(Collect.note_id).where(Collect.user_id == viewer.id),
        select(Comment.note_id).where(Comment.author_id == viewer.id),
    ).subquery()
    return dict(session.execute(
        select(Note.author_id, func.count()).join(interactions, interactions.c.note_id == Note.id)
        .where(Note.author_id.in_(authors)).group_by(Note.author_id)).all())


def _visible_in_order(session: Session, viewer: User | None, note_ids: list[int]) -> list[Note]:
    """The notes the viewer may still see, in the given order (hidden or deleted since drop out)."""
    if not note_ids:
        return []
    notes = session.scalars(published_notes(viewer).where(Note.id.in_(note_ids))
                            .options(selectinload(Note.author), selectinload(Note.cover)))
    by_id = {n.id: n for n in notes}
    return [by_id[i] for i in note_ids if i in by_id]


def explain(session: Session, viewer: User | None, notes: list[Note], following: bool = False,
            explored: set[int] = frozenset()) -> dict[int, list[tuple[str, int]]]:
    """Why each note is shown to this viewer, from the same terms the ranking used."""
    if not notes:
        return {}
    ids = [n.id for n in notes]
    scores = {row.note_id: row for row in session.execute(
        select(NoteScore.note_id, NoteScore.engagement, NoteScore.author_bought, NoteScore.trusted_likers,
               NoteScore.verified_likers).where(NoteScore.note_id.in_(ids)))}
    trust = dict(session.execute(select(UserTrust.user_id, UserTrust.score)
                                 .where(UserTrust.user_id.in_({n.author_id for n in notes}))).all())
    followees_liked: dict[int, int] = {}
    affinity: dict[int, float] = {}
    if viewer is not None and viewer.is_authenticated:
        followed = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
        followees_liked = dict(session.execute(
            select(Like.note_id, func.count()).where(Like.note_id.in_(ids), Like.user_id.in_(followed))
            .group_by(Like.note_id)).all())
        if following:
            affinity = affinity_with(session, viewer, [n.author_id for n in notes])
    now = utcnow()
    out = {}
    for note in notes:
        score = scores.get(note.id)
        candidate = ranking.Candidate(
            note_id=note.id, author_id=note.author_id,
            age_hours=(now - (note.published_at or now)).total_seconds() / 3600,
            engagement=score.engagement if score else 0.0, author_trust=trust.get(note.author_id, 0.0),
            author_bought=bool(score and score.author_bought), trusted_likers=score.trusted_likers if score else 0,
            verified_likers=score.verified_likers if score else 0, affinity=affinity.get(note.author_id, 0.0))
        out[note.id] = ranking.reasons(candidate, explored=note.id in explored,
                                       followees_liked=followees_liked.get(note.id, 0), following=following)
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
