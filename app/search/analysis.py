"""Text analysis for search, without Whoosh: fold and segment text into index terms.

Pure, so the relevance rules are tested on their own. ``search/index.py`` wraps ``terms()`` in a
Whoosh tokenizer; the same function analyses documents and queries, so both sides always agree.

- Folding: NFKC (full-width ＹＳＬ → YSL), case-folding, and Traditional → Simplified with
  OpenCC, so 口紅 and 口红 are one term.
- Chinese runs become overlapping bigrams (口红 → 口红; 露营装备 → 露营 营装 装备) plus single
  characters: no dictionary to load, no out-of-vocabulary words, and a word inside a sentence is
  always found. Queries use the bigrams of a run (all must match) or the character alone.
- Latin letters and digits stay whole (iphone15), and are also split where letters meet digits
  (iphone, 15); queries ask for the parts, so "iPhone 15" and "iPhone15" meet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

QUERY_MAX = 200  # characters of a query that are read; the rest of a 10 KB paste is ignored

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_RUN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[0-9a-z\u00c0-\u024f]+)")
_LETTERS_DIGITS = re.compile(r"[a-z\u00c0-\u024f]+|[0-9]+")


_HAN_CHAR = re.compile(f"[{_HAN}]")
_HAN_LONE = re.compile(f"(?<![{_HAN}])[{_HAN}](?![{_HAN}])")
_HAN_BIGRAM = re.compile(f"(?=([{_HAN}]{{2}}))")  # overlapping: a lookahead at every position
_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+")

_HASHTAG = re.compile(r"[#＃](\w{1,20})")
_ONLY_HAN = re.compile(rf"[{_HAN}]+")


@lru_cache(maxsize=2)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def _t2s():
    return _opencc("t2s")


def is_han(text: str) -> bool:
    return bool(_ONLY_HAN.fullmatch(text))


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


def fold(text: str) -> str:
    """The searchable form of text, one character for one character, so offsets still point
    into the original (highlighting depends on it)."""
    if text.isascii():
        return text.lower()
    folded = text.translate(_FOLD)
    simplified = _t2s().convert(folded)
    if len(simplified) == len(folded):
        return simplified
    # A phrase conversion changed the length: convert character by character instead.
    return "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in folded)


def _fold_char(char: str) -> str:
    normal = unicodedata.normalize("NFKC", char).casefold()
    return normal if len(normal) == 1 else char.casefold()[:1] or char


class _FoldTable(dict):
    """``str.translate`` table of ``_fold_char``, filled as characters are met: NFKC and
    case-folding a character at a time, at twice the speed of normalising the whole text (and
    what that did anyway wherever it changed the length)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < 100_000:  # what a hostile text can make it hold
            self[code] = folded
        return folded


_FOLD = _FoldTable()


class Term(NamedTuple):
    text: str
    start: int  # character offsets into the original text
    end: int


def terms(text: str, *, for_query: bool = False) -> list[Term]:
    """Index terms of ``text`` in order. For a query, a Chinese run of two or more characters
    gives only its bigrams (every one must match); a lone character gives itself."""
    out: list[Term] = []
    for match in _RUN.finditer(fold(text)):
        start = match.start()
        run = match.group()
        if match.group("han"):
            bigrams = [Term(run[i:i + 2], start + i, start + i + 2) for i in range(len(run) - 1)]
            if for_query and bigrams:
                out.extend(bigrams)
                continue
            for i, char in enumerate(run):
                out.append(Term(char, start + i, start + i + 1))
                if i < len(bigrams):
                    out.append(bigrams[i])
        else:
            parts = list(_LETTERS_DIGITS.finditer(run))
            if not (for_query and len(parts) > 1):  # a query asks for the parts, which both spellings have
                out.append(Term(run, start, match.end()))
            if len(parts) > 1:
                out.extend(Term(p.group(), start + p.start(), start + p.end()) for p in parts)
    return out


def index_words(text: str, *, singles: bool = True, folded: bool = False) -> list[str]:
    """The texts of ``terms(text)`` without offsets, in another order: the indexing fast path, a
    few regular expression scans over the whole text. Without ``singles``, Chinese runs give
    bigrams only (a lone character stays itself). ``folded``: ``text`` is ``fold()``ed already."""
    if not folded:
        text = fold(text)
    out = _HAN_BIGRAM.findall(text)
    out += (_HAN_CHAR if singles else _HAN_LONE).findall(text)
    for word in _WORD.findall(text):
        out.append(word)
        if not (word.isalpha() or word.isdigit()):  # letters meet digits: the parts too
            parts = _LETTERS_DIGITS.findall(word)
            if len(parts) > 1:
                out.extend(parts)
    return out


@dataclass
class ParsedQuery:
    text: str  # the query as read: trimmed, without control characters, at most QUERY_MAX long
    words: list[Term]  # query terms, each once, with offsets into ``text``
    tags: list[str]  # folded names of the #tags in the query


def parse_query(raw) -> ParsedQuery:
    """A search box string as terms and #tags. Nothing in it is syntax except #tags, so quotes,
    ``field:``, ``*`` and the like are just characters that are not words."""
    text = "".join(c for c in str(raw or "")[:QUERY_MAX * 2] if unicodedata.category(c)[0] != "C" or c == " ")
    text = " ".join(text.split())[:QUERY_MAX]
    tags = list(dict.fromkeys(fold(name) for name in _HASHTAG.findall(text)))
    rest = _HASHTAG.sub(lambda m: " " * len(m.group()), text)  # same length, so offsets hold
    words: dict[str, Term] = {}
    for term in terms(rest, for_query=True):
        words.setdefault(term.text, term)
    return ParsedQuery(text, list(words.values()), tags)


def highlight(text: str, words: set[str], width: int | None = None) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) segments, marking where a query word was found. With
    ``width``, a window of about that many characters around the first match, with ellipses;
    only the window is analysed, so a long body costs no more than a short one."""
    start, end = 0, len(text)
    if width and len(text) > width:
        folded = fold(text)
        first = min((folded.find(word) for word in words if word in folded), default=0)
        start = max(0, min(first - width // 4, len(text) - width))
        end = start + width
    segments: list[tuple[str, bool]] = [("…", False)] if start else []
    window, cursor = text[start:end], 0
    for span_start, span_end in _spans(window, words):
        if span_start > cursor:
            segments.append((window[cursor:span_start], False))
        segments.append((window[span_start:span_end], True))
        cursor = span_end
    if cursor < len(window):
        segments.append((window[cursor:], False))
    if end < len(text):
        segments.append(("…", False))
    return segments


def _spans(text: str, words: set[str]) -> list[list[int]]:
    """Where ``words`` occur in ``text``, overlapping and touching occurrences merged. A latin
    word counts only whole or at a letter/digit boundary, as the index splits it."""
    spans: list[list[int]] = []
    for match in _word_pattern(frozenset(words)).finditer(fold(text)):
        start, end = match.span(1)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return spans


@lru_cache(maxsize=256)
def _word_pattern(words: frozenset[str]) -> re.Pattern:
    alternatives = []
    for word in sorted(words, key=len, reverse=True):
        if is_han(word):
            alternatives.append(re.escape(word))
        else:
            before = "a-z\u00c0-\u024f" if word[0].isalpha() else "0-9"
            after = "a-z\u00c0-\u024f" if word[-1].isalpha() else "0-9"
            alternatives.append(f"(?<![{before}]){re.escape(word)}(?![{after}])")
    # A lookahead group finds overlapping matches (露營營地: 露營, 營營, 營地).
    return re.compile(f"(?=({'|'.join(alternatives) or '(?!)'}))")
