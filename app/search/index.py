"""The Whoosh index: schemas, the analyzer, writing, and queries. The only module that imports whoosh.

Layout of ``SEARCH_INDEX_DIR``::

    current -> gen-1732450000123456789/   a symlink, swapped atomically by a rebuild
    gen-…/notes_*.toc, products_*, users_*  one Whoosh index per document type
    drain.lock                             one writer at a time: drains and rebuilds take it

Documents arrive as plain dicts built by ``search.documents``; queries arrive as a
``SearchRequest`` built by ``search.service``. Searchers are kept per thread and refreshed when
the index has moved on, so a query does not reopen the index.

Each kind has one text field holding all of a document's texts, a word weighing more where it
counts more (``TEXT_PARTS``: a title word counts three times), so a query word is one posting
list. Two fast paths stand beside Whoosh's general ones, each checked against them by
tests/search/test_index_internals.py: a rebuild fills an empty index with ``_FreshIndexWriter``
(postings gathered in arrays, written a block at a time, in two processes past a few thousand
documents), and searches rank with ``_top_docs`` (BM25F a posting list at a time with numpy,
from the same Whoosh statistics). A generation records the ``SCHEMA_VERSION`` it was written
with; one written by another version is ``stale()`` and rebuilt by the next drain.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import threading
import time
import traceback
from array import array
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, count, repeat
from pathlib import Path

import numpy as np
from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.columns import NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, ConstantScoreQuery, Every, MultiTerm, NullQuery, NumericRange, Or, Prefix, Term
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.sorting import FieldFacet
from whoosh.util.filelock import FileLock
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from app.search import analysis

KINDS = ("notes", "products", "users")
WRITER_TIMEOUT = 10.0  # seconds a writer waits for Whoosh's own lock before giving up
VERSION_FILE = "SCHEMA_VERSION"  # in each generation: the SCHEMA_VERSION it was written with


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


Part = tuple[str | None, float, bool]  # (text, weight of a word found in it, is it a long text?)


def weighted_words(parts: Iterable[Part] | str) -> tuple[dict[str, float], int]:
    """The words of a document's texts with their weights, and how many words there were. BM25F
    reads a word's weight as its term frequency: in a long text (a body) every occurrence adds the
    text's weight; a short one (title, tags, names) adds its weight once however often the word
    is in it, so a word in the title counts like three in the body and a tag repeated in other
    tags does not count again. Long texts give Chinese bigrams only: single characters would
    double their postings, and a one-character query is better answered by titles and tags."""
    if isinstance(parts, str):
        parts = ((parts, 1.0, False),)
    parts = [part for part in parts if part[0]]
    if not parts:
        return {}, 0
    weights: dict = {}
    length = 0
    for text, weight, long in sorted(parts, key=lambda part: not part[2]):  # long texts first, counted in C
        words = analysis.index_words(text, singles=False) if long else _short_words(text)
        length += len(words)
        if long and not weights:
            weights = Counter(words)
            if weight != 1.0:
                weights = {word: times * weight for word, times in weights.items()}
            continue
        get = weights.get
        for word, times in (Counter(words).items() if long else zip(set(words), repeat(1))):
            weights[word] = get(word, 0) + times * weight
    return weights, length


_SHORT_WORDS: dict[str, list[str]] = {}


def _short_words(text: str) -> list[str]:
    """``index_words`` of a short text, remembered: names, products and tag lists recur."""
    words = _SHORT_WORDS.get(text)
    if words is None:
        words = analysis.index_words(text)
        if len(text) <= 64:
            if len(_SHORT_WORDS) >= 50_000:
                _SHORT_WORDS.clear()
            _SHORT_WORDS[text] = words
    return words


class ChineseText(TEXT):
    """A kind's one text field, holding every text of a document (see ``TEXT_PARTS``): each query
    word is one posting list, not one per field. Its value is a tuple of ``Part``; postings carry
    weights only (no per-posting values to write or read)."""

    def __init__(self):
        super().__init__(analyzer=ChineseTokenizer(), phrase=False)
        self.format = formats.Existence(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        weights, length = weighted_words(value)
        # The writer adds up the second item as the field's length.
        for number, (word, weight) in enumerate(weights.items()):
            yield word.encode("utf-8"), (length if number == 0 else 0), weight * boost, b""


def _sort_key():
    """A sort key: a per-document column, without index terms."""
    return COLUMN(NumericColumn("q"))


# Bump when a schema or what goes into a field changes: a generation written by another version
# is rebuilt by the next drain (see ``SearchIndex.stale``).
SCHEMA_VERSION = 2
TEXT_FIELD = "text"
SCHEMAS = {
    "notes": Schema(
        id=ID(stored=True, unique=True), text=ChineseText(), tags=KEYWORD(commas=True, scorable=True),
        created_at=_sort_key(), likes=_sort_key(), price_cents=NUMERIC(int, bits=64), verified=BOOLEAN, digest=STORED,
    ),
    "products": Schema(
        id=ID(stored=True, unique=True), text=ChineseText(), price_cents=NUMERIC(int, bits=64, sortable=True),
        in_stock=BOOLEAN, sold=_sort_key(), created_at=_sort_key(), digest=STORED,
    ),
    "users": Schema(
        id=ID(stored=True, unique=True), text=ChineseText(), username_key=ID, followers=_sort_key(),
        created_at=_sort_key(), digest=STORED,
    ),
}

# What goes into each kind's text field: (document key, weight of a word found there, long text?).
TEXT_PARTS = {
    "notes": (("title", 3.0, False), ("tag_text", 2.0, False), ("product", 1.5, False), ("author", 1.5, False),
              ("body", 1.0, True)),
    "products": (("name", 3.0, False), ("shop", 1.5, False), ("description", 1.0, True)),
    "users": (("username", 3.0, False), ("display_name", 3.0, False), ("bio", 1.0, True)),
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

    def stale(self) -> bool:
        """Whether the current generation was written with other schemas than this code's (an
        older version): it must be rebuilt before anything is written to it, and until then its
        searches find little."""
        current = self.current_dir()
        if current is None:
            return False
        try:
            return (current / VERSION_FILE).read_text().strip() != str(SCHEMA_VERSION)
        except OSError:
            return True

    def _new_generation(self) -> Path:
        path = self.root / f"gen-{time.time_ns()}"
        path.mkdir(parents=True)
        for kind, schema in SCHEMAS.items():
            whoosh_index.create_in(path, schema, indexname=kind)
        (path / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
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
        # open_dir reads the newest TOC once, without the retry Whoosh's reader() has: a writer in
        # another process that commits between listing the TOCs and reading one deletes it (500s
        # under load with index writes). Retry as reader() does.
        for attempt in range(10):
            try:
                return whoosh_index.open_dir(directory or self.current_dir() or self.ensure(), indexname=kind)
            except FileNotFoundError:
                if attempt == 9:
                    raise
                time.sleep(0.05)

    # ---- writing ----

    def apply(self, kind: str, upserts: list[dict], deletes: Iterable[int]) -> None:
        """Replace or add ``upserts`` and remove ``deletes`` (ids) in one Whoosh commit."""
        writer = self._open(kind).writer(timeout=WRITER_TIMEOUT)
        try:
            for doc_id in deletes:
                writer.delete_by_term("id", str(doc_id))
            for doc in upserts:
                writer.update_document(**_whoosh_doc(kind, doc))
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
                writer = _FreshIndexWriter(whoosh_index.open_dir(generation, indexname=kind))
                try:
                    writer.add_all((_whoosh_doc(kind, doc) for doc in docs), progress)
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
        conditions = [_one_of(spellings) for spellings in request.words]
        conditions += [Term("tags", tag) for tag in request.tags]
        filters = _filters(request)
        if not conditions and not filters:
            return Hits([], False)
        query = And(conditions) if len(conditions) > 1 else conditions[0] if conditions else Every()
        wanted = request.offset + request.limit + 1
        searcher = self._searcher(request.kind)
        docnums = _top_docs(searcher, query, filters, SORTS.get(request.sort), wanted)
        ids = [int(searcher.stored_fields(docnum)["id"]) for docnum in docnums[request.offset:wanted]]
        return Hits(ids[:request.limit], len(ids) > request.limit)

    def count(self, kind: str, word: str) -> int:
        """Documents holding ``word``."""
        reader = self._searcher(kind).reader()
        return reader.doc_frequency(TEXT_FIELD, word) if TEXT_FIELD in reader.schema else 0

    def near_words(self, kind: str, word: str, max_distance: int) -> list[tuple[str, float]]:
        """Indexed words within ``max_distance`` edits of ``word``, most used first (by their
        weight: a word in titles and tags counts more than one in bodies); a Chinese bigram is
        only matched by bigrams (one character changed, not cut)."""
        searcher = self._searcher(kind)
        reader = searcher.reader()
        if TEXT_FIELD not in reader.schema:  # an older version's index, until it is rebuilt
            return []
        if max_distance == 1 and len(word) == 2 and analysis.is_han(word):
            near = _bigrams_one_off(searcher, word)
        else:
            near = [found for found in reader.terms_within(TEXT_FIELD, word, max_distance,
                                                           prefix=0 if analysis.is_han(word) else 1)
                    if len(found) == len(word) or not analysis.is_han(word)]
        weight = {found: reader.frequency(TEXT_FIELD, found) for found in near if found != word}
        return sorted(weight.items(), key=lambda pair: (-pair[1], pair[0]))

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


def _bigrams_one_off(searcher, word: str) -> set[str]:
    """The Chinese bigrams one edit from ``word`` (one character changed, or the two swapped):
    what ``terms_within(word, 1)`` finds among bigrams, by comparing the bytes of each term of
    each segment instead of an edit distance per term on a merged lexicon (some 5x faster)."""
    first, second, swapped = word[0].encode(), word[1].encode(), (word[1] + word[0]).encode()
    found = set()
    for leaf, _offset in searcher.leaf_searchers():
        for btext in leaf.reader().lexicon(TEXT_FIELD):
            if btext.startswith(first) or btext.endswith(second) or btext == swapped:
                text = btext.decode("utf-8")
                if len(text) == 2 and analysis.is_han(text):
                    found.add(text)
    return found


def _whoosh_doc(kind: str, doc: dict) -> dict:
    """The Whoosh fields of a document: its texts as the parts of the text field, the rest as they
    are where the schema has a field of that name (``boost`` is the document's boost)."""
    schema = SCHEMAS[kind]
    fields = {TEXT_FIELD: tuple((doc.get(name), weight, long) for name, weight, long in TEXT_PARTS[kind])}
    for key, value in doc.items():
        if value is None:
            continue
        if key == "boost":
            fields["_boost"] = value
        elif key == "id":
            fields["id"] = str(value)
        elif key in schema:
            fields[key] = value
    return fields


BATCH = 250  # documents sent to the helper process at a time
PARALLEL_AFTER = 5_000  # documents a rebuild indexes before it starts a helper process
REBUILD_PROCESSES = 2 if (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods() else 1


class _Helper:
    """A forked process filling a segment of its own from batches of documents, for a rebuild
    (``_FreshIndexWriter.add_all``). It only indexes: it never touches the database."""

    def __init__(self, process, jobs, results):
        self.process, self.jobs, self.results = process, jobs, results

    @classmethod
    def start(cls, parent: _FreshIndexWriter) -> _Helper:
        context = multiprocessing.get_context("fork")
        jobs = context.Queue(maxsize=2)
        results, sender = context.Pipe(duplex=False)
        process = context.Process(target=_helper_main, args=(parent.storage, parent.indexname, jobs, sender),
                                  name="search-index-helper", daemon=True)
        process.start()
        sender.close()
        return cls(process, jobs, results)

    def offer(self, batch: list[dict]) -> bool:
        """Hand ``batch`` over unless the helper is still busy with the ones before."""
        try:
            self.jobs.put_nowait(batch)
        except queue.Full:
            return False
        return True

    def finish(self) -> None:
        """No more batches: the helper writes out its segment."""
        while self.process.is_alive():
            try:
                self.jobs.put(None, timeout=1.0)
                return
            except queue.Full:
                continue

    def segments(self) -> list:
        try:
            outcome, payload = self.results.recv()
        except EOFError:
            outcome, payload = "error", f"the helper process died (exit code {self.process.exitcode})"
        self.process.join()
        self.jobs.close()
        if outcome != "done":
            raise RuntimeError(f"search index helper failed: {payload}")
        return [payload] if payload is not None else []

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()
        self.jobs.cancel_join_thread()  # batches left in the queue are dropped, not waited for
        self.jobs.close()


def _helper_main(storage, indexname: str, jobs, results) -> None:
    try:
        writer = _FreshIndexWriter(storage.open_index(indexname), lock=False)  # the parent holds the lock
        while (batch := jobs.get()) is not None:
            for fields in batch:
                writer.add_document(**fields)
        # Not commit(): the parent lists this segment in the table of contents. Nor _finish(): the
        # temporary directory is shared with the parent, which removes it.
        results.send(("done", writer._finalize_segment() if writer._added else None))
    except BaseException:  # noqa: BLE001  (reported to the parent, which raises)
        results.send(("error", traceback.format_exc()))


# Postings of a rebuilt segment: lighter compression than Whoosh's default (3). (Keeping the
# postings of a term found in one document in the term table, inlinelimit > 1, fails in
# whoosh-reloaded 2.7.5: W3TermInfo has no set_inline.)
FRESH_CODEC = {"blocklimit": 128, "compression": 1}


class _FreshIndexWriter(SegmentWriter):
    """Fills an empty index with one segment, many times faster than Whoosh's general writer
    (which sends every posting through a pickled, externally sorted pool): each document's texts
    are analysed once into weighted words, the text field's postings are gathered in flat arrays
    (term number, document, weight), sorted by term with numpy at the end and written a block at
    a time. What it writes is what ``add_document`` of a ``SegmentWriter`` would
    (tests/search/test_index_internals.py compares the two). Past ``PARALLEL_AFTER`` documents,
    ``add_all`` shares them with a helper process writing a second segment."""

    def __init__(self, ix, lock: bool = True):
        super().__init__(ix, _lk=lock, timeout=WRITER_TIMEOUT, codec=W3Codec(**FRESH_CODEC))
        if self.segments:
            raise ValueError("a fresh index writer only fills an empty index")
        self._helper: _Helper | None = None
        self._memo: dict[str, dict] = {}
        schema = self.schema
        self._names = sorted(schema.names())
        self._flat = {name: (defaultdict(count().__next__), array("I"), array("I"), array("f"))
                      for name in self._names if isinstance(schema[name], ChineseText)}
        # The other indexed fields (id, tags, numbers: a few postings a document): term -> postings.
        self._postings: dict[str, dict] = {name: {} for name in self._names
                                           if schema[name].indexed and name not in self._flat}
        self._lengths = {name: array("I") for name in self._names if schema[name].scorable}
        # Fields whose postings carry values (a KEYWORD's frequencies); the text field's do not.
        self._valued = {name for name in self._postings if schema[name].format.fixed_value_size() != 0}

    def add_document(self, **fields):
        schema, docnum, perdoc = self.schema, self.docnum, self.perdocwriter
        boost = fields.get("_boost", 1.0)
        perdoc.start_doc(docnum)
        for name in self._names:
            value = fields.get(name)
            length = 0
            if value is not None:
                field = schema[name]
                if name in self._flat:
                    weights, length = weighted_words(value)
                    terms, numbers, docnums, flat_weights = self._flat[name]
                    numbers.extend(map(terms.__getitem__, weights))
                    docnums.extend(repeat(docnum, len(weights)))
                    factor = boost * field.format.field_boost
                    flat_weights.extend(weights.values() if factor == 1.0 else [w * factor for w in weights.values()])
                elif field.indexed:
                    table, valued = self._postings[name], name in self._valued
                    for term, frequency, weight, posting_value in self._terms_of(name, field, value):
                        entry = table.get(term)
                        if entry is None:
                            entry = table[term] = (array("I"), array("f"), [] if valued else None)
                        entry[0].append(docnum)
                        entry[1].append(weight * boost)
                        if valued:
                            entry[2].append(posting_value)
                        length += frequency
                if not field.scorable:
                    length = 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
            if name in self._lengths:
                self._lengths[name].append(length)
        perdoc.finish_doc()
        self.docnum += 1
        self._added = True

    def _terms_of(self, name: str, field, value) -> list[tuple]:
        """``field.index(value)``, remembered for values that recur (flags, prices, tag sets)."""
        if name == "id":
            return list(field.index(value))
        memo = self._memo.setdefault(name, {})
        found = memo.get(value)
        if found is None:
            found = list(field.index(value))
            if len(memo) < 100_000:
                memo[value] = found
        return found

    def update_document(self, **fields):
        raise NotImplementedError

    # ---- a second process ----

    def add_all(self, documents: Iterable[dict], progress: Callable[[int], None] | None = None) -> None:
        """Add every document (Whoosh fields). Past ``PARALLEL_AFTER`` documents, batches go to a
        helper process writing a segment of its own whenever it has room for one, so reading the
        database here and indexing there overlap; this process indexes the batches it is not
        ready for."""
        batch: list[dict] = []
        for fields in documents:
            batch.append(fields)
            if len(batch) == BATCH:
                self._add_batch(batch)
                if progress:
                    progress(len(batch))
                batch = []
        self._add_batch(batch)
        if progress and batch:
            progress(len(batch))

    def _add_batch(self, batch: list[dict]) -> None:
        if not batch:
            return
        if (self._helper is None and self.docnum >= PARALLEL_AFTER and REBUILD_PROCESSES > 1
                and not multiprocessing.current_process().daemon):  # a daemon may not start processes
            self._helper = _Helper.start(self)
        if not (self._helper and self._helper.offer(batch)):
            for fields in batch:
                self.add_document(**fields)

    def commit(self, mergetype=None, optimize=None, merge=None):
        self._check_state()
        try:
            helper, self._helper = self._helper, None
            if helper:
                helper.finish()
            segments = [self._finalize_segment()] if self._added else []
            if not self._added:
                self._close_segment()
            if helper:
                segments += helper.segments()  # it wrote while this process flushed its own
            self._commit_toc(segments)
        finally:
            self._finish()

    def cancel(self):
        helper, self._helper = self._helper, None
        if helper:
            helper.stop()
        super().cancel()

    def _flush_segment(self):
        self.perdocwriter.close()
        writer = self.fieldwriter
        for name in sorted(set(self._flat) | set(self._postings)):
            postings = self._flat_postings(name) if name in self._flat else self._table_postings(name)
            lengths = np.frombuffer(self._lengths[name], dtype=np.uint32) if name in self._lengths else None
            started = False
            for term, ids, weights, values in postings:
                if not started:
                    writer.start_field(name, self.schema[name])
                    writer._postwriter = _BlockPostingsWriter.replacing(writer._postwriter)
                    started = True
                writer.start_term(term)
                _write_blocks(writer._postwriter, ids, weights, values, lengths)
                writer.finish_term()
            if started:
                writer.finish_field()
        writer.close()

    def _flat_postings(self, name: str) -> Iterator[tuple]:
        """The text field's postings by term, in term order; documents were added in docnum order,
        and a stable sort keeps them so within a term."""
        terms, numbers, docnums, weights = self._flat.pop(name)
        numbers = np.frombuffer(numbers, dtype=np.uint32)
        order = np.argsort(numbers, kind="stable")
        docnums = np.frombuffer(docnums, dtype=np.uint32)[order]
        weights = np.frombuffer(weights, dtype=np.float32)[order]
        del order
        ends = np.cumsum(np.bincount(numbers, minlength=len(terms)))
        for word in sorted(terms):
            number = terms[word]
            start = int(ends[number - 1]) if number else 0
            yield word.encode("utf-8"), docnums[start:ends[number]], weights[start:ends[number]], None

    def _table_postings(self, name: str) -> Iterator[tuple]:
        table = self._postings.pop(name)
        for term in sorted(table):
            ids, weights, values = table[term]
            yield term, np.frombuffer(ids, dtype=np.uint32), np.frombuffer(weights, dtype=np.float32), values


class _BlockPostingsWriter(W3PostingsWriter):
    """A Whoosh 3 postings writer fed a block at a time by ``_write_blocks``, which delta-codes the
    ids and packs the weights of every block with numpy beforehand."""

    @classmethod
    def replacing(cls, plain: W3PostingsWriter) -> _BlockPostingsWriter:
        return cls(plain._postfile, plain._blocklimit, plain._byteids, plain._compression, plain._inlinelimit)

    def _mini_ids(self):
        return self._packed_ids

    def _mini_weights(self):
        return self._packed_weights


def _write_blocks(postings: _BlockPostingsWriter, ids: np.ndarray, weights: np.ndarray, values: list | None,
                  lengths: np.ndarray | None) -> None:
    """One term's postings into a postings writer between its start_postings() and
    finish_postings(), which writes the last block. Sets, a block at a time, what add_posting()
    gathers one posting at a time: the ids, weights, values, and the statistics by which a
    reader skips blocks that cannot make the top results."""
    size = postings._blocklimit
    if len(ids) <= size:  # one block (every id, most tags and prices): no numpy round trips
        _write_block_of(postings, ids.tolist(), weights.tolist(), values,
                        lengths[ids].tolist() if lengths is not None else None)
        return
    starts = np.arange(0, len(ids), size)
    deltas = ids.astype(np.int64)
    deltas[1:] -= ids[:-1]
    deltas[starts] = ids[starts]  # each block starts from 0
    highest, lowest = np.maximum.reduceat(weights, starts).tolist(), np.minimum.reduceat(weights, starts).tolist()
    if lengths is not None:
        document_lengths = lengths[ids]
        shortest = np.minimum.reduceat(document_lengths, starts).tolist()
        longest = np.maximum.reduceat(document_lengths, starts).tolist()
    ids_list, deltas_list, weights_list = ids.tolist(), deltas.tolist(), weights.tolist()
    for block, start in enumerate(range(0, len(ids_list), size)):
        if block:
            postings._write_block()
        end = start + size
        postings._ids = ids_list[start:end]
        postings._packed_ids = tuple(deltas_list[start:end])
        postings._weights = weights_list[start:end]
        postings._maxweight = highest[block]
        if lowest[block] != highest[block]:
            postings._packed_weights = tuple(postings._weights)
        else:  # as W3PostingsWriter._mini_weights(): None when all are 1.0, one float when all are equal
            postings._packed_weights = None if highest[block] == 1.0 else highest[block]
        postings._values = values[start:end] if values is not None else []
        if lengths is not None:
            postings._minlength, postings._maxlength = shortest[block] or None, longest[block]


def _write_block_of(postings: _BlockPostingsWriter, ids: list[int], weights: list[float], values: list | None,
                    lengths: list[int] | None) -> None:
    postings._ids = ids
    postings._packed_ids = tuple(b - a for a, b in zip([0, *ids], ids, strict=False))
    postings._weights = weights
    postings._maxweight = highest = max(weights)
    if min(weights) != highest:
        postings._packed_weights = tuple(weights)
    else:
        postings._packed_weights = None if highest == 1.0 else highest
    postings._values = values if values is not None else []
    if lengths is not None:
        postings._minlength, postings._maxlength = min(lengths) or None, max(lengths)


# ---- finding the top documents, a posting list at a time ----
#
# Whoosh's collectors score one matching document at a time in Python (about 2 µs each), and
# skipping blocks by their best possible score barely helps here: a common word is in thousands
# of notes, and nearly every block of its postings holds one with the word in its title. So the
# queries this module builds (Term, And, Or, NumericRange, Every) are evaluated a posting list at
# a time with numpy: the same BM25F scores from the same Whoosh statistics (the scorer objects
# Whoosh's weighting makes), the same order (score, then document number; or the sort columns),
# the same exclusion of deleted documents. tests/search/test_index_internals.py checks the results
# against ``searcher.search()``.

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
POSTINGS_CACHE_BYTES = 32 * 2**20  # posting lists kept decoded, per process


class _Unsupported(Exception):
    """A query this evaluator does not know: Whoosh's own collector answers it."""


class _SegmentCache:
    """Arrays read from segment files, kept for every searcher of the process, least recently
    used dropped first past ``budget`` bytes. A segment never changes once written (deletions
    are kept apart, and applied per query), so what was read from it stays true."""

    def __init__(self, budget: int):
        self.budget, self.held = budget, 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, load):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found[0]
        value = load()
        size = sum(part.nbytes for part in value) if isinstance(value, tuple) else value.nbytes
        with self.lock:
            if key not in self.items and size <= self.budget:
                self.items[key] = (value, size)
                self.held += size
                while self.held > self.budget:
                    _key, (_value, dropped) = self.items.popitem(last=False)
                    self.held -= dropped
        return value


# Decoded posting lists (16 bytes a posting) and per-document arrays (lengths, sort columns).
_postings_cache = _SegmentCache(POSTINGS_CACHE_BYTES)
_arrays_cache = _SegmentCache(64 * 2**20)


def set_postings_cache(budget: int) -> None:
    """Bytes of decoded posting lists kept per process; 0 decodes them for every query
    (``bench/search.py --cold``)."""
    with _postings_cache.lock:
        _postings_cache.budget, _postings_cache.held = budget, 0
        _postings_cache.items.clear()


def _segment_key(reader) -> tuple:
    return getattr(reader.storage(), "folder", None), reader.segment().segment_id()


def _postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings in one segment, deleted documents included: (docnums, weights)."""
    if (fieldname, btext) not in reader:
        return _EMPTY

    def load():
        matcher = reader.postings(fieldname, btext)
        while isinstance(matcher, FilterMatcher):  # deletions: excluded later, for every query alike
            matcher = matcher.child
        if not isinstance(matcher, W3LeafMatcher):  # a posting inlined in the term table
            return _list_postings(matcher)
        return _decode_blocks(matcher)

    return _postings_cache.get((_segment_key(reader), fieldname, btext), load)


def _list_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def _decode_blocks(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Every block of a Whoosh 3 posting list at once: the block's delta-coded ids (restarting at
    each block), and its weights (None when all are 1.0, one float when all are equal)."""
    deltas, weights, sizes, last_ids = [], [], [], []
    while True:
        matcher._read_data()
        block_ids, block_weights, _values = matcher._data
        size = matcher._blocklength
        deltas.append(block_ids)
        if block_weights is None or isinstance(block_weights, float):
            block_weights = (1.0 if block_weights is None else block_weights,) * size
        weights.append(block_weights)
        sizes.append(size)
        last_ids.append(matcher._maxid)
        if matcher._lastblock:
            break
        matcher._next_block()
    total = sum(sizes)
    ids = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=total)
    starts = np.cumsum(sizes[:-1], dtype=np.int64)
    ids[starts] -= np.array(last_ids[:-1], dtype=np.int64)  # each block's first id is absolute
    return np.cumsum(ids), np.fromiter(chain.from_iterable(weights), dtype=np.float64, count=total)


def _field_lengths(reader, fieldname: str) -> np.ndarray:
    def load():
        count = reader.doc_count_all()
        return np.array([reader.doc_field_length(docnum, fieldname, 1) or 1 for docnum in range(count)],
                        dtype=np.float64)

    return _arrays_cache.get((_segment_key(reader), "length", fieldname), load)


def _column(reader, fieldname: str) -> np.ndarray:
    def load():
        return np.array(list(reader.column_reader(fieldname)))

    return _arrays_cache.get((_segment_key(reader), "column", fieldname), load)


def _matches(query, searcher, scored: bool) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, scores) of the documents of one segment matching ``query``, docnums ascending,
    deleted ones included; scores are zeros when not ``scored``."""
    reader = searcher.reader()
    if isinstance(query, Term):
        if query.fieldname not in reader.schema:
            return _EMPTY
        btext = reader._text_to_bytes(query.fieldname, query.text)
        ids, weights = _postings(reader, query.fieldname, btext)
        if not scored or not len(ids):
            return ids, np.zeros(len(ids))
        scorer = searcher.weighting.scorer(searcher, query.fieldname, btext)
        if isinstance(scorer, BM25FScorer):
            lengths = _field_lengths(reader, query.fieldname)[ids]
            k1, b = scorer.K1, scorer.B
            scores = scorer.idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / scorer.avgfl)))
        elif isinstance(scorer, WeightScorer):
            scores = weights
        else:
            raise _Unsupported(type(scorer))
        return ids, scores * query.boost if query.boost != 1.0 else scores
    if isinstance(query, And):
        ids, scores = None, None
        for sub in query.subqueries:
            sub_ids, sub_scores = _matches(sub, searcher, scored)
            if ids is None:
                ids, scores = sub_ids, sub_scores
            else:
                ids, mine, theirs = np.intersect1d(ids, sub_ids, assume_unique=True, return_indices=True)
                scores = scores[mine] + sub_scores[theirs]
            if not len(ids):
                return _EMPTY
        return (ids, scores * query.boost if query.boost != 1.0 else scores) if ids is not None else _EMPTY
    if isinstance(query, Or) and not query.scale and not query.minmatch:
        parts = [_matches(sub, searcher, scored) for sub in query.subqueries]
        parts = [part for part in parts if len(part[0])]
        if len(parts) <= 1:
            return parts[0] if parts else _EMPTY
        all_ids = np.concatenate([part[0] for part in parts])
        ids, where = np.unique(all_ids, return_inverse=True)
        scores = np.zeros(len(ids))
        np.add.at(scores, where, np.concatenate([part[1] for part in parts]))
        return ids, scores * query.boost if query.boost != 1.0 else scores
    if not scored and isinstance(query, NumericRange):
        return _matches(query.simplify(reader), searcher, False)
    if not scored and isinstance(query, ConstantScoreQuery):
        return _matches(query.child, searcher, False)
    if not scored and isinstance(query, MultiTerm):  # TermRange, Prefix…: the terms it stands for
        parts = [_postings(reader, query.field(), btext)[0] for btext in query._btexts(reader)]
        ids = np.unique(np.concatenate(parts)) if parts else _EMPTY[0]
        return ids, np.zeros(len(ids))
    if query is NullQuery:
        return _EMPTY
    if isinstance(query, Every):
        return np.arange(reader.doc_count_all(), dtype=np.int64), np.zeros(reader.doc_count_all())
    raise _Unsupported(type(query))


def _top_docs(searcher, query, filters: list, sort: list[tuple[str, bool]] | None, limit: int) -> list[int]:
    """The docnums of the first ``limit`` documents matching ``query`` and every filter, best
    first, or in ``sort`` order; what ``searcher.search(query, limit, sortedby, filter)`` returns."""
    try:
        found_ids, found_scores, keys = [], [], []
        for sub, offset in searcher.leaf_searchers():
            ids, scores = _matches(query, sub, scored=sort is None)
            for condition in filters:
                if len(ids):
                    kept = np.isin(ids, _matches(condition, sub, False)[0], assume_unique=True)
                    ids, scores = ids[kept], scores[kept]
            reader = sub.reader()
            if len(ids) and reader.has_deletions():
                kept = ~np.isin(ids, np.fromiter(reader.deleted_docs_set, dtype=np.int64))
                ids, scores = ids[kept], scores[kept]
            if sort:
                keys.append([_column(reader, name)[ids] for name, _reverse in sort])
            found_ids.append(ids + offset)
            found_scores.append(scores)
    except _Unsupported:
        return _whoosh_top_docs(searcher, query, filters, sort, limit)
    docnums = np.concatenate(found_ids)
    if sort:
        columns = [np.concatenate([segment[i] for segment in keys]) for i in range(len(sort))]
        columns = [-column if reverse else column for column, (_name, reverse) in zip(columns, sort, strict=True)]
        order = np.lexsort([docnums, *reversed(columns)])  # the last key first; docnum breaks ties, as in Whoosh
        return docnums[order[:limit]].tolist()
    scores = np.concatenate(found_scores)
    if len(scores) > limit:  # keep every document scoring at least the limit-th best (ties)
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        kept = scores >= threshold
        docnums, scores = docnums[kept], scores[kept]
    order = np.lexsort((docnums, -scores))
    return docnums[order[:limit]].tolist()


def _whoosh_top_docs(searcher, query, filters: list, sort: list[tuple[str, bool]] | None, limit: int) -> list[int]:
    sortedby = [FieldFacet(name, reverse=reverse) for name, reverse in sort] if sort else None
    results = searcher.search(query, limit=limit, sortedby=sortedby, filter=And(filters) if filters else None)
    return [hit.docnum for hit in results]


def _one_of(spellings: tuple[tuple[str, ...], ...]):
    alternatives = [_all_of(words) for words in spellings]
    return alternatives[0] if len(alternatives) == 1 else Or(alternatives)


def _all_of(words: tuple[str, ...]):
    return Term(TEXT_FIELD, words[0]) if len(words) == 1 else And([Term(TEXT_FIELD, w) for w in words])


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
