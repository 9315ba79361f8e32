"""Sybil resistance of the feeds: a ring of fake accounts against our trust ranking and a naive one.

    .venv/bin/python bench/sybil.py [--honest 3000] [--viewers 50] [--scenarios none,random1,random5,targeted5]
                                    [--seed 1] [--naive-only] [--keep]

For each scenario it generates a seeded world (bench/sybil_world.py: ~3,000 honest users in 15
topic communities with power-law follows, shops, notes of a latent quality and the engagement
that quality earns, plus a sybil ring of 9% of all users that follows itself, likes and collects
its shill notes in lockstep, brushes orders of its own cheap product through them and camouflages
by following and liking popular honest users), imports it into a fresh SQLite database under /tmp
with ``app.data.service.import_file``, runs ``app.trust.service.recompute`` and reads the feeds of
``--viewers`` seeded honest viewers through ``app.feed.service.get_feed``.

Scenarios (brushing and camouflage on in all): ``none`` (no honest -> ring edge), ``random1`` /
``random5`` (1% / 5% of honest users, chosen at random, each follow one ring account),
``targeted5`` (the 5% most-followed honest users, the follow-back accounts, do).

Prints, per scenario: users, ring size, attack edges, import and recompute seconds; then the
sybil share (ring-authored notes / notes shown, pooled over viewers) of the top 20 of Discover and
of Home (following) for ours next to the naive ranking on the same world (Discover naive: public
notes by like_count; Home naive: notes of the people the viewer follows by like_count), and Home
for viewers who themselves follow a ring account; then NDCG@20 of Discover against the latent
note quality (gain = quality, ideal = the best 20 candidates), over all notes and over honest
notes only (ring notes removed from both rankings and from the ideal: does trust keep the honest
ordering as good as likes do). Targets: Discover sybil share <= 1% under a random attack, <= 5%
under the targeted one; no-attack honest NDCG@20 ratio ours / naive >= 0.90.

``--naive-only`` skips the recompute and our feeds (generation, import and naive figures only).
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

import app.models  # noqa: E402,F401  (every table on the metadata)
from app import create_app  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.data import service as data  # noqa: E402
from app.db import Base, db  # noqa: E402
from app.notes.models import Note  # noqa: E402
from app.notes.service import published_notes  # noqa: E402
from app.social.models import Follow  # noqa: E402
from bench.sybil_world import generate  # noqa: E402
from config import TestingConfig  # noqa: E402

SCENARIOS = {
    "none": ("none", 0.0),
    "random1": ("random", 0.01),
    "random5": ("random", 0.05),
    "targeted5": ("targeted", 0.05),
}
TOP = 20
TARGETS = {"random": 0.01, "targeted": 0.05}
NDCG_TARGET = 0.90


@dataclass
class Share:
    """Ring-authored notes among the notes shown, pooled over viewers."""

    ring: int = 0
    shown: int = 0
    viewers: int = 0

    def add(self, author_ids, ring_ids) -> None:
        self.ring += sum(1 for a in author_ids if a in ring_ids)
        self.shown += len(author_ids)
        self.viewers += 1

    def __str__(self) -> str:
        return f"{self.ring / self.shown:6.1%}" if self.shown else "     -"


@dataclass
class Result:
    name: str
    users: int = 0
    ring: int = 0
    attack_edges: int = 0
    records: int = 0
    import_s: float = 0.0
    recompute_s: float | None = None
    shares: dict[str, Share] = field(default_factory=dict)
    ndcg: dict[str, list[float]] = field(default_factory=dict)

    def share(self, key: str) -> Share:
        return self.shares.setdefault(key, Share())

    def mean_ndcg(self, key: str) -> float | None:
        values = self.ndcg.get(key)
        return sum(values) / len(values) if values else None


def dcg(gains) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg(ranked_gains, ideal_gains) -> float:
    ideal = dcg(sorted(ideal_gains, reverse=True)[:TOP])
    return dcg(ranked_gains[:TOP]) / ideal if ideal else 0.0


def config_for(work: Path) -> TestingConfig:
    config = TestingConfig()
    config.DATABASE_URL = f"sqlite:///{work / 'bench.sqlite3'}"
    config.SEARCH_INDEX_DIR = str(work / "search_index")
    config.MEDIA_DIR = str(work / "media_store")
    config.RATELIMIT_ENABLED = False
    return config


def naive_discover(session, viewer, limit=TOP, exclude=None) -> list[Note]:
    query = published_notes(viewer)
    if exclude:
        query = query.where(Note.author_id.not_in(exclude))
    return list(session.scalars(query.order_by(Note.like_count.desc(), Note.id.desc()).limit(limit)))


def naive_home(session, viewer) -> list[Note]:
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
    query = published_notes(viewer).where(Note.author_id.in_(followed))
    return list(session.scalars(query.order_by(Note.like_count.desc(), Note.id.desc()).limit(TOP)))


def our_feed(session, kind, viewer, wanted=TOP, keep=None, pages=6) -> list[Note]:
    """The first ``wanted`` notes of our feed that pass ``keep`` (paging on when some are dropped)."""
    from app.feed import service as feed

    notes, cursor = [], None
    for _ in range(pages):
        page = feed.get_feed(session, kind, viewer, cursor, TOP if keep is None else 50)
        notes.extend(item.note for item in page.items if keep is None or keep(item.note))
        cursor = page.next_cursor
        if len(notes) >= wanted or not cursor:
            break
    return notes[:wanted]


def run_scenario(name: str, args) -> Result:
    attack, share = SCENARIOS[name]
    result = Result(name)
    work = Path(tempfile.mkdtemp(prefix=f"bench_sybil_{name}_", dir="/tmp"))
    try:
        meta = generate(work / "world" / "data.jsonl", honest=args.honest, attack=attack, attack_share=share,
                        brushing=True, camouflage=True, seed=args.seed)
        result.users = len(meta["honest"]) + len(meta["ring"])
        result.ring, result.attack_edges = len(meta["ring"]), meta["attack_edges"]
        result.records = sum(meta["counts"].values())
        app = create_app(config_for(work))
        with app.app_context():
            with db.engine_for_app.begin() as conn:
                Base.metadata.create_all(conn)
            session = db.session
            started = time.perf_counter()
            data.import_file(session, work / "world" / "data.jsonl")
            result.import_s = time.perf_counter() - started
            if not args.naive_only:
                from app.trust import service as trust

                started = time.perf_counter()
                trust.recompute(session)
                session.commit()
                result.recompute_s = time.perf_counter() - started
            measure(session, meta, result, args)
            session.close()
            db.engine_for_app.dispose()
    finally:
        from app.search.index import close_searchers

        close_searchers()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"  (kept {work})", flush=True)
    return result


def measure(session, meta: dict, result: Result, args) -> None:
    ids = dict(session.execute(select(User.username, User.id)).all())
    ring_ids = {ids[n] for n in meta["ring"]}
    refs = list(meta["notes"])
    note_ids = list(session.scalars(select(Note.id).order_by(Note.id)))
    if len(note_ids) != len(refs):
        raise RuntimeError(f"{len(refs)} notes generated but {len(note_ids)} in the database")
    quality = {nid: meta["notes"][ref]["quality"] for nid, ref in zip(note_ids, refs, strict=True)}
    candidates = session.execute(published_notes(None).with_only_columns(Note.id, Note.author_id)).all()
    ideal_all = [quality[n] for n, _author in candidates]
    ideal_honest = [quality[n] for n, author in candidates if author not in ring_ids]

    viewers = random.Random(args.seed).sample(meta["honest"], min(args.viewers, len(meta["honest"])))
    attacked = sorted(session.scalars(
        select(Follow.follower_id).where(Follow.followee_id.in_(ring_ids), Follow.follower_id.not_in(ring_ids))
        .distinct()))
    attacked = random.Random(args.seed).sample(attacked, min(args.viewers, len(attacked)))

    def author_ids(notes):
        return [n.author_id for n in notes]

    def gains(notes):
        return [quality[n.id] for n in notes]

    def honest_only(note):
        return note.author_id not in ring_ids

    for name in viewers:
        viewer = session.get(User, ids[name])
        discover = naive_discover(session, viewer)
        result.share("discover naive").add(author_ids(discover), ring_ids)
        result.share("home naive").add(author_ids(naive_home(session, viewer)), ring_ids)
        result.ndcg.setdefault("all naive", []).append(ndcg(gains(discover), ideal_all))
        honest_discover = naive_discover(session, viewer, exclude=ring_ids)
        result.ndcg.setdefault("honest naive", []).append(ndcg(gains(honest_discover), ideal_honest))
        if not args.naive_only:
            ours = our_feed(session, "discover", viewer)
            result.share("discover ours").add(author_ids(ours), ring_ids)
            result.share("home ours").add(author_ids(our_feed(session, "following", viewer)), ring_ids)
            result.ndcg.setdefault("all ours", []).append(ndcg(gains(ours), ideal_all))
            ours_honest = our_feed(session, "discover", viewer, keep=honest_only)
            result.ndcg.setdefault("honest ours", []).append(ndcg(gains(ours_honest), ideal_honest))
        session.expunge_all()
    for viewer_id in attacked:
        viewer = session.get(User, viewer_id)
        result.share("home attacked naive").add(author_ids(naive_home(session, viewer)), ring_ids)
        if not args.naive_only:
            result.share("home attacked ours").add(author_ids(our_feed(session, "following", viewer)), ring_ids)
        session.expunge_all()


def report(results: list[Result], args) -> None:
    print("\nworld and timings")
    print(f"  {'scenario':<10} {'users':>6} {'ring':>5} {'attack edges':>13} {'records':>8} {'import s':>9} "
          f"{'recompute s':>12}")
    for r in results:
        recompute = f"{r.recompute_s:12.1f}" if r.recompute_s is not None else f"{'-':>12}"
        print(f"  {r.name:<10} {r.users:>6,} {r.ring:>5} {r.attack_edges:>13} {r.records:>8,} {r.import_s:>9.1f} "
              f"{recompute}")

    print(f"\nsybil share of the top {TOP} (ring-authored notes / notes shown, {args.viewers} seeded honest viewers)")
    print(f"  {'scenario':<10} {'feed':<22} {'ours':>6} {'naive':>6}  target")
    for r in results:
        attack = SCENARIOS[r.name][0]
        target = TARGETS.get(attack)
        rows = [("Discover", "discover", f"<= {target:.0%}" if target is not None else ""),
                ("Home", "home", ""),
                (f"Home, attacked (n={r.share('home attacked naive').viewers})", "home attacked", "")]
        for label, key, goal in rows:
            if key == "home attacked" and not r.share(f"{key} naive").viewers:
                continue
            ours, naive = r.share(f"{key} ours"), r.share(f"{key} naive")
            verdict = ""
            if goal and ours.shown:
                verdict = "  met" if ours.ring / ours.shown <= target else "  MISSED"
            print(f"  {r.name:<10} {label:<22} {ours} {naive}  {goal}{verdict}".rstrip())

    print(f"\nNDCG@{TOP} of Discover against latent quality (mean over viewers)")
    print(f"  {'scenario':<10} {'notes':<8} {'ours':>6} {'naive':>6} {'ratio':>6}  target")
    for r in results:
        for key in ("all", "honest"):
            ours, naive = r.mean_ndcg(f"{key} ours"), r.mean_ndcg(f"{key} naive")
            ratio = ours / naive if ours is not None and naive else None
            goal = f">= {NDCG_TARGET:.2f}" if key == "honest" and r.name == "none" else ""
            verdict = ("  met" if ratio >= NDCG_TARGET else "  MISSED") if goal and ratio is not None else ""
            print(f"  {r.name:<10} {key:<8} {fmt(ours)} {fmt(naive)} {fmt(ratio)}  {goal}{verdict}".rstrip())


def fmt(value: float | None) -> str:
    return f"{value:6.3f}" if value is not None else f"{'-':>6}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=3000)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--naive-only", action="store_true", help="skip the trust recompute and our feeds")
    parser.add_argument("--keep", action="store_true", help="keep each scenario's /tmp folder")
    args = parser.parse_args()
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    results = []
    for name in names:
        started = time.perf_counter()
        results.append(run_scenario(name, args))
        r = results[-1]
        print(f"{name}: {r.users:,} users ({r.ring} ring), {r.records:,} records, {r.attack_edges} attack edges; "
              f"import {r.import_s:.1f} s"
              + (f", recompute {r.recompute_s:.1f} s" if r.recompute_s is not None else "")
              + f"; {time.perf_counter() - started:.0f} s in all", flush=True)
    report(results, args)


if __name__ == "__main__":
    main()
