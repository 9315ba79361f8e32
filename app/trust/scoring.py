"""Social trust from evidence that costs something. Pure numpy/scipy: no Flask, no database.

The design follows the published work on sybil-resistant reputation:

- **Seeds from costly evidence** (EigenTrust's pre-trusted peers, TrustRank/SybilRank's trusted
  seeds). Trust starts only where something was paid for it: money spent at sellers independent
  of the buyer, kept and not refunded, damped for brand-new accounts; plus the platform's own
  pre-trusted accounts (admins). A uniform teleport would hand a ring its population share.
- **Spend, not orders** against brushing (刷單): a buyer's seed is a concave function of what
  they spent at each independent seller (log of yuan, capped), so a hundred cheap orders at a
  ring's own shop weigh less than one real purchase, and a purchase from yourself, your own
  shop's staff, a mutual follow or a lockstep account counts for nothing.
- **Propagation along endorsements only** (personalised PageRank from the seeds, as in
  TweepCred): follows, likes, collects, comments and purchases through a note pass trust from the
  endorser to the endorsed, never back. Camouflage (a ring following and liking popular honest
  users) therefore only leaks the ring's own trust out and lends it nothing.
- **Degree normalisation and early termination** (SybilRank): each endorser's outflow is split
  over everyone it endorses, and the walk runs O(log n) steps, not to convergence.
- **A cap per endorsement** (SumUp's bound on votes per attack edge): one endorser passes at most
  ``edge_cap`` average users' worth of trust along one edge per step, so a popular or follow-back
  account that follows a ring hands it a bounded amount; the excess returns to the seeds.
- **Follow-ratio damping** (TweepCred): accounts that follow far more people than follow them
  have their score and their outflow damped.
- **Lockstep detection** (CopyCatch): young accounts that like the same notes in the same short
  time windows as several other young accounts are flagged; a flagged account's endorsements pass
  nothing and its own score is cut.

Every knob lives in :class:`Params`. The ``naive_*`` switches exist so the tests can show that
each trap really does defeat a naive design and that the default defeats the trap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

DAY = 86_400.0
EDGE_KINDS = ("follow", "like", "collect", "comment", "purchase")


@dataclass(frozen=True)
class Params:
    damping: float = 0.85
    iterations: int | None = None  # None: ceil(log2(users)) + 2, SybilRank's early termination
    edge_cap: float | None = 0.5  # average users' worth of trust one edge may carry per step
    # What one endorsement is worth before degree normalisation; a pair's repeated likes,
    # collects and comments saturate at pair_cap notes.
    follow_weight: float = 1.0
    like_weight: float = 0.3
    collect_weight: float = 0.5
    comment_weight: float = 0.3
    purchase_weight: float = 1.0  # per log1p(spend / spend_unit) of kept purchases through a note
    pair_cap: int = 3
    spend_unit_cents: int = 10_000  # 100 yuan: one unit of log-spend
    seed_cap: float = 4.0  # no buyer's seed exceeds this many log-spend units
    seed_age_days: float = 30.0  # seeds of younger accounts are scaled down linearly
    pretrusted_share: float = 0.1  # share of the seed mass given to pre-trusted accounts
    follow_ratio: float = 5.0  # following / (followers + 1) above this is damped...
    follow_ratio_min: int = 50  # ...once an account follows at least this many
    lockstep_young_days: float = 30.0
    lockstep_window_s: float = 3_600.0
    lockstep_min_shared: int = 3  # same-window likes two accounts must share
    lockstep_min_partners: int = 4  # accounts one must share them with to be flagged
    lockstep_factor: float = 0.02
    hidden_content_factor: float = 0.5  # per piece of content moderators hid
    engagement_cap: float = 5.0  # one reader's weight in a note's engagement, in average users
    # Naive designs, for the tests only.
    naive_uniform_seeds: bool = False
    naive_order_count: bool = False
    naive_undirected: bool = False
    naive_no_lockstep: bool = False


def _ints(n=0):
    return np.zeros(n, dtype=np.int64)


@dataclass
class Evidence:
    """Everything the platform knows, as arrays. Users are 0..n_users-1, notes 0..len(note_author)-1,
    products 0..n_products-1; times are seconds since the epoch."""

    n_users: int
    user_created: np.ndarray  # float seconds, per user
    now: float
    follows: np.ndarray = field(default_factory=lambda: _ints(0).reshape(0, 2))  # (follower, followee)
    note_author: np.ndarray = field(default_factory=_ints)
    note_product: np.ndarray = field(default_factory=_ints)  # -1: no product
    likes: np.ndarray = field(default_factory=lambda: _ints(0).reshape(0, 2))  # (user, note)
    like_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    collects: np.ndarray = field(default_factory=lambda: _ints(0).reshape(0, 2))
    comments: np.ndarray = field(default_factory=lambda: _ints(0).reshape(0, 2))  # distinct (user, note)
    # Purchases: buyer, seller (the shop owner), product, note bought through (-1), cents, kept.
    buy_buyer: np.ndarray = field(default_factory=_ints)
    buy_seller: np.ndarray = field(default_factory=_ints)
    buy_product: np.ndarray = field(default_factory=_ints)
    buy_note: np.ndarray = field(default_factory=_ints)
    buy_cents: np.ndarray = field(default_factory=_ints)
    buy_kept: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    staff: np.ndarray = field(default_factory=lambda: _ints(0).reshape(0, 2))  # (user, shop owner)
    hidden_content: np.ndarray | None = None  # per user: notes and comments moderators hid
    pretrusted: np.ndarray | None = None  # bool per user (admins)
    suspended: np.ndarray | None = None  # bool per user

    def mask(self, values) -> np.ndarray:
        return np.zeros(self.n_users, dtype=bool) if values is None else np.asarray(values, dtype=bool)


@dataclass
class Result:
    """Trust per user in average-user units (the mean over users is about 1)."""

    score: np.ndarray
    mass: np.ndarray  # the propagated distribution (sums to 1); score is mass x users x damping
    seed: np.ndarray  # the seed share per user (sums to 1 when anyone has costly evidence)
    spend_units: np.ndarray  # independent log-spend units behind each seed
    lockstep: np.ndarray  # bool per user
    independent: np.ndarray  # bool per purchase: the buyer is independent of the seller
    damping: np.ndarray  # follow-ratio and moderation factor per user (1: none)
    edges: sparse.csr_matrix  # row-normalised endorsement weights, src x dst
    iterations: int
    evidence: Evidence
    params: Params

    def contributions(self, user: int, top: int = 5) -> list[tuple[int, float, list[str]]]:
        """Who passed ``user`` the most trust in the last step: (endorser, trust in average-user
        units, the kinds of endorsement), largest first."""
        n, p = self.evidence.n_users, self.params
        column = self.edges[:, user].tocoo()
        flows = p.damping * edge_flows(self.mass, self.damping, column.row, column.data, p, n) * n
        order = np.argsort(-flows)[:top]
        kinds = _edge_kinds_into(self.evidence, user)
        return [(int(column.row[i]), float(flows[i]), kinds.get(int(column.row[i]), [])) for i in order]


def pair_keys(pairs: np.ndarray, n: int) -> np.ndarray:
    return pairs[:, 0].astype(np.int64) * n + pairs[:, 1].astype(np.int64)


def detect_lockstep(ev: Evidence, p: Params) -> np.ndarray:
    """CopyCatch-style: young accounts that liked the same notes in the same time window as at
    least ``lockstep_min_partners`` other young accounts, on ``lockstep_min_shared`` notes each."""
    flagged = np.zeros(ev.n_users, dtype=bool)
    if len(ev.likes) == 0:
        return flagged
    users, notes = ev.likes[:, 0], ev.likes[:, 1]
    young = (ev.like_time - ev.user_created[users]) < p.lockstep_young_days * DAY
    users, notes, times = users[young], notes[young], ev.like_time[young]
    if len(users) == 0:
        return flagged
    best = None
    # Two bucketings half a window apart, so a burst across a bucket edge is still one burst.
    for offset in (0.0, p.lockstep_window_s / 2):
        buckets = np.floor((times + offset) / p.lockstep_window_s).astype(np.int64)
        _, column = np.unique(np.stack([notes, buckets], axis=1), axis=0, return_inverse=True)
        column = column.ravel()
        likes = sparse.csr_matrix((np.ones(len(users), dtype=np.float32), (users, column)),
                                  shape=(ev.n_users, int(column.max()) + 1))
        likes.data[:] = 1.0  # duplicates in one bucket count once
        shared = (likes @ likes.T).tocsr()
        shared.setdiag(0)
        shared.eliminate_zeros()
        best = shared if best is None else best.maximum(shared)
    partners = np.asarray((best >= p.lockstep_min_shared).sum(axis=1)).ravel()
    flagged[:] = partners >= p.lockstep_min_partners
    return flagged


def independent_purchases(ev: Evidence, flagged: np.ndarray) -> np.ndarray:
    """Per purchase: whether the buyer is independent of the seller. Not yourself, not your own
    shop's staff, not a mutual follow, and neither side a lockstep account."""
    n = ev.n_users
    buyer, seller = ev.buy_buyer, ev.buy_seller
    ok = (buyer != seller) & ~flagged[buyer] & ~flagged[seller]
    if len(ev.follows):
        follow_keys = np.sort(pair_keys(ev.follows, n))
        there = in_sorted(buyer * n + seller, follow_keys)
        back = in_sorted(seller * n + buyer, follow_keys)
        ok &= ~(there & back)
    if len(ev.staff):
        ok &= ~in_sorted(buyer * n + seller, np.sort(pair_keys(ev.staff, n)))
    return ok


def in_sorted(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """np.isin(values, keys) for sorted ``keys``, by binary search. np.isin and np.unique over a
    million follows take ~0.5 s each (numpy 2.4); sorting them once takes ~50 ms."""
    if len(keys) == 0:
        return np.zeros(len(values), dtype=bool)
    return keys[np.minimum(np.searchsorted(keys, values), len(keys) - 1)] == values


def spend_seeds(ev: Evidence, p: Params, independent: np.ndarray) -> np.ndarray:
    """Log-spend units per buyer: concave in what was spent at each independent seller, capped."""
    n = ev.n_users
    units = np.zeros(n)
    if len(ev.buy_buyer) == 0:
        return units
    keep = ev.buy_kept.astype(bool)
    if p.naive_order_count:
        np.add.at(units, ev.buy_buyer[keep], 1.0)
        return units
    keep &= independent
    buyer, seller, cents = ev.buy_buyer[keep], ev.buy_seller[keep], ev.buy_cents[keep].astype(float)
    if len(buyer) == 0:
        return units
    pair, where = np.unique(buyer * n + seller, return_inverse=True)
    spent = np.bincount(where.ravel(), weights=cents, minlength=len(pair))
    np.add.at(units, pair // n, np.log1p(spent / p.spend_unit_cents))
    return np.minimum(units, p.seed_cap)


def _pair_weights(pairs: np.ndarray, note_author: np.ndarray, weight: float, cap: int):
    """(src, dst, weight) for reader -> author, repeated notes saturating at ``cap``."""
    if len(pairs) == 0:
        return _ints(), _ints(), np.zeros(0)
    src, dst = pairs[:, 0], note_author[pairs[:, 1]]
    n = int(max(src.max(), dst.max())) + 1
    key, count = np.unique(src * n + dst, return_counts=True)
    return key // n, key % n, weight * np.minimum(count, cap)


def endorsement_matrix(ev: Evidence, p: Params, flagged: np.ndarray) -> sparse.csr_matrix:
    """src x dst endorsement weights, each row summing to 1 (or 0 for accounts that endorse
    nobody or whose endorsements count for nothing)."""
    n = ev.n_users
    parts = []
    if len(ev.follows):
        parts.append((ev.follows[:, 0], ev.follows[:, 1], np.full(len(ev.follows), p.follow_weight)))
    parts.append(_pair_weights(ev.likes, ev.note_author, p.like_weight, p.pair_cap))
    parts.append(_pair_weights(ev.collects, ev.note_author, p.collect_weight, p.pair_cap))
    parts.append(_pair_weights(ev.comments, ev.note_author, p.comment_weight, p.pair_cap))
    through = (ev.buy_note >= 0) & ev.buy_kept.astype(bool)
    if through.any():
        src, dst = ev.buy_buyer[through], ev.note_author[ev.buy_note[through]]
        parts.append((src, dst, p.purchase_weight * np.log1p(ev.buy_cents[through] / p.spend_unit_cents)))
    src = np.concatenate([part[0] for part in parts]).astype(np.int64)
    dst = np.concatenate([part[1] for part in parts]).astype(np.int64)
    weight = np.concatenate([part[2] for part in parts]).astype(float)
    if p.naive_undirected:
        src, dst, weight = np.concatenate([src, dst]), np.concatenate([dst, src]), np.concatenate([weight, weight])
    keep = (src != dst) & ~flagged[src]
    matrix = sparse.csr_matrix((weight[keep], (src[keep], dst[keep])), shape=(n, n))
    matrix.sum_duplicates()
    out = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    return sparse.diags(scale) @ matrix


def follow_damping(ev: Evidence, p: Params) -> np.ndarray:
    n = ev.n_users
    if len(ev.follows) == 0:
        return np.ones(n)
    following = np.bincount(ev.follows[:, 0], minlength=n).astype(float)
    followers = np.bincount(ev.follows[:, 1], minlength=n).astype(float)
    ratio = following / (followers + 1)
    damp = np.ones(n)
    heavy = (following >= p.follow_ratio_min) & (ratio > p.follow_ratio)
    damp[heavy] = p.follow_ratio / ratio[heavy]
    return damp


def steps(n_users: int, p: Params) -> int:
    return p.iterations or (math.ceil(math.log2(max(n_users, 2))) + 2)


def compute(ev: Evidence, p: Params | None = None, progress=None) -> Result:
    """Trust for every user. ``progress(step, total)`` is called once per propagation step."""
    p = p or Params()
    n = ev.n_users
    if n == 0:
        empty = np.zeros(0)
        return Result(score=empty, mass=empty, seed=empty, spend_units=empty, lockstep=np.zeros(0, dtype=bool),
                      independent=np.zeros(len(ev.buy_buyer), dtype=bool), damping=empty,
                      edges=sparse.csr_matrix((0, 0)), iterations=0, evidence=ev, params=p)
    suspended, pretrusted = ev.mask(ev.suspended), ev.mask(ev.pretrusted)
    flagged = np.zeros(n, dtype=bool) if p.naive_no_lockstep else detect_lockstep(ev, p)
    independent = independent_purchases(ev, flagged)
    units = spend_seeds(ev, p, independent)
    age = (ev.now - ev.user_created) / DAY
    seed = units * np.clip(age / p.seed_age_days, 0.0, 1.0)
    seed[flagged | suspended] = 0.0
    if seed.sum() > 0:
        seed /= seed.sum()
    if pretrusted.any():
        pre = (pretrusted & ~suspended).astype(float)
        if pre.sum() > 0:
            share = p.pretrusted_share if seed.sum() > 0 else 1.0
            seed = (1 - share) * seed + share * pre / pre.sum()
    if p.naive_uniform_seeds or seed.sum() == 0:
        # No costly evidence at all (a new site): everybody starts equal; trust then only says
        # who the community endorses.
        seed = np.full(n, 1.0 / n) if n else seed
    damp = follow_damping(ev, p)
    if ev.hidden_content is not None:
        damp = damp * p.hidden_content_factor ** np.minimum(np.asarray(ev.hidden_content, float), 10)
    damp[suspended] = 0.0
    if not p.naive_no_lockstep:
        damp[flagged] *= p.lockstep_factor
    edges = endorsement_matrix(ev, p, flagged)
    coo = edges.tocoo()
    src, dst, weight = coo.row, coo.col, coo.data
    iterations = steps(n, p)
    trust = seed.copy()
    for step in range(iterations):
        passed = p.damping * np.bincount(dst, weights=edge_flows(trust, damp, src, weight, p, n), minlength=n)
        # What is not passed on (dangling accounts, capped or damped edges) returns to the seeds.
        trust = passed + (1.0 - passed.sum()) * seed
        if progress:
            progress(step + 1, iterations)
    score = trust * n * damp
    return Result(score=score, mass=trust, seed=seed, spend_units=units, lockstep=flagged, independent=independent,
                  damping=damp, edges=edges, iterations=iterations, evidence=ev, params=p)


def edge_flows(mass: np.ndarray, damp: np.ndarray, src: np.ndarray, weight: np.ndarray, p: Params, n: int):
    """What each endorsement passes in one step, before the damping factor: the endorser's
    (damped) mass split by weight, capped at ``edge_cap`` average users."""
    flow = mass[src] * damp[src] * weight
    return flow if p.edge_cap is None else np.minimum(flow, p.edge_cap / n)


def _edge_kinds_into(ev: Evidence, user: int) -> dict[int, list[str]]:
    kinds: dict[int, list[str]] = {}

    def add(sources, kind):
        for s in np.unique(sources):
            kinds.setdefault(int(s), []).append(kind)

    if len(ev.follows):
        add(ev.follows[ev.follows[:, 1] == user, 0], "follow")
    for pairs, kind in ((ev.likes, "like"), (ev.collects, "collect"), (ev.comments, "comment")):
        if len(pairs):
            add(pairs[ev.note_author[pairs[:, 1]] == user, 0], kind)
    through = (ev.buy_note >= 0) & ev.buy_kept.astype(bool)
    if through.any():
        mine = through.copy()
        mine[through] = ev.note_author[ev.buy_note[through]] == user
        add(ev.buy_buyer[mine], "purchase")
    return kinds


@dataclass
class NoteSignals:
    """Per note, from the readers' trust: what feeds rank on and explain with."""

    engagement: np.ndarray  # trust-weighted likes, collects, comments and purchases through it
    trusted_likers: np.ndarray  # likers trusted above the average user
    verified_likers: np.ndarray  # likers who bought the note's product and kept it
    author_bought: np.ndarray  # bool: the author bought the product from an independent seller


def note_signals(result: Result) -> NoteSignals:
    ev, p = result.evidence, result.params
    m = len(ev.note_author)
    weight = np.minimum(result.score, p.engagement_cap)
    weight[result.lockstep] = 0.0

    def weighted(pairs, factor):
        if len(pairs) == 0:
            return np.zeros(m)
        users, notes = pairs[:, 0], pairs[:, 1]
        own = users == ev.note_author[notes]
        return factor * np.bincount(notes, weights=np.where(own, 0.0, weight[users]), minlength=m)

    engagement = weighted(ev.likes, 1.0) + weighted(ev.collects, 1.5) + weighted(ev.comments, 1.0)
    kept = ev.buy_kept.astype(bool)
    through = (ev.buy_note >= 0) & kept
    if through.any():
        buyers, notes = ev.buy_buyer[through], ev.buy_note[through]
        own = buyers == ev.note_author[notes]
        engagement += 3.0 * np.bincount(notes, weights=np.where(own, 0.0, weight[buyers]), minlength=m)
    trusted_likers = np.zeros(m, dtype=np.int64)
    verified_likers = np.zeros(m, dtype=np.int64)
    width = max(int(max(ev.note_product.max(initial=-1), ev.buy_product.max(initial=-1))) + 1, 1)
    if len(ev.likes):
        users, notes = ev.likes[:, 0], ev.likes[:, 1]
        counted = ~result.lockstep[users] & (users != ev.note_author[notes])
        trusted_likers = np.bincount(notes[counted & (result.score[users] >= 1.0)], minlength=m)
        bought = np.unique(ev.buy_buyer[kept] * width + ev.buy_product[kept])
        product = ev.note_product[notes]
        verified = (product >= 0) & np.isin(users * width + product, bought)
        verified_likers = np.bincount(notes[counted & verified], minlength=m)
    author_bought = np.zeros(m, dtype=bool)
    if kept.any():
        independent = kept & result.independent
        bought = np.unique(ev.buy_buyer[independent] * width + ev.buy_product[independent])
        has = ev.note_product >= 0
        author_bought[has] = np.isin(ev.note_author[has] * width + ev.note_product[has], bought)
    return NoteSignals(engagement, trusted_likers, verified_likers, author_bought)

