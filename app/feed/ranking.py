"""Feed ranking: pure scoring, per-author caps, an exploration share and the reasons behind each
place. No Flask, no database: ``feed.service`` feeds it plain candidates.

A note's score is a sum of logs, each a real signal the reader is told about:

    engagement   log1p(likes, collects, comments and purchases, each weighted by the reader's trust)
    author       log1p(the author's trust)
    verified     the author bought the linked product from an independent seller
    affinity     log1p(the reader's own likes, collects and comments on the author's notes)  (Home)
    decay        - ln 2 x age / half-life

so a like from the ring (trust ~0) adds ~nothing, and a day-old note needs twice the signal of a
fresh one at a 48-hour half-life.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    engagement: float = 1.0
    author_trust: float = 0.7
    verified: float = 0.4
    affinity: float = 0.6
    half_life_hours: float = 48.0
    author_cap: int = 2  # notes by one author in any page-sized window
    window: int = 20
    exploration_share: float = 0.1  # of each window, for newly arrived creators (Discover)
    exploration_min_trust: float = 0.02  # even a newcomer needs someone's endorsement


@dataclass(slots=True)
class Candidate:
    note_id: int
    author_id: int
    age_hours: float
    engagement: float = 0.0
    author_trust: float = 0.0
    author_bought: bool = False
    trusted_likers: int = 0
    verified_likers: int = 0
    affinity: float = 0.0
    new_creator: bool = False
    author_flagged: bool = False


@dataclass(slots=True)
class Ranked:
    candidate: Candidate
    score: float
    explored: bool = False


def score(c: Candidate, w: Weights) -> float:
    """The sum of logs in this module's docstring."""
    return (w.engagement * math.log1p(max(c.engagement, 0.0))
            + w.author_trust * math.log1p(max(c.author_trust, 0.0))
            + (w.verified if c.author_bought else 0.0)
            + w.affinity * math.log1p(max(c.affinity, 0.0))
            - LN2 * max(c.age_hours, 0.0) / w.half_life_hours)


LN2 = math.log(2)


def exploration_slots(w: Weights) -> set[int]:
    """Positions within each window kept for newcomers, spread evenly (2 of 20: 5 and 15)."""
    slots = round(w.window * w.exploration_share)
    return {int((k + 0.5) * w.window / slots) for k in range(slots)} if slots else set()


def rank(candidates: list[Candidate], w: Weights, explore: bool = True, limit: int | None = None) -> list[Ranked]:
    """Candidates in feed order. Best score first, except that no author gets more than
    ``author_cap`` places in a window (their extra notes wait for a later window), and with
    ``explore`` a share of each window goes to the best notes of eligible newcomers."""
    scored = [Ranked(c, score(c, w)) for c in candidates]
    scored.sort(key=lambda r: (-r.score, -r.candidate.note_id))
    limit = len(scored) if limit is None else min(limit, len(scored))
    newcomers = _Queue([r for r in scored if explore and _eligible_newcomer(r.candidate, w)])
    remaining = _Queue(scored)
    slots = exploration_slots(w) if explore else set()
    placed: set[int] = set()
    out: list[Ranked] = []
    in_window: Counter = Counter()
    while len(out) < limit and (remaining or newcomers):
        position = len(out) % w.window
        if position == 0:
            in_window.clear()
        pick = None
        if position in slots:
            pick = _take(newcomers, placed, in_window, w)
            if pick:
                pick.explored = True
        if pick is None:
            pick = _take(remaining, placed, in_window, w)
        if pick is None:
            # Every remaining note is by an author already at the cap: start their next window.
            pick = _take(remaining, placed, Counter(), w)
            if pick is None:
                break
        placed.add(pick.candidate.note_id)
        in_window[pick.candidate.author_id] += 1
        out.append(pick)
    return out


def _eligible_newcomer(c: Candidate, w: Weights) -> bool:
    return c.new_creator and not c.author_flagged and c.author_trust >= w.exploration_min_trust


class _Queue:
    """Ranked notes in order, grouped by author: taking the first note whose author is under the
    cap looks at one head per author (a heap), never past every note of the capped authors."""

    def __init__(self, ranked: list[Ranked]):
        self.ranked = ranked
        self.by_author: dict[int, deque[int]] = {}
        for i, r in enumerate(ranked):
            self.by_author.setdefault(r.candidate.author_id, deque()).append(i)
        self.heads = [(positions[0], author) for author, positions in self.by_author.items()]
        heapq.heapify(self.heads)

    def __bool__(self) -> bool:
        return bool(self.heads)


def _take(queue: _Queue, placed: set[int], in_window: Counter, w: Weights) -> Ranked | None:
    """The first note in ``queue`` not placed yet whose author is under the cap; notes already
    placed are dropped as they are met."""
    skipped, pick = [], None
    while queue.heads and pick is None:
        head, author = heapq.heappop(queue.heads)
        if queue.ranked[head].candidate.note_id not in placed:
            if in_window[author] >= w.author_cap:
                skipped.append((head, author))
                continue
            pick = queue.ranked[head]
        positions = queue.by_author[author]
        positions.popleft()
        while positions and queue.ranked[positions[0]].candidate.note_id in placed:
            positions.popleft()
        if positions:
            heapq.heappush(queue.heads, (positions[0], author))
    for entry in skipped:
        heapq.heappush(queue.heads, entry)
    return pick


# Why a note is where it is: codes in the order a reader cares about, each with its figure.
TRUSTED_AUTHOR = 2.0  # average users' worth of trust


def reasons(c: Candidate, *, explored: bool = False, followees_liked: int = 0,
            following: bool = False) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if explored:
        out.append(("new_creator", 0))
    if followees_liked:
        out.append(("followees_liked", followees_liked))
    if following:
        out.append(("affinity", 0) if c.affinity > 0 else ("following", 0))
    if c.author_bought:
        out.append(("author_bought", 0))
    if c.verified_likers:
        out.append(("verified_likers", c.verified_likers))
    if c.trusted_likers:
        out.append(("trusted_likers", c.trusted_likers))
    if c.author_trust >= TRUSTED_AUTHOR:
        out.append(("trusted_author", 0))
    if c.age_hours < 24:
        out.append(("fresh", 0))
    return out or [("recent", 0)]
