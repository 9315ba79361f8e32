"""Search analysis (the groundwork of the search issue): folding and segmenting without Whoosh."""

from __future__ import annotations

import pytest

from app.search.analysis import fold, index_words, terms


def texts(text: str, **kwargs) -> list[str]:
    return [t.text for t in terms(text, **kwargs)]


def test_traditional_and_simplified_fold_to_one_term():
    assert texts("口紅", for_query=True) == texts("口红", for_query=True) == ["口红"]


def test_words_inside_a_sentence_are_indexed():
    indexed = set(texts("週末去露營裝備都帶齊了"))
    assert set(texts("露營裝備", for_query=True)) <= indexed
    assert set(texts("露营", for_query=True)) <= indexed


@pytest.mark.parametrize("document, query", [
    ("YSL口紅試色", "ysl"), ("ＩＰＨＯＮＥ１５開箱", "iPhone 15"), ("iPhone 15 開箱", "iphone15"), ("抹茶", "茶"),
])
def test_mixed_full_width_and_case(document, query):
    assert set(texts(query, for_query=True)) <= set(texts(document))


def test_offsets_point_into_the_original_text_for_highlighting():
    original = "ＹＳＬ口紅"
    for term in terms(original):
        assert fold(original[term.start:term.end]) == term.text


def test_garbage_gives_no_terms_and_no_error():
    assert texts("") == [] and texts("!!! *** \x00 🙂") == [] and texts("(" * 10_000, for_query=True) == []


@pytest.mark.parametrize("text", ["YSL口紅 顯白", "ｉＰｈｏｎｅ１５拍照，夜景很美", "露營裝備 a 我", "鈦杯450ml", ""])
def test_the_indexing_fast_path_gives_the_same_words_as_terms(text):
    assert sorted(index_words(text)) == sorted(term.text for term in terms(text))
    assert set(index_words(text, singles=False)) <= set(index_words(text))


def test_long_texts_can_be_indexed_by_bigrams_only():
    assert sorted(index_words("露營裝備 a 我", singles=False)) == sorted(["露营", "营装", "装备", "a", "我"])
