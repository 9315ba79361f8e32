"""A synthetic world with a sybil ring, written in the portable format (DATA-FORMAT.md).

    from bench.sybil_world import generate
    meta = generate(Path("/tmp/world/data.jsonl"), honest=3000, attack="targeted", seed=1)

Honest users live in topic communities and follow each other with a power-law in-degree
(a popularity weight per user, mostly within their community); ~3% of them run shops. They post
notes of a latent quality (what the feed ought to surface), and like, collect, comment and buy
with probabilities rising with that quality and with the author's audience.

The ring (``ring_share`` of all users, young accounts) follows itself completely, likes and
collects its own shill notes in lockstep bursts, links them to its own cheap product and, with
``brushing``, buys that product through the shill notes so they count as verified purchases. With
``camouflage`` every ring account also follows and likes popular honest accounts and notes.
``attack`` adds honest -> ring follow edges: ``random`` from randomly chosen honest users,
``targeted`` from the most-followed honest users (the follow-back accounts).

Names carry no hint of who is in the ring (one shuffled ``uNNNNN`` namespace). Every note shows
the same small generated picture (``media/cover.jpg``). Returns the metadata and writes it as
``world.json`` next to the JSONL: ring and honest usernames, note ref -> author, latent quality
and whether it is a shill note, ``now`` and the counts.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

TOPICS = ["美妝", "護膚", "穿搭", "美食", "旅行", "健身", "家居", "數碼", "母嬰", "寵物", "讀書", "攝影", "手作", "咖啡", "露營"]
WORDS = ["真心推薦", "踩雷紀錄", "開箱", "平價好物", "一週心得", "新手入門", "回購清單", "避坑指南", "實測", "私藏"]
PRAISE = ["太好用了！", "已下單", "回購第三次", "閉眼入", "姐妹們衝", "真的絕了", "好物推薦"]
REMARKS = ["謝謝分享", "請問在哪買的？", "收藏了", "好看", "學到了", "同款！", "求連結", "寫得好詳細"]
IMAGE = "media/cover.jpg"
HOUR, DAY = 3600, 86400


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


class Sampler:
    """Weighted sampling with replacement over a fixed population (cumulative weights)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def write_image(folder: Path) -> None:
    from PIL import Image, ImageDraw

    path = folder / IMAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (64, 64), (236, 72, 94))
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, 52, 52), fill=(255, 236, 210))
    draw.rectangle((26, 4, 38, 60), fill=(64, 160, 120))
    image.save(path, "JPEG", quality=85)


def generate(path, *, honest: int = 3000, ring_share: float = 0.09, attack: str = "none",
             attack_share: float = 0.05, brushing: bool = True, camouflage: bool = True, seed: int = 1,
             now: datetime | None = None) -> dict:
    if attack not in ("none", "random", "targeted"):
        raise ValueError(f"attack must be none, random or targeted, not {attack!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_image(path.parent)
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    world = _World(rng, now, honest, round(ring_share * honest / (1 - ring_share)))
    world.honest_users()
    world.ring_users()
    world.honest_follows()
    world.honest_shops()
    world.honest_notes()
    world.ring_world(brushing, camouflage)
    attack_edges = world.attack(attack, attack_share)
    world.honest_engagement()
    world.honest_orders()
    counts = world.write(path)
    names = world.names
    meta = {
        "now": iso(now), "seed": seed,
        "params": {"honest": honest, "ring_share": ring_share, "attack": attack, "attack_share": attack_share,
                   "brushing": brushing, "camouflage": camouflage},
        "honest": [names[u] for u in range(honest)],
        "ring": [names[u] for u in world.ring],
        "ring_seller": names[world.ring_seller],
        "attack_edges": attack_edges,
        "counts": counts,
        "notes": {ref: {"author": names[n["author"]], "quality": round(n["quality"], 4), "shill": n["shill"]}
                  for ref, n in world.notes.items()},
    }
    (path.parent / "world.json").write_text(json.dumps(meta, ensure_ascii=False))
    return meta


class _World:
    def __init__(self, rng: random.Random, now: datetime, honest: int, ring_size: int):
        self.rng, self.now, self.honest, self.ring_size = rng, now, honest, ring_size
        total = honest + ring_size
        numbers = rng.sample(range(10000, 10000 + total * 3), total)
        self.names = [f"u{n}" for n in numbers]
        self.ring = list(range(honest, total))
        self.created: list[datetime] = []
        self.community: list[int] = []
        self.weight: list[float] = []
        self.follows: dict[tuple[int, int], datetime] = {}
        self.followers: dict[int, list[int]] = defaultdict(list)  # honest followers only
        self.products: dict[str, dict] = {}
        self.notes: dict[str, dict] = {}
        self.likes: dict[tuple[int, str], datetime] = {}
        self.collects: dict[tuple[int, str], datetime] = {}
        self.comments: list[dict] = []
        self.orders: list[dict] = []

    # ---- helpers ----

    def between(self, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
        span = max(0.0, (end - start).total_seconds())
        return start + timedelta(seconds=int(span * self.rng.random() ** skew))

    def after(self, start: datetime, mean_seconds: float) -> datetime | None:
        """A moment an exponential delay after ``start``, or None when it would be in the future."""
        moment = start + timedelta(seconds=int(self.rng.expovariate(1 / mean_seconds)) + 60)
        return moment if moment < self.now else None

    def follow(self, a: int, b: int, when: datetime) -> bool:
        if a == b or (a, b) in self.follows:
            return False
        self.follows[(a, b)] = min(when, self.now - timedelta(seconds=30))
        if a < self.honest:
            self.followers[b].append(a)
        return True

    def react(self, table: dict, user: int, ref: str, when: datetime | None) -> None:
        if when is not None and when < self.now and (user, ref) not in table:
            table[(user, ref)] = max(when, self.created[user] + timedelta(minutes=1))

    # ---- users ----

    def honest_users(self) -> None:
        rng, now = self.rng, self.now
        sizes = [1 / (i + 1) ** 0.5 for i in range(len(TOPICS))]  # some topics bigger than others
        pick = Sampler(range(len(TOPICS)), sizes)
        for _ in range(self.honest):
            young = rng.random() < 0.05
            age = rng.uniform(3, 29) if young else rng.uniform(30, 700)
            self.created.append(now - timedelta(days=age))
            self.community.append(pick(rng))
            # Pareto popularity: a power-law in-degree; young accounts have not built an audience yet.
            self.weight.append(rng.paretovariate(2.0) * (0.3 if young else 1.0))

    def ring_users(self) -> None:
        for _ in self.ring:
            self.created.append(self.now - timedelta(days=self.rng.uniform(1, 20)))
            self.community.append(-1)
            self.weight.append(0.0)

    def honest_follows(self) -> None:
        rng = self.rng
        members = defaultdict(list)
        for u in range(self.honest):
            members[self.community[u]].append(u)
        local = {c: Sampler(us, [self.weight[u] for u in us]) for c, us in members.items()}
        everyone = Sampler(range(self.honest), self.weight[:self.honest])
        for u in range(self.honest):
            wanted = min(int(rng.paretovariate(1.8) * 6), 300)
            for _ in range(wanted * 3):
                if wanted == 0:
                    break
                target = local[self.community[u]](rng) if rng.random() < 0.85 else everyone(rng)
                start = max(self.created[u], self.created[target])
                if self.follow(u, target, self.between(start, self.now, skew=1.5)):
                    wanted -= 1

    # ---- commerce and notes ----

    def honest_shops(self) -> None:
        rng = self.rng
        grown = [u for u in range(self.honest) if self.created[u] < self.now - timedelta(days=30)]
        self.sellers = rng.sample(grown, max(1, round(0.03 * self.honest)))
        weights = []
        for seller in self.sellers:
            for _ in range(rng.randint(1, 5)):
                ref = f"p{len(self.products) + 1}"
                created = self.between(self.created[seller], self.now - timedelta(days=11))
                self.products[ref] = {
                    "seller": seller, "price": rng.randint(3000, 80000), "commission": rng.randrange(0, 1501, 100),
                    "created": created, "topic": self.community[seller], "honest": True,
                }
                weights.append(self.weight[seller] * rng.lognormvariate(0, 1))
        self.popular_product = Sampler(list(self.products), weights)

    def add_note(self, author: int, quality: float, published: datetime, product: str | None,
                 rating: int | None, shill: bool) -> str:
        ref = f"n{len(self.notes) + 1}"
        self.notes[ref] = {"author": author, "quality": quality, "published": published, "product": product,
                           "rating": rating, "shill": shill}
        return ref

    def honest_notes(self) -> None:
        rng, now = self.rng, self.now
        for author in range(self.honest):
            count = min(int(rng.paretovariate(1.5) * 0.9), 30)
            skill = rng.betavariate(2, 2)
            for _ in range(count):
                quality = min(1.0, max(0.0, 0.5 * skill + 0.5 * rng.betavariate(2, 2.5)))
                start = max(self.created[author] + timedelta(hours=1), now - timedelta(days=10))
                published = self.between(start, now - timedelta(minutes=10))
                product = rating = None
                if rng.random() < 0.3:
                    product = self.popular_product(rng)
                    if self.products[product]["seller"] == author:
                        product = None
                    else:
                        rating = min(5, max(1, round(1 + 4 * quality + rng.gauss(0, 0.7))))
                        if rng.random() < 0.5:  # the reviewer bought it first: a verified purchase
                            self.order(author, product, None, self.between(
                                self.products[product]["created"], published), "completed")
                self.add_note(author, quality, published, product, rating, False)

    def order(self, buyer: int, product: str, note: str | None, when: datetime, status: str,
              quantity: int = 1) -> None:
        when = max(when, self.products[product]["created"] + timedelta(minutes=1),
                   self.created[buyer] + timedelta(minutes=1))
        if when < self.now:
            self.orders.append({"buyer": buyer, "product": product, "note": note, "status": status,
                                "created": when, "quantity": quantity})

    # ---- the ring ----

    def ring_world(self, brushing: bool, camouflage: bool) -> None:
        rng, now, ring = self.rng, self.now, self.ring
        self.ring_seller = min(ring, key=lambda u: self.created[u])
        self.products["p_ring"] = {
            "seller": self.ring_seller, "price": rng.randint(100, 300), "commission": 1000,
            "created": self.created[self.ring_seller] + timedelta(hours=2), "topic": 0, "honest": False,
        }
        for a in ring:
            for b in ring:
                if a != b:
                    start = max(self.created[a], self.created[b])
                    self.follow(a, b, start + timedelta(seconds=rng.randint(60, 6 * HOUR)))
        writers = [u for u in ring if u != self.ring_seller]
        shills = []
        for _ in range(max(10, len(ring) // 3)):
            author = rng.choice(writers)
            start = max(self.created[author] + timedelta(hours=3), self.products["p_ring"]["created"]
                        + timedelta(hours=1), now - timedelta(days=10))
            published = self.between(start, now - timedelta(hours=2))
            ref = self.add_note(author, rng.uniform(0.05, 0.2), published, "p_ring", 5, True)
            shills.append(ref)
            if brushing:  # the author "bought" it first, so the review is a verified purchase
                self.order(author, "p_ring", None, published - timedelta(hours=rng.randint(2, 48)), "completed")
            # Lockstep: most of the ring likes (and many collect) within minutes of one another.
            burst = published + timedelta(seconds=rng.randint(10 * 60, 3 * HOUR))
            crowd = rng.sample(ring, round(len(ring) * rng.uniform(0.8, 0.97)))
            for u in crowd:
                if u == author:
                    continue
                when = burst + timedelta(seconds=rng.randint(0, 15 * 60))
                if when < self.created[u]:
                    when = self.created[u] + timedelta(seconds=rng.randint(5 * 60, HOUR))
                self.react(self.likes, u, ref, when)
                if rng.random() < 0.6:
                    self.react(self.collects, u, ref, when + timedelta(seconds=rng.randint(5, 120)))
                if rng.random() < 0.08:
                    self.comment(u, ref, rng.choice(PRAISE), when + timedelta(seconds=rng.randint(30, 600)))
        if brushing:
            for u in writers:
                for _ in range(rng.randint(2, 4)):
                    ref = rng.choice(shills)
                    if self.notes[ref]["author"] != u:
                        self.order(u, "p_ring", ref, self.notes[ref]["published"]
                                   + timedelta(seconds=rng.randint(HOUR, 2 * DAY)), "completed")
        self.shills = shills
        self.camouflage = camouflage

    def attack(self, kind: str, share: float) -> int:
        if kind == "none":
            return 0
        rng, count = self.rng, round(share * self.honest)
        if kind == "random":
            sources = rng.sample(range(self.honest), count)
        else:
            indegree = {u: len(self.followers[u]) for u in range(self.honest)}
            sources = sorted(range(self.honest), key=lambda u: (-indegree[u], u))[:count]
        for u in sources:
            target = rng.choice(self.ring)
            start = max(self.created[u], self.created[target])
            self.follow(u, target, self.between(start, self.now - timedelta(hours=1)))
        return len(sources)

    # ---- honest engagement, and the ring's camouflage on top of it ----

    def comment(self, user: int, ref: str, body: str, when: datetime | None) -> None:
        if when is not None and when < self.now:
            self.comments.append({"user": user, "note": ref, "body": body, "created": when})

    def honest_engagement(self) -> None:
        rng = self.rng
        members = defaultdict(list)
        for u in range(self.honest):
            members[self.community[u]].append(u)
        for ref, note in self.notes.items():
            author, quality, published = note["author"], note["quality"], note["published"]
            audience = list(self.followers.get(author, ()))  # honest followers (attack edges included)
            p_follower = 0.03 + 0.22 * quality ** 2
            likers = [u for u in audience if rng.random() < p_follower]
            if not note["shill"]:
                community = members[self.community[author]]
                likers += [rng.choice(community) for _ in range(poisson(rng, 18 * quality ** 2))]
                likers += [rng.randrange(self.honest) for _ in range(poisson(rng, 6 * quality ** 3))]
            for u in likers:
                if u == author:
                    continue
                when = self.after(published, 10 * HOUR)
                self.react(self.likes, u, ref, when)
                if when is not None and rng.random() < 0.1 + 0.3 * quality:
                    self.react(self.collects, u, ref, when + timedelta(seconds=rng.randint(5, 600)))
                if when is not None and rng.random() < 0.03 + 0.1 * quality:
                    self.comment(u, ref, rng.choice(REMARKS), when + timedelta(seconds=rng.randint(30, 3600)))
        if self.camouflage:
            indegree = sorted(range(self.honest), key=lambda u: -len(self.followers[u]))[:100]
            honest_likes = defaultdict(int)
            for (_u, ref) in self.likes:
                if not self.notes[ref]["shill"]:
                    honest_likes[ref] += 1
            top_notes = sorted(honest_likes, key=lambda r: -honest_likes[r])[:300]
            for u in self.ring:
                for target in rng.sample(indegree, min(20, len(indegree))):
                    self.follow(u, target, self.created[u] + timedelta(seconds=rng.randint(60, DAY)))
                for ref in rng.sample(top_notes, min(20, len(top_notes))):
                    start = max(self.created[u], self.notes[ref]["published"])
                    self.react(self.likes, u, ref, self.after(start, 6 * HOUR))

    def honest_orders(self) -> None:
        rng = self.rng
        linked = [r for r, n in self.notes.items() if n["product"] and not n["shill"]]
        likes_of = defaultdict(int)
        for (_u, ref) in self.likes:
            likes_of[ref] += 1
        through_note = Sampler(linked, [1 + likes_of[r] for r in linked]) if linked else None
        for _ in range(round(0.8 * self.honest)):
            buyer = rng.randrange(self.honest)
            if through_note and rng.random() < 0.5:
                note = through_note(rng)
                product = self.notes[note]["product"]
                when = self.after(self.notes[note]["published"], DAY) or self.now - timedelta(minutes=5)
            else:
                note, product = None, self.popular_product(rng)
                when = self.between(self.now - timedelta(days=60), self.now)
            if self.products[product]["seller"] == buyer:
                continue
            roll = rng.random()
            status = "refunded" if roll < 0.05 else "paid" if roll < 0.1 else "completed"
            self.order(buyer, product, note, when, status, quantity=rng.choice((1, 1, 1, 2)))

    # ---- output ----

    def write(self, path: Path) -> dict:
        names, counts = self.names, defaultdict(int)
        with path.open("w", encoding="utf-8") as out:
            def w(record: dict) -> None:
                counts[record["type"]] += 1
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")

            for u, name in enumerate(names):
                w({"type": "user", "username": name, "display_name": name,
                   "locale": ("zh_Hant", "zh_Hans", "en")[u % 3], "created_at": iso(self.created[u])})
            for (a, b), when in sorted(self.follows.items(), key=lambda item: item[1]):
                w({"type": "follow", "follower": names[a], "followee": names[b], "created_at": iso(when)})
            for ref, p in self.products.items():
                topic = TOPICS[p["topic"]]
                w({"type": "product", "ref": ref, "seller": names[p["seller"]], "name": f"{topic}好物 {ref}",
                   "description": f"{topic}精選", "price_cents": p["price"], "stock": 9999 if not p["honest"] else 500,
                   "commission_bps": p["commission"], "created_at": iso(p["created"])})
            for ref, n in self.notes.items():
                topic = TOPICS[self.community[n["author"]]] if not n["shill"] else TOPICS[0]
                body = f"{self.rng.choice(WORDS)}，{topic}心得分享 #{topic}"
                if n["shill"]:
                    body = f"{self.rng.choice(PRAISE)} {self.rng.choice(PRAISE)} #{topic} #好物"
                w({"type": "note", "ref": ref, "author": names[n["author"]],
                   "title": f"{topic}{self.rng.choice(WORDS)} {ref}", "body": body,
                   "tags": [topic] + (["好物"] if n["shill"] else []), "product": n["product"], "rating": n["rating"],
                   "images": [IMAGE], "created_at": iso(n["published"])})
            for kind, table in (("like", self.likes), ("collect", self.collects)):
                for (u, ref), when in sorted(table.items(), key=lambda item: item[1]):
                    w({"type": kind, "user": names[u], "note": ref, "created_at": iso(when)})
            for i, c in enumerate(sorted(self.comments, key=lambda c: c["created"]), 1):
                w({"type": "comment", "ref": f"c{i}", "user": names[c["user"]], "note": c["note"],
                   "body": c["body"], "created_at": iso(c["created"])})
            for i, o in enumerate(sorted(self.orders, key=lambda o: o["created"]), 1):
                w({"type": "order", "ref": f"o{i}", "buyer": names[o["buyer"]], "product": o["product"],
                   "quantity": o["quantity"], "note": o["note"], "status": o["status"],
                   "created_at": iso(o["created"])})
        return dict(counts)
