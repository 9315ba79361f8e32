"""Feed ranking without a database: scores, per-author caps, the exploration share, reasons."""

from __future__ import annotations

from collections import Counter

from app.feed.ranking import Candidate, Weights, exploration_slots, rank, reasons


def test_trusted_engagement_beats_more_untrusted_likes_and_time_decays():
    w = Weights()
    trusted = Candidate(1, author_id=1, age_hours=2, engagement=6.0, author_trust=1.2)
    ring = Candidate(2, author_id=2, age_hours=1, engagement=0.05, author_trust=0.01, author_bought=False)
    stale = Candidate(3, author_id=3, age_hours=24 * 10, engagement=6.0, author_trust=1.2)
    order = [r.candidate.note_id for r in rank([ring, stale, trusted], w, explore=False)]
    assert order == [1, 2, 3]
    # A half-life of age costs exactly what a doubling of signal earns.
    day_old = rank([Candidate(4, 4, age_hours=w.half_life_hours)], w, explore=False)[0]
    assert abs(day_old.score + 0.6931) < 1e-3  # no signal at all: the score is the decay alone


def test_no_author_fills_a_window_but_none_is_dropped():
    w = Weights(window=10, author_cap=2, exploration_share=0)
    star = [Candidate(i, author_id=1, age_hours=1, engagement=50) for i in range(1, 16)]
    others = [Candidate(100 + i, author_id=10 + i, age_hours=1, engagement=1) for i in range(12)]
    ranked = rank(star + others, w)
    assert len(ranked) == len(star) + len(others)  # capped notes wait; none is dropped
    first = Counter(r.candidate.author_id for r in ranked[:w.window])
    assert first[1] == 2 and sum(first.values()) == w.window
    assert ranked[0].candidate.author_id == 1  # the best note still leads
    # Once everyone else has been placed, the star's remaining notes follow in score order.
    assert [r.candidate.author_id for r in ranked[-5:]] == [1] * 5


def test_exploration_slots_go_to_endorsed_newcomers_only():
    w = Weights(window=20, exploration_share=0.1)
    assert exploration_slots(w) == {5, 15}
    veterans = [Candidate(i, author_id=i, age_hours=1, engagement=20, author_trust=2) for i in range(1, 30)]
    newcomer = Candidate(500, author_id=500, age_hours=3, engagement=0.1, author_trust=0.1, new_creator=True)
    unendorsed = Candidate(501, author_id=501, age_hours=1, engagement=0, author_trust=0.0, new_creator=True)
    flagged = Candidate(502, author_id=502, age_hours=1, engagement=0, author_trust=0.5, new_creator=True,
                        author_flagged=True)
    ranked = rank(veterans + [newcomer, unendorsed, flagged], w)
    positions = {r.candidate.note_id: i for i, r in enumerate(ranked)}
    assert positions[500] == 5 and ranked[5].explored
    assert positions[501] > 20 and positions[502] > 20
    assert rank(veterans + [newcomer], w, explore=False)[5].candidate.note_id != 500


def test_reasons_name_the_real_terms():
    w = Weights()
    ranked = rank([Candidate(1, 1, age_hours=30, engagement=3, author_bought=True, verified_likers=12,
                             trusted_likers=4, author_trust=3.0, affinity=2)], w, explore=False)[0]
    codes = dict(reasons(ranked.candidate, followees_liked=3, following=True))
    assert codes == {"followees_liked": 3, "affinity": 0, "author_bought": 0, "verified_likers": 12,
                     "trusted_likers": 4, "trusted_author": 0}
    bare = rank([Candidate(2, 2, age_hours=50)], w, explore=False)[0]
    assert reasons(bare.candidate) == [("recent", 0)]
    assert reasons(bare.candidate, explored=True) == [("new_creator", 0)]
