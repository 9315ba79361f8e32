"""The demo world generator writes valid, deterministic portable data (DATA-FORMAT.md)."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from app.demo.content import PRODUCTS
from app.demo.world import DEMO_PASSWORD, generate_world

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MENTION = re.compile(r"@([A-Za-z0-9_]{3,30})")
CJK = re.compile(r"[\u4e00-\u9fff]")
HASHTAG = re.compile(r"#([^\s#]+)")
TRADITIONAL_ONLY = set("們這說點個會還時對覺")
SIMPLIFIED_ONLY = set("们这说点个会还时对觉")

SECTION_ORDER = ["user", "follow", "product", "note", "like", "collect", "comment", "order"]
REQUIRED = {
    "user": {"username"},
    "follow": {"follower", "followee"},
    "product": {"ref", "seller", "name", "price_cents", "stock"},
    "note": {"ref", "author", "title"},
    "like": {"user", "note"},
    "collect": {"user", "note"},
    "comment": {"ref", "user", "note", "body"},
    "order": {"ref", "buyer", "product", "quantity"},
}
# field -> (accepted JSON kinds, may be null)
KINDS = {
    "username": (str, False), "display_name": (str, False), "bio": (str, False), "locale": (str, False),
    "password": (str, False), "is_admin": (bool, False), "avatar": (str, False), "created_at": (str, False),
    "follower": (str, False), "followee": (str, False), "ref": (str, False), "seller": (str, False),
    "name": (str, False), "description": (str, False), "price_cents": (int, False), "currency": (str, False),
    "stock": (int, False), "commission_bps": (int, False), "group_price_cents": (int, False),
    "group_size": (int, False), "author": (str, False), "title": (str, False), "body": (str, False),
    "tags": (list, False), "product": (str, True), "rating": (int, True), "images": (list, False),
    "user": (str, False), "note": (str, True), "buyer": (str, False), "quantity": (int, False),
    "referrer": (str, True), "status": (str, False),
}
# (type, field) -> type referred to
REFERENCES = {
    ("follow", "follower"): "user", ("follow", "followee"): "user", ("product", "seller"): "user",
    ("note", "author"): "user", ("note", "product"): "product", ("like", "user"): "user",
    ("like", "note"): "note", ("collect", "user"): "user", ("collect", "note"): "note",
    ("comment", "user"): "user", ("comment", "note"): "note", ("order", "buyer"): "user",
    ("order", "product"): "product", ("order", "note"): "note", ("order", "referrer"): "user",
}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def of_type(records: list[dict], kind: str) -> list[dict]:
    return [r for r in records if r["type"] == kind]


def key_of(record: dict) -> str:
    return record["username"].lower() if record["type"] == "user" else record["ref"]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, list[dict]]:
    path = generate_world(tmp_path_factory.mktemp("small"), seed=7, users=16, notes=40, commerce=True,
                          photos=False)
    return path, load(path)


@pytest.fixture(scope="module")
def default_world(tmp_path_factory) -> tuple[Path, list[dict]]:
    path = generate_world(tmp_path_factory.mktemp("default"), photos=False)
    return path, load(path)


@pytest.fixture(scope="module")
def commerce_world(tmp_path_factory) -> tuple[Path, list[dict]]:
    path = generate_world(tmp_path_factory.mktemp("commerce"), commerce=True, photos=False)
    return path, load(path)


@pytest.fixture(params=["small", "default_world", "commerce_world"])
def world(request) -> tuple[Path, list[dict]]:
    return request.getfixturevalue(request.param)


# --- the format ---------------------------------------------------------------------------------


def test_every_line_is_a_typed_record_with_its_required_fields_and_kinds(world):
    path, records = world
    assert path.name == "data.jsonl"
    for number, record in enumerate(records, 1):
        kind = record.get("type")
        assert kind in REQUIRED, f"line {number}: unknown type {kind!r}"
        missing = REQUIRED[kind] - record.keys()
        assert not missing, f"line {number}: missing {missing}"
        for name, value in record.items():
            if name == "type":
                continue
            accepted, nullable = KINDS[name]
            assert (value is None and nullable) or (
                isinstance(value, accepted) and not (accepted is int and isinstance(value, bool))
            ), f"line {number}: {name}={value!r}"
            if name == "created_at":
                assert ISO_Z.match(value), f"line {number}: {value}"


def test_records_come_in_dependency_order(world):
    _, records = world
    kinds = [r["type"] for r in records]
    sections = list(dict.fromkeys(kinds))
    assert sections == [k for k in SECTION_ORDER if k in sections]
    assert sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if a != b) == len(sections) - 1


def test_keys_are_unique_and_every_reference_points_to_an_earlier_record(world):
    _, records = world
    defined: dict[str, set[str]] = {kind: set() for kind in REQUIRED}
    pairs: dict[str, set[tuple]] = {"follow": set(), "like": set(), "collect": set()}
    for number, record in enumerate(records, 1):
        kind = record["type"]
        for (owner, name), target in REFERENCES.items():
            value = record.get(name) if owner == kind else None
            if value is not None:
                key = value.lower() if target == "user" else value
                assert key in defined[target], f"line {number}: {name}={value!r} not defined before"
        if kind in pairs:
            pair = tuple(record[f] for f in sorted(REQUIRED[kind]))
            assert pair not in pairs[kind], f"line {number}: duplicate {kind} {pair}"
            pairs[kind].add(pair)
        elif kind in ("user", "product", "note", "comment", "order"):
            key = key_of(record)
            assert key not in defined[kind], f"line {number}: duplicate {kind} {key}"
            defined[kind].add(key)


def test_users(world):
    _, records = world
    users = of_type(records, "user")
    assert users[0]["username"] == "demo"
    assert users[0]["display_name"] == "示範帳號"
    assert [u["username"] for u in users if u["is_admin"]] == ["admin"]
    for user in users:
        assert USERNAME_RE.match(user["username"])
        assert 0 < len(user["display_name"]) <= 40 and len(user["bio"]) <= 300
        assert user["locale"] in ("zh_Hant", "zh_Hans", "en")
        assert user["password"] == DEMO_PASSWORD
        assert user["avatar"] == f"images/avatar_{user['username']}.jpg"
        assert (path_of(world, user["avatar"])).is_file()
    locales = Counter(u["locale"] for u in users)
    assert locales["zh_Hant"] + locales["zh_Hans"] > 0.75 * len(users)


def path_of(world, relative: str) -> Path:
    return world[0].parent / relative


def test_follows_have_no_self_follows_and_a_few_very_popular_creators(default_world):
    _, records = default_world
    follows = of_type(records, "follow")
    assert all(f["follower"] != f["followee"] for f in follows)
    followers = Counter(f["followee"] for f in follows)
    counts = [followers.get(u["username"], 0) for u in of_type(records, "user")]
    assert max(counts) >= 3 * statistics.median(counts)


def test_notes_text_tags_and_mentions(world):
    _, records = world
    usernames = {u["username"] for u in of_type(records, "user")}
    for note in of_type(records, "note"):
        assert 0 < len(note["title"]) <= 100
        assert 0 < len(note["body"]) <= 2000 and "\n" in note["body"]
        assert note["tags"] and HASHTAG.findall(note["body"]) == note["tags"]
        assert set(MENTION.findall(note["body"])) <= usernames - {note["author"]}
    for comment in of_type(records, "comment"):
        assert 0 < len(comment["body"]) <= 200
        assert set(MENTION.findall(comment["body"])) <= usernames
    assert any(MENTION.search(n["body"]) for n in of_type(records, "note"))


def test_notes_have_one_to_six_images_that_exist_and_open(small):
    path, records = small
    for note in of_type(records, "note"):
        assert 1 <= len(note["images"]) <= 6
        numbers = range(1, len(note["images"]) + 1)
        assert note["images"] == [f"images/note_{note['ref']}_{i}.jpg" for i in numbers]
        for relative in note["images"]:
            with Image.open(path.parent / relative) as image:
                assert image.format == "JPEG" and max(image.size) == 120


def test_engagement_is_unique_mostly_on_others_notes_and_skewed(default_world):
    _, records = default_world
    authors = {n["ref"]: n["author"] for n in of_type(records, "note")}
    likes = of_type(records, "like")
    assert all(like["user"] != authors[like["note"]] for like in likes)
    assert all(c["user"] != authors[c["note"]] for c in of_type(records, "collect"))
    per_note = sorted(Counter(like["note"] for like in likes).values(), reverse=True)
    top_tenth = per_note[: len(authors) // 10]
    assert sum(top_tenth) >= 0.3 * len(likes)
    assert [c["ref"] for c in of_type(records, "comment")] == [
        f"c{i}" for i in range(1, len(of_type(records, "comment")) + 1)
    ]


def test_times_are_within_the_sixty_days_before_now_and_follow_causality(tmp_path):
    now = datetime(2025, 3, 15, 12, 30, tzinfo=UTC)
    path = generate_world(tmp_path, seed=11, users=12, notes=30, commerce=True, photos=False, now=now)
    records = load(path)

    def at(record: dict) -> datetime:
        return datetime.fromisoformat(record["created_at"].replace("Z", "+00:00"))

    assert all(now - timedelta(days=60) <= at(r) < now for r in records)
    users = {u["username"]: at(u) for u in of_type(records, "user")}
    notes = {n["ref"]: n for n in of_type(records, "note")}
    assert all(at(n) > users[n["author"]] for n in notes.values())
    for record in of_type(records, "like") + of_type(records, "collect") + of_type(records, "comment"):
        assert at(record) > at(notes[record["note"]])
        assert at(record) > users[record["user"]]


# --- scale, scripts, determinism ----------------------------------------------------------------


def test_default_counts_and_no_commerce(default_world):
    _, records = default_world
    assert len(of_type(records, "user")) >= 40
    assert len(of_type(records, "note")) >= 200
    assert not of_type(records, "product") and not of_type(records, "order")
    assert all(n["product"] is None and n["rating"] is None for n in of_type(records, "note"))
    topics_seen = Counter(tag for n in of_type(records, "note") for tag in n["tags"][:1])
    assert len(topics_seen) >= 15  # ten topics, written in two scripts plus English


def test_both_scripts_are_present_and_each_author_keeps_to_one(default_world):
    _, records = default_world
    locale = {u["username"]: u["locale"] for u in of_type(records, "user")}
    notes = of_type(records, "note")
    traditional = [n for n in notes if TRADITIONAL_ONLY & set(n["title"] + n["body"])]
    simplified = [n for n in notes if SIMPLIFIED_ONLY & set(n["title"] + n["body"])]
    assert len(traditional) >= 40 and len(simplified) >= 40
    assert all(locale[n["author"]] == "zh_Hant" for n in traditional)
    assert all(locale[n["author"]] == "zh_Hans" for n in simplified)
    english = [n for n in notes if locale[n["author"]] == "en"]
    assert english and not any(CJK.search(n["title"]) for n in english)


def test_script_purity_checked_with_opencc(default_world):
    opencc = pytest.importorskip("opencc")
    to_simplified, to_traditional = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
    # Characters OpenCC rewrites to older variants (臺, 喫, 脣…) although they are standard Traditional.
    shared = set("台吃唇岳峰床群里")
    _, records = default_world
    locale = {u["username"]: u["locale"] for u in of_type(records, "user")}
    texts = [(n["author"], n["title"] + n["body"]) for n in of_type(records, "note")]
    texts += [(c["user"], c["body"]) for c in of_type(records, "comment")]
    for author, text in texts:
        if locale[author] == "zh_Hans":
            assert to_simplified.convert(text) == text, text
        elif locale[author] == "zh_Hant":
            odd = {ch for ch in set(text) - shared
                   if to_traditional.convert(ch) != ch and to_simplified.convert(ch) == ch}
            assert not odd, (odd, text)


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    def run(name: str, seed: int) -> Path:
        return generate_world(tmp_path / name, seed=seed, users=14, notes=30, commerce=True, photos=False)

    first, second, other = run("a", 5), run("b", 5), run("c", 6)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    photo = "images/note_n1_1.jpg"
    assert (first.parent / photo).read_bytes() == (second.parent / photo).read_bytes()


def test_full_size_photos_do_not_change_the_data(tmp_path):
    small = generate_world(tmp_path / "small", seed=3, users=6, notes=4, photos=False)
    full = generate_world(tmp_path / "full", seed=3, users=6, notes=4, photos=True)
    assert small.read_bytes() == full.read_bytes()
    for note in of_type(load(full), "note"):
        for relative in note["images"]:
            with Image.open(full.parent / relative) as image:
                assert 900 <= max(image.size) <= 1200
    with Image.open(full.parent / "images/avatar_demo.jpg") as avatar:
        assert avatar.size == (256, 256)


def test_more_users_than_personas_get_unique_valid_names(tmp_path):
    records = load(generate_world(tmp_path, users=130, notes=20, photos=False))
    names = [u["username"] for u in of_type(records, "user")]
    assert len(names) == 130 and len({n.lower() for n in names}) == 130
    assert all(USERNAME_RE.match(n) for n in names)


# --- commerce -----------------------------------------------------------------------------------


def test_commerce_products_reviews_and_orders(commerce_world):
    _, records = commerce_world
    products = {p["ref"]: p for p in of_type(records, "product")}
    assert 5 <= len({p["seller"] for p in products.values()}) <= 10
    for product in products.values():
        assert product["currency"] == "CNY" and product["price_cents"] > 0 and product["stock"] >= 0
        assert 0 <= product["commission_bps"] <= 1500
        assert ("group_price_cents" in product) == ("group_size" in product)
        if "group_size" in product:
            assert product["group_size"] >= 2 and 0 < product["group_price_cents"] < product["price_cents"]
    assert any("group_size" in p for p in products.values())

    notes = of_type(records, "note")
    reviews = [n for n in notes if n["product"]]
    assert 0.2 <= len(reviews) / len(notes) <= 0.4
    assert all((n["product"] is None) == (n["rating"] is None) for n in notes)
    assert all(1 <= n["rating"] <= 5 for n in reviews)
    assert all(products[n["product"]]["seller"] != n["author"] for n in reviews)
    for review in reviews:  # the review names the product, in the reviewer's own script
        idea = next(i for i in PRODUCTS if products[review["product"]]["name"] in i.names.values())
        assert any(name in review["body"] for name in idea.names.values())

    orders = of_type(records, "order")
    statuses = Counter(o["status"] for o in orders)
    assert set(statuses) <= {"paid", "completed", "refunded"}
    assert statuses["completed"] > 0.7 * len(orders) and statuses["refunded"] > 0
    assert all(o["referrer"] is None and o["quantity"] >= 1 for o in orders)
    assert all(o["buyer"] != products[o["product"]]["seller"] for o in orders)
    bought = {(o["buyer"], o["product"]) for o in orders if o["status"] == "completed"}
    verified = [n for n in reviews if (n["author"], n["product"]) in bought]
    assert len(verified) >= 0.3 * len(reviews)
    assert any(o["note"] for o in orders) and any(o["note"] is None for o in orders)


def test_products_have_one_to_four_square_photos(small):
    path, records = small
    for product in of_type(records, "product"):
        assert 1 <= len(product["images"]) <= 4
        assert product["images"] == [f"images/product_{product['ref']}_{i}.jpg"
                                     for i in range(1, len(product["images"]) + 1)]
        for relative in product["images"]:
            with Image.open(path.parent / relative) as image:
                assert image.format == "JPEG" and image.size == (120, 120)


def test_commerce_world_is_written_in_the_sellers_voice(commerce_world):
    _, records = commerce_world
    locale = {u["username"]: u["locale"] for u in of_type(records, "user")}
    for product in of_type(records, "product"):
        text = product["name"] + product["description"]
        if locale[product["seller"]] == "zh_Hans":
            assert not TRADITIONAL_ONLY & set(text)
        elif locale[product["seller"]] == "zh_Hant":
            assert not SIMPLIFIED_ONLY & set(text)


def test_default_reference_date_is_fixed(default_world):
    _, records = default_world
    start, end = "2026-09-02T00:00:00Z", "2026-11-01T00:00:00Z"  # the 60 days before REFERENCE_NOW
    assert all(start <= r["created_at"] < end for r in records)
