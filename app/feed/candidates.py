"""What the ranked feeds rank: candidate notes with the signals `flask trust recompute` stored
(note scores, the author's trust), never recomputed per request.

Discover ranks the newest FEED_CANDIDATES public notes. Home ranks the newest few notes of each
person the reader follows. One author's list is the same for all their followers, so it is cached
(app/cache.py) under the author's id for FEED_SNAPSHOT_SECONDS: a Home build reads most of the
people a reader follows from the cache and the rest from the database in one query. A new note
therefore reaches Home within two FEED_SNAPSHOT_SECONDS (the author's list, then the reader's
snapshot), as it reaches Discover within one; a note hidden or deleted meanwhile is dropped when a
page is read (feed.service).
"""

from __future__ import annotations

import functools
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, func, select, union_all
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User
from app.cache import cache
from app.db import utcnow
from app.feed.ranking import Candidate
from app.notes.models import Note
from app.social.models import Collect, Comment, Follow, Like
from app.trust.models import NoteScore, UserTrust

# Home considers the newest notes of each person followed, not the newest notes overall: one
# prolific author cannot crowd the others out of the candidates, and the query reads a bounded
# number of index entries per followee. Readers following few people get more per person, so
# their Home stays as long as before.
HOME_PER_AUTHOR = 10
HOME_MIN_CANDIDATES = 200
BATCH = 5000  # ids bound in one statement

NOTE_COLUMNS = (Note.id, Note.published_at, NoteScore.engagement, NoteScore.trusted_likers,
                NoteScore.verified_likers, NoteScore.author_bought)
AUTHOR_COLUMNS = (User.created_at, UserTrust.score, UserTrust.lockstep)


def discover(session: Session, config: dict) -> list[Candidate]:
    """The newest FEED_CANDIDATES public notes (topped up with older ones in a quiet community)."""
    since = utcnow() - config["max_age"]
    query = _public(select(Note.author_id, *NOTE_COLUMNS, *AUTHOR_COLUMNS).select_from(Note))
    # Within the recent window the (published_at, id) index stops the scan early.
    rows = session.execute(_newest_first(query.where(Note.published_at >= since)).limit(config["candidates"])).all()
    if len(rows) < config["candidates"]:
        older = _newest_first(query.where(Note.published_at < since)).limit(config["candidates"] - len(rows))
        rows += session.execute(older).all()
    now, new_for = utcnow().timestamp(), config["new_creator"].total_seconds()
    return [_candidate(now, new_for, row[0], row[1:7], row[7:]) for row in rows]


def home(session: Session, viewer: User, config: dict) -> list[Candidate]:
    """The newest notes of each person the viewer follows, with the viewer's affinity to each."""
    followed = list(session.scalars(select(Follow.followee_id).where(Follow.follower_id == viewer.id)))
    if not followed:
        return []
    minimum = min(int(current_app.config.get("FEED_HOME_MIN_CANDIDATES", HOME_MIN_CANDIDATES)), config["candidates"])
    per_author = max(int(current_app.config.get("FEED_HOME_PER_AUTHOR", HOME_PER_AUTHOR)), -(-minimum // len(followed)))
    since = utcnow() - config["max_age"]
    lists = author_lists(session, followed, per_author, since, config)
    affinity = affinity_with(session, viewer, followed)
    now, new_for, cutoff = utcnow().timestamp(), config["new_creator"].total_seconds(), since.timestamp()
    out = []
    for author_id, entry in lists.items():
        if entry["author"] is None:  # suspended
            continue
        joined, trust, flagged = entry["author"]
        new_creator, close = now - joined < new_for, affinity.get(author_id, 0.0)
        out += [Candidate(note_id, author_id, (now - published) / 3600, engagement, trust, bought,  # field order
                          trusted, verified, close, new_creator, flagged)
                for note_id, published, engagement, trusted, verified, bought in entry["notes"][:per_author]
                if published >= cutoff]
    out.sort(key=lambda c: (c.age_hours, -c.note_id))
    out = out[:config["candidates"]]
    if len(out) < minimum:
        # A reader whose people post little tops up with their older notes.
        older = _public(select(Note.author_id, *NOTE_COLUMNS, *AUTHOR_COLUMNS).select_from(Note)).where(
            Note.author_id.in_(select(Follow.followee_id).where(Follow.follower_id == viewer.id)),
            Note.published_at < since)
        rows = session.execute(_newest_first(older).limit(minimum - len(out))).all()
        out += [_candidate(now, new_for, row[0], row[1:7], row[7:], affinity.get(row[0], 0.0)) for row in rows]
    return out


def author_lists(session: Session, author_ids: list[int], per_author: int, since: datetime,
                 config: dict) -> dict[int, dict]:
    """author id -> {"author": [joined, trust, flagged], "notes": [[id, published, engagement,
    trusted likers, verified likers, author bought], ...] (newest first, at least ``per_author`` of
    them when the author has that many since ``since``)}; a suspended author's "author" is None."""
    store, ttl = cache(), config["fresh_for"].total_seconds()
    keys = [f"feed:author-notes:{author_id}" for author_id in author_ids]
    found = dict(zip(author_ids, store.get_many(keys), strict=True)) if ttl > 0 else {}
    lists = {a: entry for a, entry in found.items()
             if entry is not None and (entry["limit"] >= per_author or len(entry["notes"]) < entry["limit"])}
    missing = [a for a in author_ids if a not in lists]
    if missing:
        loaded = {}
        for start in range(0, len(missing), BATCH):  # SQLite takes at most 32,766 parameters
            loaded |= _load_author_lists(session, missing[start:start + BATCH], per_author, since)
        lists.update(loaded)
        if ttl > 0:
            for author_id, entry in loaded.items():
                store.set(f"feed:author-notes:{author_id}", entry, ttl)
    return lists


def _load_author_lists(session: Session, author_ids: list[int], limit: int, since: datetime) -> dict[int, dict]:
    lists = {a: {"limit": limit, "author": None, "notes": []} for a in author_ids}
    rows = session.execute(_author_lists_query(), {"authors": author_ids, "per_author": limit, "since": since})
    for author_id, joined, trust, flagged, note_id, published, engagement, trusted, verified, bought in rows:
        entry = lists[author_id]
        entry["author"] = [joined.timestamp(), trust or 0.0, bool(flagged)]
        if note_id is not None:
            entry["notes"].append(
                [note_id, published.timestamp(), engagement or 0.0, trusted or 0, verified or 0, bool(bought)])
    return lists


# Hot statements are built once (building one costs more than SQLite takes to run it) and bound per call.

@functools.cache
def _author_lists_query():
    """Each author (bound: authors) with their newest per_author notes since ``since``: a row per
    note, or one row with no note."""
    newest = aliased(Note)
    # Hidden notes and notes taken back to drafts are left out inside the limit, so a list shorter
    # than its limit really is all the author has.
    of_each = (select(newest.id).where(newest.author_id == User.id, newest.published_at >= bindparam("since"),
                                       newest.is_draft.is_(False), newest.hidden_at.is_(None))
               .order_by(newest.published_at.desc(), newest.id.desc()).limit(bindparam("per_author"))
               .correlate(User))
    return (select(User.id, *AUTHOR_COLUMNS, *NOTE_COLUMNS).select_from(User)
            .outerjoin(UserTrust, UserTrust.user_id == User.id)
            .outerjoin(Note, Note.id.in_(of_each))
            .outerjoin(NoteScore, NoteScore.note_id == Note.id)
            .where(User.id.in_(bindparam("authors", expanding=True)), User.suspended_at.is_(None))
            .order_by(Note.published_at.desc(), Note.id.desc()))


def affinity_with(session: Session, viewer: User, authors: list[int]) -> dict[int, float]:
    """How much the viewer interacts with each of ``authors``: their likes, collects and comments on
    those authors' notes."""
    authors, out = list(authors), {}
    for start in range(0, len(authors), BATCH):
        out |= dict(session.execute(_affinity_query(), {"viewer": viewer.id,
                                                        "authors": authors[start:start + BATCH]}).all())
    return out


@functools.cache
def _affinity_query():
    viewer = bindparam("viewer")
    interactions = union_all(
        select(Like.note_id.label("note_id")).where(Like.user_id == viewer),
        select(Collect.note_id).where(Collect.user_id == viewer),
        select(Comment.note_id).where(Comment.author_id == viewer),
    ).subquery()
    return (select(Note.author_id, func.count()).join(interactions, interactions.c.note_id == Note.id)
            .where(Note.author_id.in_(bindparam("authors", expanding=True))).group_by(Note.author_id))


def note_signals(session: Session, notes) -> dict[int, dict]:
    """The viewer-independent ranking signals of each note (note scores, the author's trust), as
    keyword arguments of ranking.Candidate."""
    if not notes:
        return {}
    ids = [n.id for n in notes]
    scores = {row.note_id: row for row in session.execute(
        select(NoteScore.note_id, NoteScore.engagement, NoteScore.author_bought, NoteScore.trusted_likers,
               NoteScore.verified_likers).where(NoteScore.note_id.in_(ids)))}
    trust = dict(session.execute(select(UserTrust.user_id, UserTrust.score)
                                 .where(UserTrust.user_id.in_({n.author_id for n in notes}))).all())
    out = {}
    for note in notes:
        score = scores.get(note.id)
        out[note.id] = {"engagement": score.engagement if score else 0.0,
                        "author_trust": trust.get(note.author_id, 0.0),
                        "author_bought": bool(score and score.author_bought),
                        "trusted_likers": score.trusted_likers if score else 0,
                        "verified_likers": score.verified_likers if score else 0}
    return out


def _public(query):
    """Notes anyone may see, with their scores and their author's trust."""
    return (query.join(User, User.id == Note.author_id)
            .outerjoin(NoteScore, NoteScore.note_id == Note.id)
            .outerjoin(UserTrust, UserTrust.user_id == Note.author_id)
            # visible_notes(None) through the join: its "author_id IN (non-suspended users)" leads
            # SQLite to read every note by author and sort them all instead of walking ix_notes_feed.
            .where(Note.is_draft.is_(False), Note.hidden_at.is_(None), User.suspended_at.is_(None)))


def _newest_first(query):
    return query.order_by(Note.published_at.desc(), Note.id.desc())


def _candidate(now: float, new_for: float, author_id: int, note, author, affinity: float = 0.0) -> Candidate:
    """A Candidate from a query's note [id, published, engagement, trusted, verified, bought] and
    author [joined, trust, flagged] (Home's cached lists build theirs inline)."""
    note_id, published, engagement, trusted, verified, bought = note
    joined, trust, flagged = author
    return Candidate(
        note_id=note_id, author_id=author_id, age_hours=(now - published.timestamp()) / 3600,
        engagement=engagement or 0.0, trusted_likers=trusted or 0, verified_likers=verified or 0,
        author_bought=bool(bought), author_trust=trust or 0.0, author_flagged=bool(flagged),
        new_creator=now - joined.timestamp() < new_for, affinity=affinity)
