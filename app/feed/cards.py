"""Ranked-feed cards as plain data, so a page can be cached (app/cache.py) and shared.

A cached page holds only what is the same for every reader of its snapshot: each note's title,
cover, author, commerce labels, score and ranking signals. Per request, feed.service adds what
must be fresh or is the reader's own: whether the reader may still see the note (hidden, deleted,
author suspended), its counts, the reader's likes and collects, and "people you follow liked
this". ``CardNote`` carries the attributes of a Note that cards, the API serializer and the
reasons read, so the templates take either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class CardAuthor:
    id: int
    username: str
    display_name: str
    avatar_key: str | None


@dataclass(frozen=True)
class CardImage:
    id: int
    key: str
    width: int
    height: int


@dataclass(frozen=True)
class CardNote:
    id: int
    author_id: int
    title: str
    is_draft: bool
    published_at: datetime | None
    product_id: int | None
    like_count: int
    collect_count: int
    comment_count: int
    author: CardAuthor
    cover: CardImage | None


def stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def card(note, *, sponsored: bool, verified: bool, signals: dict) -> dict:
    """The cacheable card of a Note (with its author and cover loaded); a page adds the note's
    place in its snapshot (score, explored, affinity)."""
    author, cover = note.author, note.cover
    return {
        "id": note.id, "author_id": note.author_id, "title": note.title, "is_draft": note.is_draft,
        "published_at": stamp(note.published_at), "updated_at": stamp(note.updated_at),
        "product_id": note.product_id,
        "author": [author.id, author.username, author.display_name, author.avatar_key],
        "cover": [cover.id, cover.key, cover.width, cover.height] if cover else None,
        "sponsored": sponsored, "verified": verified, "signals": signals,
    }


def note(data: dict, like_count: int, collect_count: int, comment_count: int) -> CardNote:
    """A card's note with the counts read for this request."""
    published = data["published_at"]
    return CardNote(
        id=data["id"], author_id=data["author_id"], title=data["title"], is_draft=data["is_draft"],
        published_at=datetime.fromisoformat(published).astimezone(UTC) if published else None,
        product_id=data["product_id"], like_count=like_count, collect_count=collect_count,
        comment_count=comment_count, author=CardAuthor(*data["author"]),
        cover=CardImage(*data["cover"]) if data["cover"] else None)
