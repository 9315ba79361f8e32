"""Generate a deterministic demo community in the portable JSON Lines format.

``generate_world(out_dir)`` writes ``out_dir/data.jsonl`` and ``out_dir/images/``; the
ordinary importer (``flask data import``) loads the result. Everything is drawn from one
``random.Random(seed)`` and a fixed reference date, so a seed always gives byte-identical
``data.jsonl``. Every account's password is ``demo-password`` (``DEMO_PASSWORD``).

Extension fields: each user record carries ``"avatar": "images/avatar_<username>.jpg"``; each
product record (``commerce=True``) carries ``"images": ["images/product_<ref>_1.jpg", …]``.
"""

from __future__ import annotations

import json
import os
import random
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from app.demo import content
from app.demo.content import Persona, ProductIdea

DEMO_PASSWORD = "demo-password"  # noqa: S105  # nosec B105  # documented demo accounts; production never loads them
REFERENCE_NOW = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_DAYS = 60
DAY = 86_400
HOUR = 3_600
SPAN = WINDOW_DAYS * DAY  # times are whole seconds after the window's start

TITLE_MAX = 100
BODY_MAX = 2000
RATING_WEIGHTS = {5: 45, 4: 30, 3: 13, 2: 7, 1: 5}


@dataclass(eq=False)  # identity semantics: people and notes are compared with `is`
class _User:
    persona: Persona
    username: str
    display_name: str
    is_admin: bool
    created: int  # seconds after the start of the window
    popularity: float = 0.0
    following: list[_User] = field(default_factory=list)
    followers: list[_User] = field(default_factory=list)

    @property
    def voice(self) -> str:
        return content.VOICE_OF_LOCALE[self.persona.locale]


@dataclass(eq=False)
class _Product:
    ref: str
    seller: _User
    idea: ProductIdea
    created: int
    terms: dict = field(default_factory=dict)  # price, stock, commission, group buy
    photo_count: int = 1

    @property
    def images(self) -> list[str]:
        return [f"images/product_{self.ref}_{i}.jpg" for i in range(1, self.photo_count + 1)]


@dataclass(eq=False)
class _Note:
    author: _User
    topic: str
    created: int
    photo_count: int
    ref: str = ""
    product: _Product | None = None
    rating: int | None = None
    title: str = ""
    body: str = ""
    tags: list[str] = field(default_factory=list)
    likers: list[_User] = field(default_factory=list)
    collectors: list[_User] = field(default_factory=list)

    @property
    def images(self) -> list[str]:
        return [f"images/note_{self.ref}_{i}.jpg" for i in range(1, self.photo_count + 1)]


def generate_world(out_dir: Path, *, seed: int = 2026, users: int = 48, notes: int = 220,
                   commerce: bool = False, photos: bool = True, now: datetime = REFERENCE_NOW) -> Path:
    """Write a demo world to ``out_dir`` and return the path of its ``data.jsonl``.

    ``users`` counts every account, including ``demo`` and ``admin``. ``photos=False`` still
    writes every image, only tiny (120 px), which keeps tests fast.
    """
    if users < 4:
        raise ValueError("a demo world needs at least 4 users")
    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    world = _World(random.Random(seed), users, notes, commerce)  # nosec B311  # reproducible demo data, not security
    path = out_dir / "data.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for record in world.records(_Clock(now)):
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    _paint_images(out_dir, world, seed, full_size=photos)
    return path


class _Clock:
    """Turns offsets into the window (the 60 days before ``now``) into ISO 8601 ``Z`` strings."""

    def __init__(self, now: datetime):
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        self.start = now.replace(microsecond=0) - timedelta(days=WINDOW_DAYS)

    def iso(self, offset: int) -> str:
        return (self.start + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")



class _World:
    def __init__(self, rng: random.Random, user_count: int, note_count: int, commerce: bool):
        self.rng = rng
        self.users = self._make_users(user_count)
        self.members = [u for u in self.users if not u.is_admin]  # who posts, engages and shops
        self.follows = self._make_follows()
        self.products = self._make_products() if commerce else []
        self.notes = self._plan_notes(note_count)
        if self.products:
            self._link_products()
        for note in self.notes:
            _NoteWriter(rng, note, self.members).write()
        self.likes, self.collects, self.comments = self._engage()
        self.orders = self._make_orders() if commerce else []

    # -- people --------------------------------------------------------------------------------

    def _make_users(self, count: int) -> list[_User]:
        rng = self.rng
        people = [_User(content.DEMO, "demo", content.DEMO.display_name, False, HOUR),
                  _User(content.ADMIN, "admin", content.ADMIN.display_name, True, 60)]
        for i in range(count - 2):
            persona = content.PERSONAS[i % len(content.PERSONAS)]
            lap = i // len(content.PERSONAS)  # beyond the hand-written list, reuse with a suffix
            suffix = str(lap + 1) if lap else ""
            people.append(_User(persona, persona.username + suffix, persona.display_name + suffix,
                                False, rng.randint(2 * HOUR, 20 * DAY)))
        # A few creators are far more popular than the rest (power law over a shuffled order).
        ranked = people[2:]
        rng.shuffle(ranked)
        for rank, user in enumerate(ranked):
            user.popularity = 1.0 / (rank + 1) ** 1.1
        people[0].popularity, people[1].popularity = 0.05, 0.005
        return people

    def _make_follows(self) -> list[tuple[_User, _User, int]]:
        rng, users = self.rng, self.users
        cum_weights = list(accumulate(u.popularity for u in users))
        follows = []
        for user in users:
            if user.is_admin:
                wanted = 3
            elif user.username == "demo":
                wanted = 14
            else:
                wanted = int(rng.lognormvariate(1.9, 0.6))
            wanted = max(2, min(wanted, len(users) - 1, 40))
            chosen: dict[str, _User] = {}
            for _ in range(wanted * 30):
                if len(chosen) >= wanted:
                    break
                other = rng.choices(users, cum_weights=cum_weights)[0]
                if other is not user and other.username not in chosen:
                    chosen[other.username] = other
            for other in chosen.values():
                since = max(user.created, other.created)
                follows.append((user, other, rng.randint(since + 60, since + (SPAN - since) // 2)))
                user.following.append(other)
                other.followers.append(user)
        follows.sort(key=lambda f: f[2])
        return follows

    # -- commerce ------------------------------------------------------------------------------

    def _make_products(self) -> list[_Product]:
        rng = self.rng
        candidates = [u for u in self.members if u.username != "demo"]
        rng.shuffle(candidates)
        seller_count = min(10, max(1, len(candidates) // 4))
        ideas_by_topic: dict[str, list[ProductIdea]] = {}
        for idea in content.PRODUCTS:
            ideas_by_topic.setdefault(idea.topic, []).append(idea)
        # Prefer sellers who bring a topic not yet on sale, so the catalogue spans topics.
        sellers: list[_User] = []
        covered: set[str] = set()
        for user in candidates:
            if len(sellers) < seller_count and not covered.issuperset(user.persona.topics):
                sellers.append(user)
                covered.update(user.persona.topics)
        sellers += [u for u in candidates if u not in sellers][: seller_count - len(sellers)]
        used: set[ProductIdea] = set()
        products = []
        for seller in sellers:
            # A shop sells within its owner's topics; only a seller with nothing left takes leftovers.
            own = [i for t in seller.persona.topics for i in ideas_by_topic.get(t, []) if i not in used]
            stock = own or [i for i in content.PRODUCTS if i not in used]
            for idea in stock[: rng.randint(2, 4)]:
                used.add(idea)
                products.append(_Product("", seller, idea, seller.created + rng.randint(HOUR, 5 * DAY),
                                         _product_terms(rng, idea)))
        products.sort(key=lambda p: p.created)
        for i, product in enumerate(products, 1):
            product.ref = f"p{i}"
            product.photo_count = rng.choices([1, 2, 3, 4], weights=[20, 35, 30, 15])[0]
        return products

    def _link_products(self) -> None:
        """About 30% of notes review a product on their topic, with a rating."""
        rng = self.rng
        eligible = {id(n): [p for p in self.products if p.idea.topic == n.topic
                            and p.seller is not n.author and p.created < n.created] for n in self.notes}
        linkable = [n for n in self.notes if eligible[id(n)]]
        chance = min(0.95, 0.3 * len(self.notes) / max(1, len(linkable)))
        for note in linkable:
            if rng.random() < chance:
                note.product = rng.choice(eligible[id(note)])
                note.rating = rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]

    def _make_orders(self) -> list[dict]:
        rng, members = self.rng, self.members
        orders: list[tuple[int, dict]] = []

        def order(buyer: _User, product: _Product, at: int, note: _Note | None, status: str) -> None:
            quantity = rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
            orders.append((at, {"buyer": buyer.username, "product": product.ref, "quantity": quantity,
                                "note": note.ref if note else None, "referrer": None, "status": status}))

        def status_at(at: int) -> str:
            if at > SPAN - 5 * DAY and rng.random() < 0.5:
                return "paid"  # recent orders may not have been delivered yet
            return "refunded" if rng.random() < 0.06 else "completed"

        for note in self.notes:
            product = note.product
            if product is None:
                continue
            # Many reviewers bought what they review, before writing about it (verified purchases).
            start = max(product.created, note.author.created) + 60
            if rng.random() < 0.6 and note.created - 60 > start:
                refunded = (note.rating or 5) <= 2 and rng.random() < 0.35
                order(note.author, product, rng.randint(start, note.created - 60), None,
                      "refunded" if refunded else "completed")
            audience = [u for u in dict.fromkeys(note.likers + note.collectors)
                        if u is not product.seller and u is not note.author]
            for buyer in rng.sample(audience, k=int(len(audience) * rng.uniform(0.05, 0.3))):
                at = _after(rng, max(note.created, buyer.created))
                order(buyer, product, at, note, status_at(at))
        for product in self.products:
            for _ in range(rng.randint(0, 3)):
                buyer = rng.choice(members)
                if buyer is not product.seller:
                    at = _after(rng, max(product.created, buyer.created), mean=10 * DAY)
                    order(buyer, product, at, None, status_at(at))
        orders.sort(key=lambda o: o[0])
        return [{"ref": f"o{i}", **o, "_at": at} for i, (at, o) in enumerate(orders, 1)]

    # -- notes and engagement ------------------------------------------------------------------

    def _plan_notes(self, count: int) -> list[_Note]:
        rng = self.rng
        demo = self.users[0]
        writers = [u for u in self.members if u is not demo]
        # Popular creators post more; roughly one in six people only reads.
        activity = [0.05 if rng.random() < 0.15 else 0.3 + u.popularity ** 0.5 for u in writers]
        demo_notes = min(3, count)
        authors = [demo] * demo_notes + rng.choices(writers, weights=activity, k=count - demo_notes)
        notes = []
        for author in authors:
            topics = author.persona.topics
            if rng.random() < 0.88:
                topic = rng.choices(topics, weights=[2] + [1] * (len(topics) - 1))[0]
            else:
                topic = rng.choice(sorted(content.TOPICS))
            photo_count = rng.choices(range(1, 7), weights=[22, 20, 22, 16, 10, 10])[0]
            created = rng.randint(author.created + HOUR, SPAN - 10 * 60)
            notes.append(_Note(author, topic, created, photo_count))
        notes.sort(key=lambda n: n.created)
        for i, note in enumerate(notes, 1):
            note.ref = f"n{i}"
        return notes

    def _engage(self) -> tuple[list[dict], list[dict], list[dict]]:
        rng, members = self.rng, self.members
        most_followed = max(len(u.followers) for u in self.users) or 1
        likes: list[dict] = []
        collects: list[dict] = []
        comments: list[dict] = []
        for note in self.notes:
            author = note.author
            reach = 0.5 + 1.5 * len(author.followers) / most_followed
            others = len(members) - 1
            # Pareto quality: most notes get a handful of likes, a few get liked by nearly everyone.
            wanted = min(others, int(rng.paretovariate(1.3) * 2.2 * reach) + rng.randint(0, 2))
            followers = [u for u in author.followers if not u.is_admin]
            note.likers = _audience(rng, wanted, followers, members, {author.username})
            n_collects = min(others, int(wanted * rng.uniform(0.2, 0.8)))
            note.collectors = _audience(rng, n_collects, note.likers, members, {author.username},
                                        preferred_share=0.75)
            for user in note.likers:
                likes.append({"user": user.username, "note": note.ref,
                              "_at": _after(rng, max(note.created, user.created))})
            for user in note.collectors:
                collects.append({"user": user.username, "note": note.ref,
                                 "_at": _after(rng, max(note.created, user.created))})
            n_comments = int(wanted * rng.uniform(0.1, 0.4)) + int(rng.random() < 0.35)
            for _ in range(n_comments):
                pool = note.likers if note.likers and rng.random() < 0.6 else members
                user = rng.choice(pool)
                if user is author:
                    continue
                at = _after(rng, max(note.created, user.created))
                comments.append({"user": user.username, "note": note.ref,
                                 "body": _comment_body(rng, user, note), "_at": at})
                if rng.random() < 0.3:  # the author answers, addressing the commenter
                    reply = f"@{user.username} {rng.choice(content.AUTHOR_REPLIES[author.voice])}"
                    comments.append({"user": author.username, "note": note.ref, "body": reply,
                                     "_at": _after(rng, at, mean=6 * HOUR)})
        for rows in (likes, collects, comments):
            rows.sort(key=lambda r: r["_at"])
        comments = [{"ref": f"c{i}", **c} for i, c in enumerate(comments, 1)]
        return likes, collects, comments

    # -- output --------------------------------------------------------------------------------

    def records(self, clock: _Clock):
        for user in self.users:
            yield {"type": "user", "username": user.username, "display_name": user.display_name,
                   "bio": user.persona.bio, "locale": user.persona.locale, "password": DEMO_PASSWORD,
                   "is_admin": user.is_admin, "avatar": f"images/avatar_{user.username}.jpg",
                   "created_at": clock.iso(user.created)}
        for follower, followee, at in self.follows:
            yield {"type": "follow", "follower": follower.username, "followee": followee.username,
                   "created_at": clock.iso(at)}
        for product in self.products:
            voice = product.seller.voice
            yield {"type": "product", "ref": product.ref, "seller": product.seller.username,
                   "name": product.idea.names[voice], "description": product.idea.descriptions[voice],
                   **product.terms, "images": product.images, "created_at": clock.iso(product.created)}
        for note in self.notes:
            yield {"type": "note", "ref": note.ref, "author": note.author.username, "title": note.title,
                   "body": note.body, "tags": note.tags,
                   "product": note.product.ref if note.product else None, "rating": note.rating,
                   "images": note.images, "created_at": clock.iso(note.created)}
        for kind, rows in (("like", self.likes), ("collect", self.collects), ("comment", self.comments),
                           ("order", self.orders)):
            for row in rows:
                fields = {k: v for k, v in row.items() if k != "_at"}
                yield {"type": kind, **fields, "created_at": clock.iso(row["_at"])}


def _product_terms(rng: random.Random, idea: ProductIdea) -> dict:
    low, high = idea.price_yuan
    price_yuan = rng.randint(low, high) // 10 * 10 + 9  # shop prices end in 9
    terms = {"price_cents": price_yuan * 100, "currency": "CNY",
             "stock": 0 if rng.random() < 0.08 else rng.randint(5, 300),
             "commission_bps": rng.choice([0, 300, 500, 800, 1000, 1200, 1500])}
    if rng.random() < 0.35:
        terms["group_price_cents"] = int(price_yuan * rng.uniform(0.75, 0.9)) * 100
        terms["group_size"] = rng.randint(2, 5)
    return terms


class _Slots(dict):
    """``format_map`` source: draws each slot once per note; ``{x2}`` draws a different ``x``."""

    def __init__(self, rng: random.Random, pools: dict, region: str):
        super().__init__()
        self.rng, self.pools, self.region = rng, pools, region
        self.used: dict[str, set[str]] = {}

    def __missing__(self, key: str) -> str:
        base = key.rstrip("0123456789")
        choices = self.pools[base]
        if isinstance(choices, dict):
            choices = choices.get(self.region) or next(iter(choices.values()))
        used = self.used.setdefault(base, set())
        value = self.rng.choice([c for c in choices if c not in used] or choices)
        used.add(value)
        self[key] = value
        return value


class _NoteWriter:
    """Writes a note's title, body and tags in its author's voice, from the topic templates."""

    def __init__(self, rng: random.Random, note: _Note, members: list[_User]):
        self.rng, self.note, self.members = rng, note, members
        self.voice = note.author.voice
        self.text = content.TOPICS[note.topic][self.voice]
        pools = {**content.SHARED_SLOTS[self.voice], **self.text.slots}
        self.slots = _Slots(rng, pools, note.author.persona.region)

    def fill(self, template: str) -> str:
        return template.format_map(self.slots)

    def pick(self, templates: tuple[str, ...], count: int) -> list[str]:
        """``count`` distinct templates, kept in their written order (📍 before 💰…)."""
        indexes = sorted(self.rng.sample(range(len(templates)), k=min(count, len(templates))))
        return [self.fill(templates[i]) for i in indexes]

    def write(self) -> None:
        rng, note, text = self.rng, self.note, self.text
        title = self.fill(rng.choice(text.titles))
        if rng.random() < 0.2:
            title += rng.choice(content.TITLE_EMOJI)
        details = self.pick(text.details, rng.randint(2, 5))
        if note.product is not None:
            band = "high" if note.rating >= 4 else "mid" if note.rating == 3 else "low"
            verdict = rng.choice(content.VERDICTS[self.voice][band])
            line = rng.choice(content.PRODUCT_LINES[self.voice]).format(
                product=note.product.idea.names[self.voice], verdict=verdict)
            details.insert(rng.randint(0, len(details)), line)
        ending = [self.fill(rng.choice(text.closings))]
        if rng.random() < 0.12:
            friends = [u for u in note.author.following if not u.is_admin] or [
                u for u in self.members if u is not note.author]
            mention = rng.choice(friends).username
            ending.insert(0, rng.choice(content.MENTION_LINES[self.voice]).format(mention=mention))
        extra = rng.sample(text.extra_tags, k=min(len(text.extra_tags), rng.randint(1, 3)))
        tags = [text.base_tag] + [self.fill(t) for t in extra]
        note.tags = list(dict.fromkeys(t.replace(" ", "") for t in tags))
        paragraphs = [self.fill(rng.choice(text.openings)), "\n".join(details), "\n".join(ending),
                      " ".join(f"#{tag}" for tag in note.tags)]
        note.title = title[:TITLE_MAX]
        note.body = "\n\n".join(paragraphs)[:BODY_MAX]


def _comment_body(rng: random.Random, user: _User, note: _Note) -> str:
    voice = user.voice
    friends = [u for u in user.following if not u.is_admin and u is not note.author]
    roll = rng.random()
    if friends and roll < 0.08:
        return rng.choice(content.FRIEND_TAG_COMMENTS[voice]).format(friend=rng.choice(friends).username)
    if roll < 0.5:
        return rng.choice(content.COMMENTS_BY_TOPIC[voice][note.topic])
    return rng.choice(content.COMMENTS_GENERIC[voice])


def _audience(rng: random.Random, wanted: int, preferred: list[_User], everyone: list[_User],
              exclude: set[str], preferred_share: float = 0.55) -> list[_User]:
    """``wanted`` distinct people, drawn from ``preferred`` (followers, likers) more often."""
    chosen: dict[str, _User] = {}
    for _ in range(wanted * 30):
        if len(chosen) >= wanted:
            break
        pool = preferred if preferred and rng.random() < preferred_share else everyone
        user = rng.choice(pool)
        if user.username not in exclude and user.username not in chosen:
            chosen[user.username] = user
    return list(chosen.values())


def _after(rng: random.Random, start: int, mean: int = DAY) -> int:
    """A moment after ``start``, usually soon (exponential), never after the reference date."""
    return min(SPAN - 1, start + 60 + int(rng.expovariate(1 / mean)))


# -- images ------------------------------------------------------------------------------------

PHOTO_SHAPES = {(3, 4): 65, (1, 1): 20, (4, 3): 15}  # width:height, weight (portrait first)
LONG_SIDES = (900, 960, 1024, 1080)


def _paint_images(out_dir: Path, world: _World, seed: int, *, full_size: bool) -> None:
    # Imported here: the text of a world needs no imaging at all.
    from app.media.art import paint_avatar, paint_photo

    jobs = []
    for user in world.users:
        rel = f"images/avatar_{user.username}.jpg"
        jobs.append((rel, paint_avatar, (_seed_for(seed, rel), _initials(user.display_name),
                                         256 if full_size else 64)))
    for note in world.notes:
        # Sizes come from their own generator so data.jsonl never depends on them.
        shape_rng = random.Random(_seed_for(seed, note.ref))  # nosec B311  # reproducible demo data, not security
        w, h = shape_rng.choices(list(PHOTO_SHAPES), weights=list(PHOTO_SHAPES.values()))[0]
        long_side = shape_rng.choice(LONG_SIDES) if full_size else 120
        size = (long_side * w // max(w, h), long_side * h // max(w, h))
        for index, rel in enumerate(note.images):
            # Only the cover carries a caption, the note's first hashtag, like a topic sticker.
            label = f"#{note.tags[0]}" if index == 0 else ""
            jobs.append((rel, paint_photo, (_seed_for(seed, rel), size, label)))
    for product in world.products:
        # Square shop photos; the cover carries the product's name like a shop's banner.
        side = 1080 if full_size else 120
        name = product.idea.names[product.seller.voice]
        for index, rel in enumerate(product.images):
            jobs.append((rel, paint_photo, (_seed_for(seed, rel), (side, side), name if index == 0 else "")))

    def paint(job) -> None:
        rel, painter, args = job
        (out_dir / rel).write_bytes(painter(*args))

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        list(pool.map(paint, jobs))


def _seed_for(seed: int, name: str) -> int:
    return zlib.crc32(f"{seed}:{name}".encode())


def _initials(display_name: str) -> str:
    """First character for a Chinese name (小美愛吃 → 小), capitals for a Latin one (Mia → M)."""
    first = display_name.strip()[:1]
    return first.upper() if first.isascii() else first
