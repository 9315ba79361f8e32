"""Search use cases for the page and the API: parse the query, ask the index for ids, and turn
them back into rows in rank order with a fixed number of SQL queries, filtered again by what
may be seen (the index can lag the database by a drain)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.errors import Invalid
from app.pagination import MAX_ID, decode_cursor, encode_cursor
from app.search import analysis
from app.search.index import SearchIndex, SearchRequest
from app.search.outbox import current_index

KINDS = ("notes", "products", "users")
SORTS = {
    "notes": ("relevance", "newest", "liked"),
    "products": ("relevance", "newest", "sales", "price_asc", "price_desc"),
    "users": ("relevance", "followers", "newest"),
}
MAX_LIMIT = 50
MAX_OFFSET = 1000  # deeper pages are not served: nobody reads them, and they cost the most
SNIPPET_CHARS = 80

Segments = list[tuple[str, bool]]


@dataclass
class SearchFilters:
    tag: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock: bool = False
    verified: bool = False


@dataclass
class SearchHit:
    item: object  # a FeedItem (notes), Product or User
    title: Segments  # highlighted title, product name or display name
    snippet: Segments  # highlighted body, description or bio


@dataclass
class SearchPage:
    items: list[SearchHit]
    next_cursor: str | None
    query: str
    did_you_mean: str | None = None
    words: set[str] = field(default_factory=set)


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def _flag(args, name: str) -> bool:
    value = (args.get(name) or "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise Invalid(_l("%(name)s is true or false.", name=name), code="invalid_filter",
                      fields={name: _l("true or false")})
    return value in _TRUE


def _price(args, name: str) -> int | None:
    """A price bound: ``<name>_cents`` as integer cents (the API), or ``<name>`` in yuan (the page)."""
    from app.catalog.service import parse_price
    from app.params import optional_int

    if args.get(f"{name}_cents") not in (None, ""):
        return optional_int(args, f"{name}_cents")
    if (args.get(name) or "").strip():
        cents = parse_price(args.get(name))
        if cents > MAX_ID:
            raise Invalid(_l("That price is too high."), code="invalid_filter", fields={name: _l("Too high.")})
        return cents
    return None


def parse_filters(args) -> SearchFilters:
    """Filters from a query string, for the page and the API alike."""
    return SearchFilters(
        tag=(args.get("tag") or "").strip() or None,
        min_price_cents=_price(args, "min_price"), max_price_cents=_price(args, "max_price"),
        in_stock=_flag(args, "in_stock"), verified=_flag(args, "verified"),
    )


def highlighted(segments: Segments) -> Markup:
    """Segments as HTML: every piece escaped, matches in <mark>."""
    return Markup("").join(Markup("<mark>%s</mark>") % piece if hit else escape(piece) for piece, hit in segments)


def _check(kind: str, sort: str, limit) -> int:
    if kind not in KINDS:
        raise Invalid(_l("Search notes, products or users."), code="invalid_type",
                      fields={"type": _l("One of: %(choices)s.", choices=", ".join(KINDS))})
    if sort not in SORTS[kind]:
        raise Invalid(_l("Unknown sort order."), code="invalid_sort",
                      fields={"sort": _l("One of: %(choices)s.", choices=", ".join(SORTS[kind]))})
    try:
        return max(1, min(int(limit), MAX_LIMIT))
    except (TypeError, ValueError):
        raise Invalid(_l("limit must be a whole number."), code="invalid_limit") from None


def _price_range(filters: SearchFilters) -> tuple[int | None, int | None]:
    low, high = filters.min_price_cents, filters.max_price_cents
    if low is not None and high is not None and low > high:
        raise Invalid(_l("The lowest price is above the highest."), code="invalid_price_range")
    return low, high


Requirement = tuple[tuple[str, ...], ...]  # spellings, any of which will do (see SearchRequest)


def plan_words(index: SearchIndex, kind: str, words: list[analysis.Term]) -> list[Requirement]:
    """What a document must hold, adjusted to what the index knows:

    - a Chinese bigram no document holds is dropped when its characters are covered by other
      bigrams: in 露營裝備 the bigram 營裝 straddles two words and appears nowhere, yet 露營 and
      裝備 together are what the reader meant;
    - people glue brand names or split them (AirPodsPro, Snow Peak): a latin word may also be
      met by the indexed words it splits into, and two adjacent latin words by their join."""
    counts = {w.text: index.count(kind, w.text) for w in words}
    kept = list(words)
    for word in words:
        if counts[word.text] or not analysis.is_han(word.text) or len(word.text) < 2:
            continue
        others = [w for w in kept if w is not word and analysis.is_han(w.text)]
        covered = {i for w in others for i in range(w.start, w.end)}
        if all(i in covered for i in range(word.start, word.end)):
            kept.remove(word)
    planned: list[Requirement] = []
    i = 0
    while i < len(kept):
        word = kept[i].text
        after = kept[i + 1] if i + 1 < len(kept) else None
        if analysis.is_han(word) or not word.isalpha():
            planned.append(((word,),))
        elif after and after.text.isalpha() and index.count(kind, word + after.text):
            planned.append(((word, after.text), (word + after.text,)))
            i += 1
        else:
            split = _split(index, kind, word) if len(word) >= 5 else None
            planned.append(((word,), tuple(split)) if split else ((word,),))
        i += 1
    return planned


def _split(index: SearchIndex, kind: str, word: str, depth: int = 3) -> list[str] | None:
    """``word`` as two or three indexed words of three letters or more, fewest first."""
    best = None
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if not index.count(kind, head):
            continue
        if index.count(kind, tail):
            return [head, tail]
        rest = _split(index, kind, tail, depth - 1) if depth > 2 else None
        if rest and best is None:
            best = [head, *rest]
    return best


def _flat(requirements: list[Requirement]) -> set[str]:
    return {word for spellings in requirements for spelling in spellings for word in spelling}


def search(session: Session, viewer: User | None, q, *, kind: str = "notes", filters: SearchFilters | None = None,
           sort: str = "relevance", cursor: str | None = None, limit=20) -> SearchPage:
    limit = _check(kind, sort, limit)
    filters = filters or SearchFilters()
    offset = (decode_cursor(cursor, (int,)) or [0])[0]
    parsed = analysis.parse_query(q)
    tags = list(parsed.tags)
    if filters.tag and kind == "notes":
        tags.append(analysis.fold(filters.tag.lstrip("#＃")))
    if offset >= MAX_OFFSET or not (parsed.words or tags or filters.tag):
        return SearchPage([], None, parsed.text)
    index = current_index()
    request = SearchRequest(
        kind=kind, words=plan_words(index, kind, parsed.words), tags=tags if kind == "notes" else [],
        price_range=_price_range(filters) if kind != "users" else (None, None),
        in_stock=filters.in_stock and kind == "products", verified=filters.verified and kind == "notes",
        sort=sort, offset=offset, limit=min(limit, MAX_OFFSET - offset),
    )
    hits = index.search(request)
    words = {w.text for w in parsed.words} | _flat(request.words)
    items = _rows(session, viewer, kind, hits.ids, words)
    next_cursor = encode_cursor(offset + request.limit) if hits.more and offset + request.limit < MAX_OFFSET else None
    page = SearchPage(items, next_cursor, parsed.text, words=words)
    if not hits.ids and offset == 0 and parsed.words:
        page.did_you_mean = correct(index, request, parsed)
    return page


# ---- ids back to rows, in rank order ----

def _rows(session: Session, viewer: User | None, kind: str, ids: list[int], words: set[str]) -> list[SearchHit]:
    if not ids:
        return []
    if kind == "notes":
        return _note_hits(session, viewer, ids, words)
    if kind == "products":
        from app.catalog.models import Product
        from app.catalog.service import product_query, visible_products

        found = {p.id: p for p in session.scalars(product_query().where(Product.id.in_(ids), visible_products(None)))}
        return [SearchHit(p, _mark(p.name, words), _mark(p.description, words, SNIPPET_CHARS))
                for p in (found.get(i) for i in ids) if p]
    found = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids), User.suspended_at.is_(None)))}
    return [SearchHit(u, _mark(u.display_name, words), _mark(u.bio, words, SNIPPET_CHARS))
            for u in (found.get(i) for i in ids) if u]


def _note_hits(session: Session, viewer: User | None, ids: list[int], words: set[str]) -> list[SearchHit]:
    from app.feed.service import feed_items
    from app.notes.models import Note
    from app.notes.service import published_notes

    # Only public notes, whoever asks: search never surfaces drafts or hidden notes, even the viewer's own.
    query = published_notes(None).where(Note.id.in_(ids)).options(selectinload(Note.author), selectinload(Note.cover))
    found = {n.id: n for n in session.scalars(query)}
    notes = [found[i] for i in ids if i in found]
    return [SearchHit(item, _mark(item.note.title, words), _mark(item.note.body, words, SNIPPET_CHARS))
            for item in feed_items(session, viewer, notes)]


def _mark(text: str, words: set[str], width: int | None = None) -> Segments:
    return analysis.highlight(text or "", words, width)


# ---- did you mean ----

def correct(index: SearchIndex, request: SearchRequest, parsed: analysis.ParsedQuery) -> str | None:
    """A spelling of the query that finds something, changing as little as possible: each word
    no document holds is replaced by the most frequent indexed word one or two edits away whose
    neighbours still exist (露營裝被 → 露營裝備, iphnoe → iphone). None when nothing better is found."""
    text, folded, changed = parsed.text, analysis.fold(parsed.text), False
    traditional = folded != text.casefold() and any(analysis.is_han(c) and analysis.fold(c) != c for c in text)
    for word in sorted(parsed.words, key=lambda w: -w.start):  # right to left keeps offsets valid
        if index.count(request.kind, word.text):
            continue
        distance = 1 if analysis.is_han(word.text) or len(word.text) <= 5 else 2
        for candidate, _frequency in index.near_words(request.kind, word.text, distance)[:8]:
            trial = folded[:word.start] + candidate + folded[word.end:]
            span = range(word.start, word.start + len(candidate))
            trial_words = analysis.parse_query(trial).words
            needed = _flat(plan_words(index, request.kind, trial_words))
            around = [w.text for w in trial_words
                      if w.text in needed and (w.start in span or w.end - 1 in span)]
            if all(index.count(request.kind, w) for w in around):
                respelt = _respell(text[word.start:word.end], candidate, traditional)
                text = text[:word.start] + respelt + text[word.end:]
                folded, changed = trial, True
                break
    if not changed:
        return None
    trial = analysis.parse_query(text)
    request = SearchRequest(**{**request.__dict__, "words": plan_words(index, request.kind, trial.words),
                               "offset": 0, "limit": 1})
    return text if index.search(request).ids else None


def _respell(original: str, candidate: str, traditional: bool) -> str:
    """``candidate`` (folded) written like ``original``: unchanged characters as typed, new ones
    in Traditional when the reader writes Traditional."""
    if len(original) != len(candidate):
        return candidate
    out = []
    for was, now in zip(original, candidate, strict=True):
        if analysis.fold(was) == now:
            out.append(was)
        else:
            out.append(analysis.to_traditional(now) if traditional else now)
    return "".join(out)


# ---- suggestions as you type ----

@dataclass
class Suggestion:
    text: str
    kind: str  # tag, product, user
    id: int | None = None


def suggest(session: Session, q, *, limit: int = 8, traditional: bool = True) -> list[Suggestion]:
    """Tags, products and people for a half-typed query: tags by prefix (most used first),
    products whose names hold the words, people by username prefix or name."""
    parsed = analysis.parse_query(q)
    stem = analysis.fold(parsed.text.lstrip("#＃").strip())
    if not stem:
        return []
    index = current_index()
    out: list[Suggestion] = []
    for tag, _count in index.tags_with_prefix(stem, limit=4):
        shown = analysis.to_traditional(tag) if traditional else tag
        out.append(Suggestion("#" + shown, "tag"))
    if parsed.words:
        products = search(session, None, parsed.text, kind="products", limit=3).items
        out += [Suggestion(hit.item.name, "product", hit.item.id) for hit in products]
    user_ids = index.users_with_prefix(stem, limit=3)
    if not user_ids and parsed.words:
        user_ids = [hit.item.id for hit in search(session, None, parsed.text, kind="users", limit=3).items]
    if user_ids:
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids),
                                                                       User.suspended_at.is_(None)))}
        out += [Suggestion(f"{users[i].display_name} @{users[i].username}", "user", i) for i in user_ids if i in users]
    return out[:limit]
