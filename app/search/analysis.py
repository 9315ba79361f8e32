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

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_RUN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[0-9a-z\u00c0-\u024f]+)")
_LETTERS_DIGITS = re.compile(r"[a-z\u00c0-\u024f]+|[0-9]+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """The searchable form of text, one character for one character, so offsets still point
    into the original (highlighting depends on it)."""
    folded = "".join(_fold_char(c) for c in text)
    simplified = _t2s().convert(folded)
    if len(simplified) == len(folded):
        return simplified
    # A phrase conversion changed the length: convert character by character instead.
    return "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in folded)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    normal = unicodedata.normalize("NFKC", char).casefold()
    return normal if len(normal) == 1 else char.casefold()[:1] or char


@dataclass(frozen=True)
class Term:
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
