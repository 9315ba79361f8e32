"""The fast paths of search/index.py against Whoosh's own: the rebuild writer against
``SegmentWriter.add_document``, the numpy collector against ``searcher.search()``, a rebuild
split over two processes against one, and an index written by an older version of the schemas
rebuilt by the next drain."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.query import And, NumericRange, Or, Term
from whoosh.sorting import FieldFacet

from app.db import db
from app.search import index as search_index
from app.search import outbox
from app.search.index import SORTS, TEXT_FIELD, SearchIndex, _top_docs, close_searchers
from app.search.service import search

WORDS = ["露營", "帳篷", "天幕", "睡袋", "咖啡", "手沖", "拿鐵", "口紅", "唇釉", "試色", "耳機", "降噪", "續航", "京都",
         "紅葉", "溫泉", "穿搭", "顯瘦", "大衣", "iPhone15", "AirPods", "Dyson", "YSL", "snowpeak", "防曬", "保濕",
         "面霜", "收納", "火鍋", "甜點"]
ENDINGS = ["很好用", "還不錯", "真心推薦"]
TAGS = ("露營", "咖啡", "開箱", "美妝", "旅行", "ysl")


def make_docs(count: int, seed: int = 7, start: int = 1) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for i in range(start, start + count):
        tags = rng.sample(TAGS, rng.randint(0, 3))
        priced = rng.random() < 0.4
        boost = rng.choice([1.0, 1.0, 1.25])
        docs.append({
            "id": i, "title": "".join(rng.sample(WORDS, 2)) + rng.choice(["開箱", "心得", "推薦", ""]),
            "body": "，".join("".join(rng.sample(WORDS, rng.randint(1, 3))) + rng.choice(ENDINGS)
                             for _ in range(rng.randint(2, 12))),
            "tag_text": " ".join(tags), "tags": ",".join(tags) or None,
            "author": f"user{rng.randint(1, 20)} 小{rng.choice(WORDS)}",
            "product": rng.choice(WORDS) + " Pro" if priced else None,
            "price_cents": rng.randint(1, 500) * 100 if priced else None,
            "created_at": rng.randrange(10**15), "likes": rng.randint(0, 50), "verified": boost > 1.0,
            "trust_boost": boost, "boost": boost, "digest": f"d{i}",
        })
    return docs


def postings(reader, fieldname: str) -> dict:
    found = {}
    for term in reader.lexicon(fieldname):
        matcher, items = reader.postings(fieldname, term), []
        while matcher.is_active():
            items.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        found[term] = items
    return found


def test_the_rebuild_writer_writes_what_whoosh_add_document_writes(tmp_path):
    docs = make_docs(400)
    bulk, plain = SearchIndex(tmp_path / "bulk"), SearchIndex(tmp_path / "plain")
    bulk.rebuild({"notes": docs, "products": [], "users": []})
    plain.ensure()
    plain.apply("notes", docs, deletes=[])
    fast, slow = bulk._searcher("notes"), plain._searcher("notes")
    assert len(fast.leaf_searchers()) == len(slow.leaf_searchers()) == 1
    a, b = fast.reader(), slow.reader()
    assert a.doc_count_all() == b.doc_count_all() == 400
    for name, field in search_index.SCHEMAS["notes"].items():
        if field.indexed:
            assert postings(a, name) == postings(b, name), name
            assert a.field_length(name) == b.field_length(name), name
        if field.scorable:
            assert [a.doc_field_length(d, name) for d in range(400)] == [b.doc_field_length(d, name)
                                                                         for d in range(400)], name
        if field.column_type:
            assert list(a.column_reader(name)) == list(b.column_reader(name)), name
    assert list(a.all_stored_fields()) == list(b.all_stored_fields())
    for word in ("露营", "咖啡", "ysl", "iphone", "开箱"):
        assert [(hit.docnum, hit.score) for hit in fast.search(Term(TEXT_FIELD, word), limit=None)] == \
               [(hit.docnum, hit.score) for hit in slow.search(Term(TEXT_FIELD, word), limit=None)]
    close_searchers()


def test_the_numpy_collector_finds_what_whoosh_finds(tmp_path, monkeypatch):
    """Several segments, deletions, every query shape the service builds, filters and sorts."""
    monkeypatch.setattr(search_index, "_whoosh_top_docs", None)  # no falling back to Whoosh's collector
    index = SearchIndex(tmp_path / "index")
    docs = make_docs(600)
    index.ensure()
    for start in range(0, 600, 150):  # four commits; Whoosh merges some of the segments
        writer = index._open("notes").writer()
        for doc in docs[start:start + 150]:
            writer.add_document(**search_index._whoosh_doc("notes", doc))
        writer.commit(merge=False)
    index.apply("notes", [], deletes=range(1, 600, 7))
    searcher = index._searcher("notes")
    assert len(searcher.leaf_searchers()) == 4 and searcher.reader().has_deletions()

    def term(word):
        return Term(TEXT_FIELD, word)

    queries = [term("露营"), term("咖啡"), term("ysl"), And([term("露营"), term("帐篷")]),
               And([term("手冲"), term("咖啡"), Term("tags", "咖啡")]),
               Or([And([term("airpods"), term("pro")]), term("airpodspro")]), term("没有这个词"),
               And([Or([term("口红"), term("唇釉")]), term("试色")])]
    requests = [([], None), ([NumericRange("price_cents", 10000, 30000)], None), ([Term("verified", True)], None),
                ([], SORTS["newest"]), ([], SORTS["liked"]), ([NumericRange("price_cents", None, 20000)],
                                                             SORTS["liked"])]
    for query in queries:
        for filters, sort in requests:
            for limit in (1, 21, 1000):
                sortedby = [FieldFacet(name, reverse=reverse) for name, reverse in sort] if sort else None
                expected = [hit.docnum for hit in searcher.search(query, limit=limit, sortedby=sortedby,
                                                                  filter=And(filters) if filters else None)]
                assert _top_docs(searcher, query, filters, sort, limit) == expected, (query, filters, sort, limit)
    close_searchers()


@pytest.mark.skipif(search_index.REBUILD_PROCESSES < 2, reason="no second process here (no fork)")
def test_a_rebuild_split_over_two_processes_finds_what_one_process_finds(tmp_path, monkeypatch):
    docs = make_docs(300)
    single = SearchIndex(tmp_path / "single")
    single.rebuild({"notes": docs, "products": [], "users": []})
    monkeypatch.setattr(search_index, "PARALLEL_AFTER", 40)
    monkeypatch.setattr(search_index, "BATCH", 10)
    split = SearchIndex(tmp_path / "split")
    split.rebuild({"notes": docs, "products": [], "users": []})
    one, two = single._searcher("notes"), split._searcher("notes")
    assert len(one.leaf_searchers()) == 1 and len(two.leaf_searchers()) == 2
    assert split.digests("notes") == single.digests("notes")
    for word in ("露营", "咖啡", "ysl", "开箱", "推荐"):
        def hits(searcher, word=word):
            return sorted((int(hit["id"]), round(hit.score, 9)) for hit in searcher.search(Term(TEXT_FIELD, word),
                                                                                             limit=None))
        assert hits(one) == hits(two)
    close_searchers()


def test_an_index_written_by_an_older_version_is_rebuilt_by_the_next_drain(app, make_user, make_note):
    make_user("old")
    note = make_note("old", title="舊版索引", body="升級以後還找得到")
    with app.app_context():
        outbox.drain(db.session)
        index = outbox.current_index()
        before = index.current_dir()
        (before / search_index.VERSION_FILE).write_text("1\n")
        assert index.stale()
        close_searchers()
        outbox.drain(db.session)
        assert not index.stale() and index.current_dir() != before
        assert Path(index.current_dir(), search_index.VERSION_FILE).read_text().strip() == \
               str(search_index.SCHEMA_VERSION)
        assert [hit.item.note.id for hit in search(db.session, None, "旧版索引").items] == [note]
