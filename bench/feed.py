"""Feed speed at 10k users / 200k notes next to a Flask hello-world, and trust recompute at 100k users / 2M edges.

    .venv/bin/python bench/feed.py [--users 10000] [--notes 200000] [--follows 50] [--likes 1500000]
        [--requests 300] [--seconds 10] [--workers 4] [--threads 2] [--client-procs 2] [--client-threads 8]
        [--trust-users 100000] [--trust-edges 2000000] [--trust-notes 500000] [--trust-runs 3]
        [--parts inprocess,gunicorn,trust] [--reuse] [--profile discover|page2|home|html|trust]

Targets (the feed issue): under gunicorn the feed page serves >= 10% of the requests/s a Flask
hello-world serves in the same run, p50 <= 10 ms in-process; trust recompute at 100k users / 2M
edges <= 10 s and <= 1 GB.

1. Generates a seeded, synthetic community straight into a fresh SQLite database under /tmp with
   bulk inserts (numpy, then executemany of values formatted the way SQLAlchemy stores them):
   ``--users`` users created over the last 400 days; power-law follows (``--follows`` per user on
   average, a few users followed by thousands); ``--notes`` published notes over the last 30 days,
   written mostly by popular users, each with one cover image row (a fake key: pages only build
   URLs), a fifth linked to a product; ``--likes`` likes (heavy-tailed per note and per reader),
   collects (a tenth of them) and comments (a thirtieth); shops (one user in 50), 5 products
   each, and 2 orders per user (most completed, 30% through a note). Then
   ``app.trust.service.recompute`` once, so feeds have scores. Prints the counts and times.
2. In-process (Flask test client, ``ProductionConfig`` with its defaults: FEED_SNAPSHOT_SECONDS=60,
   FEED_CANDIDATES=2000; only the database, media and index paths and SECRET_KEY are set): a
   warm-up, then ``--requests`` requests of each kind, interleaved: Discover API page 1, Discover
   page 2 (the cursor from page 1), Home ("following") API page 1 of a random reader (bearer
   token from ``accounts.service.issue_token``; every Home page 1 ranks that reader's snapshot)
   and the HTML ``/discover`` page. Prints p50/p99/max per kind, how many Discover snapshots were
   rebuilt during the run (one per 60 s is in the figures) and what one snapshot build costs.
3. gunicorn with the repository's gunicorn.conf.py (gthread, ``--workers`` x ``--threads``,
   access log on; ``--max-requests 0`` by default: a 10 s run would otherwise measure worker
   recycling, hello-world's far more than ours), serving first a minimal Flask hello-world and then
   the app (same config as 2) on the bench database; each loaded for ``--seconds`` after a 3 s
   warm-up by ``--client-procs`` processes x ``--client-threads`` threads of http.client on
   keep-alive connections, on the same machine. Prints req/s, client-side p50/p99, gunicorn's CPU
   time per request (master and workers, from /proc), the share of the machine's CPU that was
   busy split into gunicorn / load generator / other processes, and each feed's req/s as a share
   of hello-world's (and the same ratio from server CPU per request, which other processes on the
   machine do not move).
4. Trust: a second fresh database with ``--trust-users`` users and ``--trust-edges`` edges (45%
   follows, 42% likes, 7% collects, 4% comments, 2% purchases) over ``--trust-notes`` notes;
   ``recompute`` runs ``--trust-runs`` times, each in a subprocess that does nothing else, and
   prints per run the wall time split into counting evidence / loading it into numpy /
   ``scoring.compute`` / ``scoring.note_signals`` / writing (delete, insert, commit), and the
   peak RSS of that subprocess (VmHWM from /proc/self/status: the whole process, interpreter and
   imports included; ru_maxrss would carry over the parent's peak; its RSS just before the
   recompute is printed too). Medians over the runs.

``--profile`` adds a cProfile of 50 requests of one kind, or of one recompute (in the subprocess).
``--reuse`` keeps existing bench databases instead of regenerating them (for repeated runs).
A full run takes about 4 minutes on 2 CPUs; for a smoke test:
``--users 500 --notes 5000 --likes 20000 --requests 20 --seconds 2 --trust-users 2000 --trust-edges 40000
--trust-notes 5000 --trust-runs 1``. Destroys the databases it is pointed at (SQLite only).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

import app.models  # noqa: E402,F401  (every table on the metadata)
from app import create_app  # noqa: E402
from app.accounts import service as accounts  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.catalog.models import Product, Shop  # noqa: E402
from app.db import Base, db  # noqa: E402
from app.feed import service as feed  # noqa: E402
from app.feed.models import FeedSnapshot  # noqa: E402
from app.orders.models import Order  # noqa: E402
from app.social.models import Follow  # noqa: E402
from app.trust import scoring  # noqa: E402
from app.trust import service as trust  # noqa: E402
from bench.common import profile  # noqa: E402
from config import ProductionConfig  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DAY = 86_400.0
CHUNK = 100_000
TITLES = ["開箱", "使用心得", "真心推薦", "踩雷紀錄", "平價好物", "一週穿搭", "露營清單", "咖啡日記", "旅行攻略", "新手入門"]
BODY = ("入手快一個月，說說真實感受。質地很好不會拔乾，全部自然光拍攝沒修圖，價格不便宜但一直回購。"
        "新手也很好上手，包裝很有質感，顏色不太挑膚色。有問題可以留言問我～")
REMARKS = ["謝謝分享", "請問在哪買的？", "收藏了", "好看", "學到了", "同款！", "求連結", "寫得好詳細"]
HELLO_APP = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''


# ---- corpus ----

def sqlite_times(seconds: np.ndarray) -> list[str]:
    """Epoch seconds as the strings SQLAlchemy's DateTime stores on SQLite (naive UTC)."""
    micros = np.round(np.asarray(seconds, dtype=np.float64) * 1e6).astype(np.int64).astype("datetime64[us]")
    return [s.replace("T", " ") for s in np.datetime_as_string(micros, unit="us").tolist()]


def bulk(conn, table: str, columns: dict) -> int:
    """executemany of plain values (numpy arrays, lists), CHUNK rows at a time."""
    compiled = Base.metadata.tables[table].insert().compile(dialect=conn.dialect, column_keys=list(columns))
    sql = str(compiled)  # INSERT INTO table (...) VALUES (?, ...), in compiled.positiontup order
    total = len(next(iter(columns.values()))) if columns else 0
    # Columns not given but with a scalar default (added to the model later) take that default.
    defaults = {c.key: [c.default.arg] * total for c in Base.metadata.tables[table].columns
                if c.key not in columns and c.default is not None and c.default.is_scalar}
    values = [columns[name] if name in columns else defaults[name] for name in compiled.positiontup]
    values = [c.tolist() if isinstance(c, np.ndarray) else list(c) for c in values]
    for start in range(0, total, CHUNK):
        conn.exec_driver_sql(sql, list(zip(*(v[start:start + CHUNK] for v in values), strict=True)))
    return total


def unique_pairs(a: np.ndarray, b: np.ndarray, width: int, limit: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b) pairs with a != b, at most ``limit`` of them (a random subset), sorted."""
    keep = a != b
    keys = np.unique(a[keep].astype(np.int64) * width + b[keep])
    if len(keys) > limit:
        keys = np.sort(rng.choice(keys, limit, replace=False))
    return keys // width, keys % width


def weighted(rng, weights: np.ndarray, size: int) -> np.ndarray:
    cumulative = np.cumsum(weights)
    return np.minimum(np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right"),
                      len(weights) - 1)


def between(rng, low: np.ndarray, high: float, skew: float = 1.0) -> np.ndarray:
    """A moment in [low, high]; skew < 1 leans early (likes come soon after a note is posted)."""
    return low + (high - low) * rng.random(len(low)) ** (1 / skew)


def generate(conn, *, users: int, notes: int, follows: int, likes: int, collects: int, comments: int,
             orders: int, now: float, days: int = 30, seed: int = 1) -> dict:
    """A community in bulk; returns row counts. Users, notes and products are numbered from 1."""
    rng = np.random.default_rng(seed)
    conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB: random index inserts stay in memory
    rank = rng.permutation(users)  # popularity rank per user, 0 the most popular
    popularity = 1.0 / (rank + 1.0) ** 0.9  # who gets followed
    authorship = 1.0 / (rank + 1.0) ** 0.6  # who writes (popular users write more)
    activity = rng.pareto(1.5, users) + 0.2  # who likes, collects, comments and buys
    created = now - rng.uniform(1, 400, users) * DAY
    admins = set(np.argsort(rank)[:2].tolist()) if users > 100 else set()

    conn.execute(User.__table__.insert(), [
        {"id": i + 1, "username": f"u{i + 1}", "display_name": f"用戶{i + 1}", "bio": "", "locale": "zh_Hant",
         "password_hash": "!bench", "session_token": secrets.token_hex(16), "is_admin": i in admins,
         "created_at": datetime.fromtimestamp(t, UTC)} for i, t in enumerate(created.tolist())])

    # follows: log-normal out-degree, power-law in-degree
    sigma = 1.0
    out = np.clip(rng.lognormal(np.log(max(follows, 1) / users) - sigma ** 2 / 2, sigma, users), 1, users // 2)
    out = np.round(out * follows * 1.25 / out.sum()).astype(np.int64)  # duplicates are dropped
    follower = np.repeat(np.arange(users), out)
    follower, followee = unique_pairs(follower, weighted(rng, popularity, len(follower)), users, follows, rng)
    since = np.maximum(created[follower], created[followee])
    bulk(conn, "follows", {"follower_id": follower + 1, "followee_id": followee + 1,
                           "created_at": sqlite_times(between(rng, since, now))})

    # shops and products
    n_shops = max(1, users // 50)
    owners = rng.choice(users, n_shops, replace=False)
    conn.execute(Shop.__table__.insert(), [
        {"id": s + 1, "owner_id": int(o) + 1, "name": f"小店{s + 1}", "description": "",
         "created_at": datetime.fromtimestamp(created[o], UTC)} for s, o in enumerate(owners)])
    n_products = n_shops * 5
    product_shop = np.repeat(np.arange(n_shops), 5)
    price = rng.integers(10, 2000, n_products) * 100
    stamp = datetime.fromtimestamp(now - 60 * DAY, UTC)
    conn.execute(Product.__table__.insert(), [
        {"id": p + 1, "shop_id": int(product_shop[p]) + 1, "name": f"商品{p + 1}", "description": "",
         "price_cents": int(price[p]), "currency": "CNY", "stock": 100, "commission_bps": [0, 0, 500, 1000][p % 4],
         "sold_count": 0, "is_listed": True, "created_at": stamp, "updated_at": stamp} for p in range(n_products)])

    # notes, numbered in publishing order
    author = weighted(rng, authorship, notes)
    low = np.maximum(now - days * DAY, created[author])
    published = between(rng, low, now)
    order = np.argsort(published, kind="stable")
    author, published = author[order], published[order]
    product = np.where(rng.random(notes) < 0.2, rng.integers(0, n_products, notes), -1)

    # likes: heavy-tailed per note (and more for popular authors), per reader by activity
    appeal = (rng.pareto(1.2, notes) + 0.05) * np.sqrt(popularity[author] * users)
    liker = weighted(rng, activity, int(likes * 1.3))  # duplicates and own notes are dropped
    liked = weighted(rng, appeal, len(liker))
    own = liker == author[liked]
    liker, liked = unique_pairs(liker[~own], liked[~own], notes, likes, rng)
    like_time = between(rng, np.maximum(published[liked], created[liker]), now, skew=0.3)
    pick = np.sort(rng.choice(len(liker), min(collects, len(liker)), replace=False))
    collector, collected = liker[pick], liked[pick]
    collect_time = np.minimum(like_time[pick] + rng.uniform(0, 600, len(pick)), now)
    commenter = weighted(rng, activity, comments)
    commented = weighted(rng, appeal, comments)
    comment_time = between(rng, np.maximum(published[commented], created[commenter]), now, skew=0.3)

    bulk(conn, "notes", {
        "id": np.arange(1, notes + 1), "author_id": author + 1,
        "title": [f"{TITLES[i % len(TITLES)]} #{i + 1}" for i in range(notes)],
        "body": [BODY] * notes, "is_draft": [0] * notes,
        "product_id": [None if p < 0 else p + 1 for p in product.tolist()],
        "rating": [None if p < 0 else 4 for p in product.tolist()],
        "like_count": np.bincount(liked, minlength=notes), "collect_count": np.bincount(collected, minlength=notes),
        "comment_count": np.bincount(commented, minlength=notes),
        "created_at": sqlite_times(published - 600), "updated_at": sqlite_times(published),
        "published_at": sqlite_times(published)})
    bulk(conn, "note_images", {
        "id": np.arange(1, notes + 1), "note_id": np.arange(1, notes + 1), "position": [0] * notes,
        "key": [f"bench{i:016d}" for i in range(1, notes + 1)], "width": [1080] * notes,
        "height": rng.choice([1080, 1350, 1440], notes)})
    bulk(conn, "likes", {"user_id": liker + 1, "note_id": liked + 1, "created_at": sqlite_times(like_time)})
    bulk(conn, "collects", {"user_id": collector + 1, "note_id": collected + 1, "board_id": [None] * len(pick),
                            "created_at": sqlite_times(collect_time)})
    bulk(conn, "comments", {"note_id": commented + 1, "author_id": commenter + 1,
                            "body": [REMARKS[i % len(REMARKS)] for i in range(comments)],
                            "created_at": sqlite_times(comment_time)})

    # orders: 30% through a note that links the product, the rest straight from the shop
    buyer = weighted(rng, activity, orders)
    linked = np.flatnonzero(product >= 0)
    through = (rng.random(orders) < 0.3) & (len(linked) > 0)
    via = np.where(through, linked[rng.integers(0, max(len(linked), 1), orders)] if len(linked) else -1, -1)
    bought = np.where(through, product[np.maximum(via, 0)], rng.integers(0, n_products, orders))
    seller = owners[product_shop[bought]]
    keep = buyer != seller
    buyer, via, bought = buyer[keep], via[keep], bought[keep]
    placed = between(rng, np.maximum(now - 60 * DAY, created[buyer]), now - 3600)
    status = rng.choice(["completed", "paid", "shipped", "refunded", "cancelled"], len(buyer),
                        p=[0.8, 0.05, 0.05, 0.05, 0.05])
    rows = []
    for b, n, p, t, s in zip(buyer.tolist(), via.tolist(), bought.tolist(), placed.tolist(), status.tolist(),
                             strict=True):
        moment = datetime.fromtimestamp(t, UTC)
        rows.append({"buyer_id": b + 1, "product_id": p + 1, "shop_id": int(product_shop[p]) + 1,
                     "note_id": n + 1 if n >= 0 else None, "quantity": 1, "unit_price_cents": int(price[p]),
                     "total_cents": int(price[p]), "currency": "CNY", "status": s, "created_at": moment,
                     "updated_at": moment, "paid_at": None if s == "cancelled" else moment,
                     "completed_at": moment if s == "completed" else None})
    for start in range(0, len(rows), CHUNK):
        conn.execute(Order.__table__.insert(), rows[start:start + CHUNK])
    return {"users": users, "follows": len(follower), "notes": notes, "likes": len(liker), "collects": len(pick),
            "comments": comments, "shops": n_shops, "products": n_products, "orders": len(rows)}


def fresh_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def bench_config(db_path: Path, work: Path) -> ProductionConfig:
    """Production settings (FEED_SNAPSHOT_SECONDS=60 and the rest), on the bench database."""
    config = ProductionConfig()
    config.DATABASE_URL = f"sqlite:///{db_path}"
    config.MEDIA_DIR = str(work / "media")
    config.SEARCH_INDEX_DIR = str(work / "search_index")
    return config


def build(db_path: Path, work: Path, sizes: dict, label: str) -> None:
    fresh_database(db_path)
    app = create_app(bench_config(db_path, work))
    with app.app_context():
        engine = db.engine_for_app
        with engine.begin() as conn:
            Base.metadata.create_all(conn)
        started = time.perf_counter()
        with engine.begin() as conn:
            counts = generate(conn, now=time.time(), **sizes)
        generated = time.perf_counter() - started
        print(f"{label}: {', '.join(f'{v:,} {k}' for k, v in counts.items())}\n"
              f"  generated and inserted in {generated:.1f} s, {db_path.stat().st_size / 1e6:,.0f} MB", flush=True)
        engine.dispose()


def edge_count(session) -> int:
    return trust.evidence_rows(session)


# ---- figures ----

def pct(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [float(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


# ---- in-process ----

def in_process(app, readers: list[tuple[int, str]], requests: int, profile_kind: str | None) -> None:
    client = app.test_client()
    rng = random.Random(7)
    cursor = {"value": None}

    def discover():
        response = client.get("/api/v1/feed?kind=discover&limit=20")
        cursor["value"] = response.get_json()["next_cursor"]
        return response

    def page2():
        return client.get(f"/api/v1/feed?kind=discover&limit=20&cursor={cursor['value']}")

    def home():
        _uid, token = rng.choice(readers)
        return client.get("/api/v1/feed?kind=following&limit=20", headers={"Authorization": f"Bearer {token}"})

    def html():
        return client.get("/discover")

    kinds = {"Discover API, page 1": discover, "Discover API, page 2 (cursor)": page2,
             "Home API, page 1 (random reader)": home, "HTML /discover": html}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    errors: list[str] = []

    def one(name, call, record):
        started = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            errors.append(f"{name}: {response.status_code} {response.get_data(as_text=True)[:200]}")
        elif record:
            times[name].append(elapsed)

    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(FeedSnapshot).where(FeedSnapshot.kind == "discover"))
        db.session.close()
    for _ in range(10):
        for name, call in kinds.items():
            one(name, call, False)
    started = time.perf_counter()
    for _ in range(requests):  # interleaved, so machine noise hits every kind alike
        for name, call in kinds.items():
            one(name, call, True)
    elapsed = time.perf_counter() - started
    with app.app_context():
        rebuilt = db.session.scalar(select(func.count()).select_from(FeedSnapshot)
                                    .where(FeedSnapshot.kind == "discover")) - before
        db.session.close()
    print(f"\nin-process latency (Flask test client, ProductionConfig: FEED_SNAPSHOT_SECONDS="
          f"{app.config['FEED_SNAPSHOT_SECONDS']}), 10 warm-up rounds + {requests} timed, interleaved", flush=True)
    for text in errors[:5]:
        print(f"  ERROR {text}")
    print(f"  {'request':<36}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    for name, values in times.items():
        print(f"  {name:<36}{pct(values, 50):>8.1f}{pct(values, 99):>8.1f}{max(values, default=float('nan')):>8.1f}")
    print(f"  ({elapsed:.0f} s; {rebuilt} Discover snapshot(s) built during warm-up and run, the rest served "
          f"from the shared snapshot; target p50 <= 10 ms)")

    # what one snapshot costs: Discover's once a minute, Home's on every Home page 1
    builds: dict[str, list[float]] = {"discover": [], "following": []}
    with app.app_context():
        session = db.session
        viewers = [session.get(User, uid) for uid, _token in readers[:10]]
        for viewer in viewers:
            for kind in builds:
                started = time.perf_counter()
                feed.build_snapshot(session, kind, viewer if kind == "following" else None)
                builds[kind].append((time.perf_counter() - started) * 1000)
        followees = [session.scalar(select(func.count()).select_from(Follow).where(Follow.follower_id == v.id))
                     for v in viewers]
        session.close()
    print(f"  snapshot build (feed.build_snapshot, median of {len(viewers)}; Home's authors' lists cached by the "
          f"run above): Discover {statistics.median(builds['discover']):.0f} ms, Home "
          f"{statistics.median(builds['following']):.0f} ms "
          f"(readers following {min(followees)}-{max(followees)}, median {statistics.median(followees):.0f})")

    if profile_kind:
        call = {"discover": discover, "page2": page2, "home": home, "html": html}[profile_kind]
        profile(lambda: [call() for _ in range(50)], f"50 requests: {profile_kind}")


def issue_tokens(app, count: int, seed: int = 3) -> list[tuple[int, str]]:
    """Bearer tokens for ``count`` random users who follow someone."""
    with app.app_context():
        session = db.session
        candidates = session.scalars(select(Follow.follower_id).distinct()).all()
        chosen = random.Random(seed).sample(sorted(candidates), min(count, len(candidates)))
        tokens = [(uid, accounts.issue_token(session, session.get(User, uid), "bench")) for uid in chosen]
        session.close()
    return tokens


# ---- under gunicorn ----

def load(port: int, requests: list[tuple[str, dict]], threads: int, start_at: float, seconds: float,
         seed: int) -> dict:
    """One client process: ``threads`` keep-alive connections, each sending random picks of
    ``requests`` (path, headers) back to back from ``start_at`` for ``seconds``."""
    import http.client
    import threading

    results = {"count": 0, "done": 0, "errors": {}, "latencies": []}
    lock = threading.Lock()

    def run(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        latencies, count, done, errors = [], 0, 0, {}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + seconds
        while time.time() < end:
            path, headers = requests[rng.randrange(len(requests))]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            done += status == 200  # every answer the server computed, for its CPU per request
            if time.time() > end:
                break
            if status == 200:
                count += 1
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
        connection.close()
        with lock:
            results["count"] += count
            results["done"] += done
            results["latencies"] += latencies
            for key, value in errors.items():
                results["errors"][key] = results["errors"].get(key, 0) + value

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    results["cpu"] = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    return results


class Gunicorn:
    def __init__(self, target: str, env: dict, args, log_path: Path, extra: list[str] = ()):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{self.port}", "--workers", str(args.workers), "--threads", str(args.threads),
             "--max-requests", str(args.max_requests), *extra, target],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, path: str, headers: dict | None = None) -> None:
        import http.client

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; see its log")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", path, headers=headers or {})
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in 60 s")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers, from /proc."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat.parent.name == str(self.process.pid) or fields[1] == str(self.process.pid):
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def last_traceback(self) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace")
        start = text.rfind("Traceback (most recent call last)")
        return "" if start < 0 else "\n".join(text[start:].splitlines()[-12:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drive(pool, args, server: Gunicorn, requests: list[tuple[str, dict]], seconds: float) -> dict:
    start_at = time.time() + 0.5
    busy0, total0 = cpu_times()
    began = time.perf_counter()
    server0 = server.cpu_seconds()
    futures = [pool.submit(load, server.port, requests, args.client_threads, start_at, seconds, i)
               for i in range(args.client_procs)]
    parts = [f.result() for f in futures]
    busy1, total1 = cpu_times()
    served = server.cpu_seconds() - server0
    window = time.perf_counter() - began  # the 0.5 s lead and the last answers included, as in busy
    latencies = [v for p in parts for v in p["latencies"]]
    errors: dict[str, int] = {}
    for part in parts:
        for key, value in part["errors"].items():
            errors[key] = errors.get(key, 0) + value
    cores = os.cpu_count() or 1
    count = sum(p["count"] for p in parts)
    return {"rps": count / seconds, "p50": pct(latencies, 50), "p99": pct(latencies, 99),
            "errors": errors, "busy": (busy1 - busy0) / max(total1 - total0, 1),
            "client": sum(p["cpu"] for p in parts) / (window * cores), "server": served / (window * cores),
            "cpu_ms": served * 1000 / max(sum(p["done"] for p in parts), 1)}


def under_gunicorn(args, db_path: Path, work: Path, readers: list[tuple[int, str]]) -> None:
    print(f"\nunder gunicorn (gunicorn.conf.py, gthread, {args.workers} workers x {args.threads} threads, "
          f"max_requests={args.max_requests}, access log on); load: {args.client_procs} processes x "
          f"{args.client_threads} threads of http.client, keep-alive, {args.seconds:g} s each after a 3 s warm-up; "
          f"{os.cpu_count()} CPUs shared by server and load", flush=True)
    hello_dir = work / "hello"
    hello_dir.mkdir(exist_ok=True)
    (hello_dir / "bench_hello.py").write_text(HELLO_APP)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    app_env = {**env, "ZHONGCAO_ENV": "production", "DATABASE_URL": f"sqlite:///{db_path}",
               "MEDIA_DIR": str(work / "media"), "SEARCH_INDEX_DIR": str(work / "search_index")}
    home = [("/api/v1/feed?kind=following&limit=20", {"Authorization": f"Bearer {token}"}) for _uid, token in readers]
    phases = [
        ("Flask hello-world  GET /", "hello", [("/", {})]),
        ("Discover API  GET /api/v1/feed?kind=discover", "app", [("/api/v1/feed?kind=discover&limit=20", {})]),
        ("Home API  GET /api/v1/feed?kind=following", "app", home),
        ("HTML  GET /discover", "app", [("/discover", {})]),
    ]
    rows = []
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(args.client_procs, mp_context=context) as pool:
        list(pool.map(time.sleep, [0.01] * args.client_procs))  # start the client processes now
        server = None
        try:
            for label, which, requests in phases:
                if server is None or server.which != which:
                    if server is not None:
                        server.stop()
                    if which == "hello":
                        server = Gunicorn("bench_hello:app", env, args, work / "gunicorn-hello.log",
                                          ["--pythonpath", str(hello_dir)])
                    else:
                        server = Gunicorn("app:create_app()", app_env, args, work / "gunicorn-app.log")
                    server.which = which
                    server.wait(*requests[0])
                drive(pool, args, server, requests, 3.0)  # warm every worker (and the snapshot)
                result = drive(pool, args, server, requests, args.seconds)
                rows.append((label, result))
                print(f"  {label:<46}{result['rps']:>7,.0f} req/s  p50 {result['p50']:6.1f} ms  p99 "
                      f"{result['p99']:7.1f} ms  server CPU {result['cpu_ms']:5.2f} ms/req  CPU busy "
                      f"{result['busy']:.0%} = gunicorn {result['server']:.0%} + load {result['client']:.0%} + "
                      f"other {max(result['busy'] - result['server'] - result['client'], 0):.0%}"
                      + (f"  errors {result['errors']}" if result["errors"] else ""), flush=True)
                if result["errors"] and server.last_traceback():
                    print("    last traceback in the gunicorn log:\n      "
                          + server.last_traceback().replace("\n", "\n      "), flush=True)
        finally:
            if server is not None:
                server.stop()
    hello = rows[0][1]
    for label, result in rows[1:]:
        print(f"  {label.split('  ')[0]:<12} {result['rps'] / hello['rps']:6.1%} of hello-world req/s (target >= 10%); "
              f"by server CPU per request {hello['cpu_ms'] / result['cpu_ms']:6.1%}")
    print("  (req/s moves with whatever else runs on the machine, the 'other' share; CPU per request does not)")


# ---- trust ----

def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc/self/status. Not ru_maxrss: Linux
    carries the parent's peak into a child across fork and exec, so it would report the bench's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def trust_child(db_path: Path, work: Path, do_profile: bool) -> None:
    """One recompute in this process; prints one JSON line of timings and memory."""
    app = create_app(bench_config(db_path, work))
    timings = {"count": 0.0, "load": 0.0, "compute": 0.0, "signals": 0.0}

    def timed(name, fn):
        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                timings[name] += time.perf_counter() - started
        return wrapper

    trust.evidence_rows = timed("count", trust.evidence_rows)
    trust.load_evidence = timed("load", trust.load_evidence)
    scoring.compute = timed("compute", scoring.compute)
    scoring.note_signals = timed("signals", scoring.note_signals)
    with app.app_context():
        session = db.session
        session.execute(select(func.count()).select_from(User)).scalar()
        session.rollback()
        before = memory_mb("VmRSS")
        started = time.perf_counter()
        if do_profile:
            holder = {}
            profile(lambda: holder.setdefault("stats", trust.recompute(session)), "one trust.recompute")
            stats = holder["stats"]
        else:
            stats = trust.recompute(session)
        total = time.perf_counter() - started
        peak = memory_mb("VmHWM")
        timings["write"] = total - sum(timings.values())
        edges = edge_count(session)
        session.close()
    print(json.dumps({"total": total, **timings, "rss_before_mb": before, "peak_rss_mb": peak,
                      "users": stats.users, "notes": stats.notes, "matrix_edges": stats.edges,
                      "evidence_rows": edges, "lockstep": stats.lockstep}))


def trust_bench(args, work: Path) -> None:
    db_path = Path(args.trust_db)
    e = args.trust_edges
    sizes = {"users": args.trust_users, "notes": args.trust_notes, "follows": int(e * 0.45), "likes": int(e * 0.42),
             "collects": int(e * 0.07), "comments": int(e * 0.04), "orders": int(e * 0.02), "seed": 2}
    if not (args.reuse and db_path.exists()):
        print(flush=True)
        build(db_path, work, sizes, "trust corpus")
    print(f"\ntrust recompute, {args.trust_runs} run(s), each in a fresh subprocess", flush=True)
    runs = []
    for run in range(args.trust_runs):
        command = [sys.executable, __file__, "--trust-child", str(db_path), "--work", str(work)]
        if "trust" in args.profile and run == 0:
            command.append("--profile-child")
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:])
            raise SystemExit("trust child failed")
        lines = done.stdout.strip().splitlines()
        if len(lines) > 1:
            print("\n".join(lines[:-1]))
        runs.append(json.loads(lines[-1]))
        r = runs[-1]
        print(f"  run {run + 1}: {r['total']:.1f} s = count {r['count']:.1f} + load {r['load']:.1f} + compute "
              f"{r['compute']:.1f} + note signals {r['signals']:.1f} + write {r['write']:.1f}; peak RSS "
              f"{r['peak_rss_mb']:,.0f} MB (before recompute {r['rss_before_mb']:,.0f} MB)", flush=True)
    r = runs[0]

    def med(key):
        return statistics.median(x[key] for x in runs)

    print(f"  {r['users']:,} users, {r['notes']:,} notes, {r['evidence_rows']:,} evidence rows (edges), "
          f"{r['matrix_edges']:,} distinct endorsement pairs, {r['lockstep']:,} lockstep")
    print(f"  median: {med('total'):.1f} s (count {med('count'):.1f}, load {med('load'):.1f}, compute "
          f"{med('compute'):.1f}, note signals {med('signals'):.1f}, write {med('write'):.1f}); peak RSS "
          f"{med('peak_rss_mb'):,.0f} MB (VmHWM of the subprocess); target <= 10 s, <= 1 GB")


# ---- main ----

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=200_000)
    parser.add_argument("--follows", type=int, default=50, help="per user, on average")
    parser.add_argument("--likes", type=int, default=1_500_000)
    parser.add_argument("--requests", type=int, default=300, help="timed in-process requests of each kind")
    parser.add_argument("--readers", type=int, default=200, help="Home readers with a bearer token")
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per gunicorn measurement")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=0)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--client-threads", type=int, default=8)
    parser.add_argument("--trust-users", type=int, default=100_000)
    parser.add_argument("--trust-edges", type=int, default=2_000_000)
    parser.add_argument("--trust-notes", type=int, default=500_000)
    parser.add_argument("--trust-runs", type=int, default=3)
    parser.add_argument("--parts", default="inprocess,gunicorn,trust")
    parser.add_argument("--db", default="/tmp/bench_feed.sqlite3")
    parser.add_argument("--trust-db", default="/tmp/bench_feed_trust.sqlite3")
    parser.add_argument("--reuse", action="store_true", help="keep existing bench databases")
    parser.add_argument("--profile", choices=["discover", "page2", "home", "html", "trust"], action="append",
                        default=[])
    parser.add_argument("--trust-child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))  # ProductionConfig wants one

    if args.trust_child:
        trust_child(Path(args.trust_child), Path(args.work), args.profile_child)
        return

    parts = set(args.parts.split(","))
    work = Path(tempfile.mkdtemp(prefix="bench_feed_", dir="/tmp"))
    db_path = Path(args.db)
    try:
        if parts & {"inprocess", "gunicorn"}:
            sizes = {"users": args.users, "notes": args.notes, "follows": args.users * args.follows,
                     "likes": args.likes, "collects": args.likes // 10, "comments": args.likes // 30,
                     "orders": args.users * 2}
            fresh = not (args.reuse and db_path.exists())
            if fresh:
                build(db_path, work, sizes, "feed corpus")
            app = create_app(bench_config(db_path, work))
            with app.app_context():
                if fresh:
                    stats = trust.recompute(db.session)
                    print(f"  trust.recompute: {stats.seconds:.1f} s ({stats.users:,} users, {stats.notes:,} notes, "
                          f"{stats.edges:,} endorsement pairs)", flush=True)
                db.session.close()
            readers = issue_tokens(app, args.readers)
            if "inprocess" in parts:
                in_process(app, readers, args.requests, next((p for p in args.profile if p != "trust"), None))
            with app.app_context():
                db.engine_for_app.dispose()
            if "gunicorn" in parts:
                under_gunicorn(args, db_path, work, readers)
        if "trust" in parts:
            trust_bench(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
