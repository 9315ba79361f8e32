"""The Whoosh index: schemas, the analyzer, writing, and queries. The only module that imports whoosh.

Layout of ``SEARCH_INDEX_DIR``::

    current -> gen-1732450000123456789/   a symlink, swapped atomically by a rebuild
    gen-…/notes_*.toc, products_*, users_*  one Whoosh index per document type
    drain.lock                             one writer at a time: drains and rebuilds take it

Documents arrive as plain dicts built by ``search.documents``; queries arrive as a
``SearchRequest`` built by ``search.service``. Searchers are kept per thread and refreshed when
the index has moved on, so a query does not reopen the index.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, NumericRange, Or, Prefix, Term
from whoosh.sorting import FieldFacet
from whoosh.system import pack_uint
from whoosh.util.filelock import FileLock

from app.search import analysis

KINDS = ("notes", "products", "users")
WRITER_TIMEOUT = 10.0  # seconds a writer waits for Whoosh's own lock before giving up


class ChineseTokenizer(Tokenizer):
    """Whoosh face of ``analysis.terms``: folded CJK unigrams and bigrams, whole and split
    latin/digit words. Pickled into the index's table of contents, so keep it importable."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not (positions or chars or keeporiginal or mode == "query"):
            for word in analysis.index_words(value):
                token.text, token.boost, token.stopped = word, 1.0, False
                yield token
            return
        for pos, term in enumerate(analysis.terms(value, for_query=(mode == "query"))):
            token.text, token.boost, token.stopped = term.text, 1.0, False
            if keeporiginal:
                token.original = value[term.start:term.end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + term.start, start_char + term.end
            yield token


class ChineseText(TEXT):
    """A TEXT field whose terms are counted straight from ``analysis.index_words``, without
    Whoosh's token objects (indexing spends its time per term). ``singles=False`` indexes Chinese
    bigrams only: for long bodies, where single characters would double the postings and a
    one-character query is better answered by titles and tags."""

    def __init__(self, singles: bool = True):
        super().__init__(analyzer=ChineseTokenizer(), phrase=False)
        self.singles = singles

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        for word, frequency in Counter(analysis.index_words(value, singles=self.singles)).items():
            yield word.encode("utf-8"), frequency, frequency * boost, pack_uint(frequency)


def _text(singles: bool = True):
    return ChineseText(singles)


SCHEMAS = {
    "notes": Schema(
        id=ID(stored=True, unique=True), title=_text(), body=_text(singles=False), tag_text=_text(), author=_text(),
        product=_text(), tags=KEYWORD(commas=True, scorable=True), created_at=NUMERIC(int, bits=64, sortable=True),
        likes=NUMERIC(int, sortable=True), trust_boost=NUMERIC(float, stored=True),
        verified=BOOLEAN, price_cents=NUMERIC(int, bits=64), digest=STORED,
    ),
    "products": Schema(
        id=ID(stored=True, unique=True), name=_text(), description=_text(singles=False), shop=_text(),
        price_cents=NUMERIC(int, bits=64, sortable=True), stock=NUMERIC(int), in_stock=BOOLEAN,
        sold=NUMERIC(int, sortable=True), created_at=NUMERIC(int, bits=64, sortable=True), digest=STORED,
    ),
    "users": Schema(
        id=ID(stored=True, unique=True), username=_text(), username_key=ID, display_name=_text(),
        bio=_text(singles=False),
        followers=NUMERIC(int, sortable=True), created_at=NUMERIC(int, bits=64, sortable=True), digest=STORED,
    ),
}

# Query-time weights of the text fields each word is looked for in.
TEXT_FIELDS = {
    "notes": {"title": 3.0, "tag_text": 2.0, "product": 1.5, "author": 1.5, "body": 1.0},
    "products": {"name": 3.0, "shop": 1.5, "description": 1.0},
    "users": {"username": 3.0, "display_name": 3.0, "bio": 1.0},
}
# Sort orders other than relevance: (field, newest/largest first?) in order of precedence.
SORTS = {
    "newest": [("created_at", True)],
    "liked": [("likes", True), ("created_at", True)],
    "sales": [("sold", True), ("created_at", True)],
    "price_asc": [("price_cents", False), ("created_at", True)],
    "price_desc": [("price_cents", True), ("created_at", True)],
    "followers": [("followers", True), ("created_at", True)],
}


@dataclass
class SearchRequest:
    kind: str
    # What a document must hold: every requirement, each met by any one of its spellings, a
    # spelling being words that must all be there (("airpodspro",), ("airpods", "pro"))). A word
    # may be in any text field.
    words: list[tuple[tuple[str, ...], ...]]
    tags: list[str] = field(default_factory=list)  # exact tags (notes)
    price_range: tuple[int | None, int | None] = (None, None)
    in_stock: bool = False
    verified: bool = False
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20


@dataclass
class Hits:
    ids: list[int]
    more: bool


class SearchIndex:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    # ---- layout ----

    @property
    def _current_link(self) -> Path:
        return self.root / "current"

    def current_dir(self) -> Path | None:
        try:
            return self.root / os.readlink(self._current_link)
        except OSError:
            return None

    def ensure(self) -> Path:
        """The current generation, created empty when there is none yet. Lock-free: the first
        process to create the ``current`` link wins, the others drop what they made."""
        current = self.current_dir()
        if current is not None:
            return current
        self.root.mkdir(parents=True, exist_ok=True)
        generation = self._new_generation()
        try:
            self._current_link.symlink_to(generation.name)
        except FileExistsError:
            shutil.rmtree(generation, ignore_errors=True)
        return self.current_dir()

    def _new_generation(self) -> Path:
        path = self.root / f"gen-{time.time_ns()}"
        path.mkdir(parents=True)
        for kind, schema in SCHEMAS.items():
            whoosh_index.create_in(path, schema, indexname=kind)
        return path

    def _swap_in(self, generation: Path) -> None:
        """Point ``current`` at ``generation`` in one rename, then drop generations older than
        the one just replaced (a searcher elsewhere may still be reading that one)."""
        previous = self.current_dir()
        link = self.root / f".current-{os.getpid()}-{threading.get_ident()}"
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(generation.name)
        os.replace(link, self._current_link)
        keep = {generation.name, previous.name if previous else None}
        for old in self.root.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    @contextlib.contextmanager
    def exclusive(self, wait: float = 0.0) -> Iterator[bool]:
        """The one-writer lock for draining and rebuilding; yields whether it was taken. An
        OS file lock, so a killed holder releases it."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / "drain.lock"))
        deadline = time.monotonic() + wait
        held = lock.acquire(blocking=False)
        while not held and time.monotonic() < deadline:
            time.sleep(0.05)
            held = lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                lock.release()

    def _open(self, kind: str, directory: Path | None = None):
        return whoosh_index.open_dir(directory or self.current_dir() or self.ensure(), indexname=kind)

    # ---- writing ----

    def apply(self, kind: str, upserts: list[dict], deletes: Iterable[int]) -> None:
        """Replace or add ``upserts`` and remove ``deletes`` (ids) in one Whoosh commit."""
        writer = self._open(kind).writer(timeout=WRITER_TIMEOUT)
        try:
            for doc_id in deletes:
                writer.delete_by_term("id", str(doc_id))
            for doc in upserts:
                writer.update_document(**_whoosh_doc(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, sources: dict[str, Iterable[dict]], progress: Callable[[int], None] | None = None) -> Path:
        """Write every document into a fresh generation and swap it in. The caller holds
        ``exclusive()`` so no drain writes to the generation being replaced meanwhile."""
        generation = self._new_generation()
        try:
            for kind, docs in sources.items():
                writer = whoosh_index.open_dir(generation, indexname=kind).writer(limitmb=256)
                try:
                    for count, doc in enumerate(docs, 1):
                        writer.add_document(**_whoosh_doc(doc))
                        if progress and count % 500 == 0:
                            progress(500)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        self._swap_in(generation)
        return generation

    # ---- reading ----

    def _searcher(self, kind: str):
        """This thread's searcher for ``kind``, refreshed when the index changed or was swapped."""
        cache = _thread_cache.__dict__.setdefault("searchers", {})
        directory = self.current_dir() or self.ensure()
        key = (str(self.root), kind)
        entry = cache.get(key)
        if entry is not None and entry[0] == directory:
            searcher = entry[1]
            if searcher.up_to_date():
                return searcher
            # Reopened, not refresh()ed: a refreshed searcher reuses the reader of a segment whose
            # deletions changed, and so keeps finding deleted documents.
        if entry is not None:
            entry[1].close()
        searcher = self._open(kind, directory).searcher()
        cache[key] = (directory, searcher)
        return searcher

    def search(self, request: SearchRequest) -> Hits:
        conditions = [_one_of(request.kind, spellings) for spellings in request.words]
        conditions += [Term("tags", tag) for tag in request.tags]
        filters = _filters(request)
        if not conditions and not filters:
            return Hits([], False)
        query = And(conditions) if conditions else Every()
        wanted = request.offset + request.limit + 1
        searcher = self._searcher(request.kind)
        sortedby = None
        if request.sort in SORTS:
            sortedby = [FieldFacet(name, reverse=reverse) for name, reverse in SORTS[request.sort]]
        results = searcher.search(query, limit=wanted, sortedby=sortedby, filter=And(filters) if filters else None)
        ids = [int(hit["id"]) for hit in results[request.offset:wanted]]
        return Hits(ids[:request.limit], len(ids) > request.limit)

    def count(self, kind: str, word: str) -> int:
        """Documents holding ``word`` in any text field (an upper bound: a document with it in
        two fields counts twice)."""
        reader = self._searcher(kind).reader()
        return sum(reader.doc_frequency(name, word) for name in TEXT_FIELDS[kind])

    def near_words(self, kind: str, word: str, max_distance: int) -> list[tuple[str, int]]:
        """Indexed words within ``max_distance`` edits of ``word`` in any text field, most frequent
        first; a Chinese bigram is only matched by bigrams (one character changed, not cut)."""
        reader = self._searcher(kind).reader()
        prefix = 0 if analysis.is_han(word) else 1
        frequency: dict[str, int] = {}
        for name in TEXT_FIELDS[kind]:
            for near in reader.terms_within(name, word, max_distance, prefix=prefix):
                if near != word and (len(near) == len(word) or not analysis.is_han(word)):
                    frequency[near] = frequency.get(near, 0) + reader.doc_frequency(name, near)
        return sorted(frequency.items(), key=lambda pair: (-pair[1], pair[0]))

    def tags_with_prefix(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Tags starting with ``prefix`` (folded), with the number of notes carrying each."""
        reader = self._searcher("notes").reader()
        found = [(tag.decode() if isinstance(tag, bytes) else tag, reader.doc_frequency("tags", tag))
                 for tag in reader.expand_prefix("tags", prefix)]
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))[:limit]

    def users_with_prefix(self, prefix: str, limit: int) -> list[int]:
        searcher = self._searcher("users")
        results = searcher.search(Prefix("username_key", prefix), limit=limit,
                                  sortedby=FieldFacet("followers", reverse=True))
        return [int(hit["id"]) for hit in results]

    def digests(self, kind: str) -> dict[int, str]:
        """Every indexed document's id and the digest of what was indexed."""
        searcher = self._searcher(kind)
        return {int(fields["id"]): fields.get("digest") for fields in searcher.reader().all_stored_fields()}

    def doc_count(self, kind: str) -> int:
        return self._searcher(kind).doc_count()


_thread_cache = threading.local()


def close_searchers() -> None:
    """Close this thread's searchers (tests that delete index directories call it)."""
    for _directory, searcher in getattr(_thread_cache, "searchers", {}).values():
        searcher.close()
    _thread_cache.searchers = {}


def _whoosh_doc(doc: dict) -> dict:
    return {("_boost" if key == "boost" else key): (str(value) if key == "id" else value)
            for key, value in doc.items() if value is not None}


def _one_of(kind: str, spellings: tuple[tuple[str, ...], ...]):
    alternatives = [_all_of(kind, words) for words in spellings]
    return alternatives[0] if len(alternatives) == 1 else Or(alternatives)


def _all_of(kind: str, words: tuple[str, ...]):
    return _any_field(kind, words[0]) if len(words) == 1 else And([_any_field(kind, w) for w in words])


def _any_field(kind: str, word: str):
    return Or([Term(name, word, boost=weight) for name, weight in TEXT_FIELDS[kind].items()])


def _filters(request: SearchRequest) -> list:
    filters = []
    low, high = request.price_range
    if low is not None or high is not None:
        filters.append(NumericRange("price_cents", low, high))
    if request.in_stock:
        filters.append(Term("in_stock", True))
    if request.verified:
        filters.append(Term("verified", True))
    return filters
