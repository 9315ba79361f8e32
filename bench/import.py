"""Import speed of the portable format (DATA-FORMAT.md targets 20,000 records/s on SQLite).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/import.py [--orders N] [--runs 3]

Generates users, follows, products, notes (drafts: no photos), likes and orders, then times
``import_file`` into an emptied database, several runs, and prints the median. Passwords are
left out (hashing is the one deliberately slow field). Destroys the database it is pointed at.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.data import service  # noqa: E402
from app.db import Base, db  # noqa: E402


def generate(path, users=2000, products=1000, notes=20000, likes=40000, orders=40000, commerce=True):
    rng = random.Random(1)
    names = [f"user{i}" for i in range(users)]
    with open(path, "w") as out:
        def w(record: dict) -> None:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

        for n in names:
            w({"type": "user", "username": n, "display_name": n, "created_at": "2026-09-01T00:00:00Z"})
        seen = set()
        for _ in range(users * 5):
            a, b = rng.sample(names, 2)
            if (a, b) not in seen:
                seen.add((a, b))
                w({"type": "follow", "follower": a, "followee": b})
        sellers = {}
        if commerce:
            for i in range(products):
                s = sellers[f"p{i}"] = rng.choice(names[:200])
                w({"type": "product", "ref": f"p{i}", "seller": s, "name": f"商品{i}", "description": "好用",
                   "price_cents": rng.randint(100, 100000), "stock": rng.randint(0, 500),
                   "commission_bps": rng.choice([0, 500, 1000]), "created_at": "2026-09-02T00:00:00Z"})
        note_product = {}
        for i in range(notes):
            p = f"p{rng.randrange(products)}" if commerce and rng.random() < 0.3 else None
            author = rng.choice(names)
            if p and author == sellers[p]:
                p = None
            note_product[f"n{i}"] = p
            w({"type": "note", "ref": f"n{i}", "author": author, "title": f"筆記{i}", "body": "內容 #標籤",
               "tags": ["標籤"], "draft": True, "product": p, "rating": rng.randint(1, 5) if p else None})
        seen = set()
        for _ in range(likes):
            u, n = rng.choice(names), f"n{rng.randrange(notes)}"
            if (u, n) not in seen:
                seen.add((u, n))
                w({"type": "like", "user": u, "note": n})
        if commerce:
            linked = [n for n, p in note_product.items() if p]
            for i in range(orders):
                if rng.random() < 0.5:
                    note = rng.choice(linked)
                    p = note_product[note]
                else:
                    note, p = None, f"p{rng.randrange(products)}"
                buyer = rng.choice(names)
                while buyer == sellers[p]:
                    buyer = rng.choice(names)
                w({"type": "order", "ref": f"o{i}", "buyer": buyer, "product": p, "quantity": rng.randint(1, 3),
                   "note": note, "status": rng.choice(["completed"] * 8 + ["paid", "refunded"]),
                   "created_at": "2026-10-01T00:00:00Z"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=8000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.jsonl"
        generate(path, commerce=args.orders > 0, orders=args.orders)
        lines = sum(1 for _ in path.open())
        app = create_app()
        rates = []
        with app.app_context():
            print(f"{db.engine_for_app.dialect.name}: {lines:,} records ({args.orders:,} orders)")
            for run in range(args.runs):
                with db.engine_for_app.begin() as conn:
                    Base.metadata.drop_all(conn)
                    Base.metadata.create_all(conn)
                started = time.perf_counter()
                service.import_file(db.session, path)
                elapsed = time.perf_counter() - started
                db.session.close()
                rates.append(lines / elapsed)
                print(f"  run {run + 1}: {elapsed:.2f} s, {rates[-1]:,.0f} records/s")
            db.engine_for_app.dispose()
    print(f"median {statistics.median(rates):,.0f} records/s (target 20,000 on SQLite)")


if __name__ == "__main__":
    main()
