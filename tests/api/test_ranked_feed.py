"""Ranked feeds through the real database, importer, API, CLI and pages: a small community with
a lockstep ring that brushes its own product, imported in the portable format."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db import db
from tests.conftest import image_bytes, require

NOW = datetime.now(UTC)
HONEST = [f"honest{i}" for i in range(10)]
RING = [f"ring{i}" for i in range(8)]


def stamp(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def community(tmp_path) -> list[dict]:
    (tmp_path / "photo.jpg").write_bytes(image_bytes())
    records = [{"type": "user", "username": name, "display_name": name, "created_at": stamp(timedelta(days=200))}
               for name in ["shopkeeper", "writer", *HONEST]]
    records += [{"type": "user", "username": name, "display_name": name, "created_at": stamp(timedelta(days=5))}
                for name in RING]
    for i, name in enumerate(HONEST):
        for other in (HONEST[(i + 1) % 10], HONEST[(i + 3) % 10], "writer"):
            records.append({"type": "follow", "follower": name, "followee": other})
    for a in RING:
        records += [{"type": "follow", "follower": a, "followee": b} for b in RING if a != b]
    records += [
        {"type": "product", "ref": "tent", "seller": "shopkeeper", "name": "輕量帳篷", "price_cents": 29900,
         "stock": 50},
        {"type": "product", "ref": "shill", "seller": "ring0", "name": "神奇面霜", "price_cents": 100, "stock": 999},
    ]
    records += [{"type": "order", "ref": f"tent{i}", "buyer": name, "product": "tent", "quantity": 1,
                 "created_at": stamp(timedelta(days=30))} for i, name in enumerate(HONEST + ["writer"])]

    def note(ref, author, title, hours, product=None):
        return {"type": "note", "ref": ref, "author": author, "title": title, "body": "心得分享",
                "images": ["photo.jpg"], "product": product, "rating": 5 if product else None,
                "created_at": stamp(timedelta(hours=hours))}

    records.append(note("good", "writer", "輕量帳篷開箱", 3, product="tent"))
    records.append(note("plain", HONEST[1], "週末野餐", 2))
    records += [note(f"shill{i}", name, f"面霜太神了{i}", 1, product="shill") for i, name in enumerate(RING[:3])]
    records += [{"type": "order", "ref": f"brush{i}{j}", "buyer": name, "product": "shill", "quantity": 1,
                 "note": f"shill{j}", "created_at": stamp(timedelta(minutes=50))}
                for i, name in enumerate(RING[1:]) for j in range(3)]
    records += [{"type": "like", "user": name, "note": "good", "created_at": stamp(timedelta(hours=2))}
                for name in HONEST[:4]]
    for j in range(3):  # the ring likes its notes together, within minutes
        records += [{"type": "like", "user": name, "note": f"shill{j}",
                     "created_at": stamp(timedelta(minutes=40 - i))} for i, name in enumerate(RING)]
    return records


@pytest.fixture
def world(app, tmp_path):
    from app.data.service import import_file

    path = tmp_path / "world.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in community(tmp_path)) + "\n")
    with app.app_context():
        import_file(db.session, path)  # the after-import hook recomputes trust
    return path


def feed(client, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/api/v1/feed", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_discover_ranks_trusted_engagement_over_a_brushing_ring(client, world):
    items = feed(client, kind="discover", limit=10)["items"]
    titles = [item["title"] for item in items]
    assert titles[0] == "輕量帳篷開箱"  # 4 trusted likes beat 7 lockstep likes each
    assert all(titles.index("輕量帳篷開箱") < titles.index(t) for t in titles if t.startswith("面霜"))
    top = items[0]
    assert isinstance(top["score"], float)
    codes = {w["code"] for w in top["why"]}
    assert {"author_bought", "trusted_likers"} <= codes
    assert all(w["text"] for w in top["why"])
    shills = [item for item in items if item["title"].startswith("面霜")]
    assert len(shills) == 3
    # Verified purchases on paper (brushed), yet nothing in the reasons vouches for them.
    assert sum(item["verified_purchase"] for item in shills) == 2
    for item in shills:
        assert not {"author_bought", "trusted_likers", "verified_likers"} & {w["code"] for w in item["why"]}
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)


def test_naive_like_count_would_have_put_the_ring_first(app, world):
    from app.notes.models import Note

    with app.app_context():
        by_likes = db.session.scalars(select(Note.title).order_by(Note.like_count.desc(), Note.id)).all()
    assert by_likes[0].startswith("面霜")  # the trap is real in this world


def test_reasons_speak_the_readers_language(client, world):
    items = client.get("/api/v1/feed?kind=discover&limit=3", headers={"Accept-Language": "en"}).get_json()["items"]
    zh = client.get("/api/v1/feed?kind=discover&limit=3", headers={"Accept-Language": "zh-TW"}).get_json()["items"]
    assert [w["code"] for w in zh[0]["why"]] == [w["code"] for w in items[0]["why"]]
    assert zh[0]["why"][0]["text"] != items[0]["why"][0]["text"]


def test_home_ranks_followed_authors_with_affinity_and_says_so(client, world):
    token = _token_for(client, "honest0")
    items = feed(client, token, kind="following", limit=20)["items"]
    authors = {item["author"]["username"] for item in items}
    assert authors <= {"writer", HONEST[1], HONEST[3]}
    good = next(item for item in items if item["title"] == "輕量帳篷開箱")
    codes = [w["code"] for w in good["why"]]
    assert "affinity" in codes  # honest0 liked the writer's note
    plain = next(item for item in items if item["title"] == "週末野餐")
    assert "following" in [w["code"] for w in plain["why"]]
    assert any(w["code"] == "followees_liked" for w in good["why"])  # honest1 and honest3 liked it


def _token_for(client, username):
    from app.accounts import service
    from app.accounts.models import User

    with client.application.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return service.issue_token(db.session, user, name="test")


def test_cursor_pages_neither_repeat_nor_skip_while_scores_change(app, client, world, make_note, make_user):
    first = feed(client, kind="discover", limit=2)
    seen = [item["id"] for item in first["items"]]
    # Meanwhile: new likes, a new note, a trust recompute and a fresh snapshot for others.
    make_user("latecomer")
    make_note("latecomer", title="新來的筆記")
    with app.app_context():
        from app.trust import service as trust

        trust.recompute(db.session)
    feed(client, kind="discover", limit=2)
    cursor = first["next_cursor"]
    while cursor:
        page = feed(client, kind="discover", limit=2, cursor=cursor)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5  # the five notes public when the first page was served


def test_hidden_notes_drop_out_of_an_open_snapshot(app, client, world):
    from app.notes.models import Note

    first = feed(client, kind="discover", limit=1)
    with app.app_context():
        victim = db.session.scalar(select(Note).where(Note.title == "週末野餐"))
        victim.hidden_at, victim.hidden_reason = NOW, "test"
        db.session.commit()
    titles, cursor = [], first["next_cursor"]
    while cursor:
        page = feed(client, kind="discover", limit=10, cursor=cursor)
        titles += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert "週末野餐" not in titles and len(titles) == 3


@pytest.mark.parametrize("cursor", ["bm9wZQ", "WzEsMl0", "Wzk5OTksMF0"])
def test_bad_or_expired_cursors_are_a_clear_400(client, world, cursor):
    response = client.get("/api/v1/feed", query_string={"kind": "discover", "cursor": cursor})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_cursor_of_another_readers_home_is_refused(client, world):
    a = feed(client, _token_for(client, "honest0"), kind="following", limit=1)
    response = client.get("/api/v1/feed", query_string={"kind": "following", "cursor": a["next_cursor"]},
                          headers={"Authorization": f"Bearer {_token_for(client, 'honest5')}"})
    assert response.status_code == 400


def test_feed_show_cli_prints_the_api_items(runner, world):
    result = runner.invoke(args=["feed", "show", "honest0", "--kind", "following", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)["items"]
    assert [item["author"]["username"] for item in items] == ["writer", HONEST[1]]
    result = runner.invoke(args=["feed", "show", "honest0", "--limit", "3", "--json"])
    items = json.loads(result.output)["items"]
    assert len(items) == 3
    assert {"score", "why"} <= items[0].keys() and items[0]["author"]["username"]
    text = runner.invoke(args=["feed", "show", "honest0"])
    assert text.exit_code == 0 and "輕量帳篷開箱" in text.output
    missing = runner.invoke(args=["feed", "show", "nobody"])
    assert missing.exit_code == 1 and "nobody" in missing.output
    bad = runner.invoke(args=["feed", "show", "honest0", "--limit", "0"])
    assert bad.exit_code == 2


def test_trust_cli_recompute_and_show(runner, world, app):
    result = runner.invoke(args=["trust", "recompute"])
    assert result.exit_code == 0, result.output
    assert "accounts flagged for lockstep" in result.output
    assert " 8 accounts flagged" in result.output  # the whole ring
    shown = runner.invoke(args=["trust", "show", "writer"])
    assert shown.exit_code == 0, shown.output
    assert "Main contributions" in shown.output and "follow" in shown.output and "honest" in shown.output
    ring = runner.invoke(args=["trust", "show", "RING1"])
    assert ring.exit_code == 0 and "Flagged" in ring.output
    assert runner.invoke(args=["trust", "show", "nobody"]).exit_code == 1
    with app.app_context():
        from app.trust import service

        assert service.claim(db.session)  # another recompute holds the lease
        busy = runner.invoke(args=["trust", "recompute"])
        service.release(db.session)
    assert busy.exit_code == 1 and "Another trust recompute" in busy.output


def test_background_recompute_after_enough_new_evidence(app, client, world, make_user, auth, monkeypatch):
    from app.jobs import wait_idle
    from app.trust import Scheduler, service
    from app.trust.models import TrustState

    with app.app_context():
        before = db.session.get(TrustState, 1).computed_at
    monkeypatch.setitem(app.config, "TRUST_RECOMPUTE_EVIDENCE", 1)
    monkeypatch.setitem(app.config, "TRUST_CHECK_SECONDS", 0)
    scheduler = Scheduler(app)
    with app.app_context():
        assert not service.is_stale(db.session, timedelta(hours=1), 1)
    make_user("fan")
    auth.login("fan")
    client.post("/u/writer/follow")
    scheduler.poke()
    assert wait_idle(app, 30)  # the recompute job runs on the in-process fallback (no Redis in tests)
    with app.app_context():
        state = db.session.get(TrustState, 1)
        assert state.computed_at > before and state.running_since is None
        assert not service.is_stale(db.session, timedelta(hours=1), 1)


def test_note_page_and_cards_explain_themselves(client, world):
    html = client.get("/discover").get_data(as_text=True)
    assert 'data-testid="why-menu"' in html and 'data-why="trusted_likers"' in html
    note_id = feed(client, kind="discover", limit=1)["items"][0]["id"]
    page = client.get(f"/notes/{note_id}").get_data(as_text=True)
    assert 'data-testid="why-note"' in page and 'data-why="author_bought"' in page


def test_feed_items_match_the_openapi_document(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    ranked = schemas["RankedNoteSummary"]["allOf"]
    required = set(schemas["NoteSummary"]["required"]) | set(ranked[1]["required"])
    codes = set(schemas["Reason"]["properties"]["code"]["enum"])
    for item in feed(client, kind="discover", limit=10)["items"]:
        assert required <= item.keys()
        assert {w["code"] for w in item["why"]} <= codes
    assert "RankedNotePage" in json.dumps(spec["paths"]["/api/v1/feed"])


def test_home_snapshot_is_reused_until_the_reader_follows_or_unfollows(app, client, world, monkeypatch):
    from app.accounts.models import User
    from app.feed.models import FeedSnapshot
    from app.social import service as social

    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)
    token = _token_for(client, "honest0")

    def home_snapshots():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(FeedSnapshot)
                                     .where(FeedSnapshot.kind == "following"))

    first = feed(client, token, kind="following")
    feed(client, token, kind="following")
    assert home_snapshots() == 1  # page 1 again within a minute: the same ranking
    with app.app_context():
        reader, ring0 = (db.session.scalar(select(User).where(User.username == n)) for n in ("honest0", "ring0"))
        social.follow(db.session, reader, ring0)
    after_follow = feed(client, token, kind="following")
    assert "面霜太神了0" in [item["title"] for item in after_follow["items"]]
    with app.app_context():
        reader, ring0 = (db.session.scalar(select(User).where(User.username == n)) for n in ("honest0", "ring0"))
        social.unfollow(db.session, reader, ring0)
    assert "面霜太神了0" not in [item["title"] for item in feed(client, token, kind="following")["items"]]
    assert first["items"] and home_snapshots() == 1


def test_old_notes_still_fill_a_quiet_community(app, client, world):
    from app.notes.models import Note

    with app.app_context():
        for note in db.session.scalars(select(Note)):
            note.published_at = NOW - timedelta(days=60)
        db.session.commit()
    assert len(feed(client, kind="discover")["items"]) == 5


# ---- the page cache (app/cache.py): cached cards, per-request visibility and viewer state ----

def _cached_pages(app) -> int:
    from app.cache import cache

    with app.app_context():
        store = cache()
        return sum(key.startswith("feed:page:") for key in store._entries)


@pytest.fixture
def empty_cache(app):
    """The app (and its in-process cache) lives for the whole session: start from an empty one."""
    from app.cache import cache

    with app.app_context():
        cache().clear()


@pytest.mark.parametrize("redis", [False, True])
def test_a_cached_page_drops_a_note_a_moderator_hides_or_its_author_deletes(app, client, world, make_user,
                                                                           monkeypatch, redis, empty_cache):
    from app.accounts.models import User
    from app.moderation import service as moderation
    from app.notes.models import Note

    if redis:
        from tests.unit.test_cache import REDIS_URL, redis_up

        require(redis_up(), "Redis at 127.0.0.1:6379 is not running")
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)  # page 1 keeps its snapshot, so its cache
    make_user("moderator")
    before = [item["title"] for item in feed(client, kind="discover", limit=10)["items"]]
    assert redis or _cached_pages(app) == 1
    assert "週末野餐" in before and "面霜太神了0" in before
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "moderator"))
        admin.is_admin = True
        db.session.commit()
        victim = db.session.scalar(select(Note).where(Note.title == "週末野餐"))
        moderation.hide(db.session, admin, "note", victim.id, "test")
        shill = db.session.scalar(select(Note.id).where(Note.title == "面霜太神了0"))
    author = {"Authorization": f"Bearer {_token_for(client, 'ring0')}"}
    deleted = client.delete(f"/api/v1/notes/{shill}", headers=author)
    assert deleted.status_code == 204
    after = feed(client, kind="discover", limit=10)
    assert [t for t in before if t not in ("週末野餐", "面霜太神了0")] == [i["title"] for i in after["items"]]
    assert redis or _cached_pages(app) == 1  # the same cached page, filtered
    # The author still sees their own hidden note, with the same cached cards.
    own = feed(client, _token_for(client, HONEST[1]), kind="discover", limit=10)
    assert "週末野餐" in [item["title"] for item in own["items"]]


def test_two_viewers_never_see_each_others_likes_on_a_cached_page(app, client, world, monkeypatch, empty_cache):
    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)
    fan, other = _token_for(client, "honest0"), _token_for(client, "honest5")
    target = feed(client, kind="discover", limit=10)["items"][1]
    response = client.post(f"/api/v1/notes/{target['id']}/like", headers={"Authorization": f"Bearer {fan}"})
    assert response.status_code in (200, 201), response.get_json()

    def state(token=None):
        item = next(i for i in feed(client, token, kind="discover", limit=10)["items"] if i["id"] == target["id"])
        return item["liked"], item["like_count"]

    likes = target["like_count"] + 1
    assert state(fan) == (True, likes)
    assert state(other) == (False, likes)  # same snapshot and cached page, the other reader's own state
    assert state() == (False, likes)
    assert state(fan) == (True, likes)
    assert _cached_pages(app) == 1


def test_an_edited_title_replaces_the_cached_card(app, client, world, monkeypatch):
    from app.db import utcnow
    from app.notes.models import Note

    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)
    assert "週末野餐" in [item["title"] for item in feed(client, kind="discover", limit=10)["items"]]
    with app.app_context():
        note = db.session.scalar(select(Note).where(Note.title == "週末野餐"))
        note.title, note.updated_at = "週末野餐（更新）", utcnow()
        db.session.commit()
    assert "週末野餐（更新）" in [item["title"] for item in feed(client, kind="discover", limit=10)["items"]]


# ---- Home candidates from per-author lists cached across readers (app/feed/candidates.py) ----

def _home_candidates(app, username) -> list[tuple]:
    from app.accounts.models import User
    from app.feed import candidates, service

    with app.app_context():
        reader = db.session.scalar(select(User).where(User.username == username))
        found = candidates.home(db.session, reader, service.settings())
        return sorted((c.note_id, c.author_id, round(c.age_hours, 3), c.engagement, c.author_trust, c.author_bought,
                       c.trusted_likers, c.verified_likers, c.affinity, c.new_creator, c.author_flagged)
                      for c in found)


@pytest.mark.parametrize("redis", [False, True])
def test_cached_author_lists_give_home_exactly_what_the_database_does(app, world, monkeypatch, count_queries,
                                                                      redis):
    if redis:
        from tests.unit.test_cache import REDIS_URL, redis_up

        require(redis_up(), "Redis at 127.0.0.1:6379 is not running")
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    uncached = {name: _home_candidates(app, name) for name in ("honest0", "honest1", "ring1")}  # the cache is off
    assert uncached["honest0"] and uncached["ring1"]
    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)
    assert _home_candidates(app, "honest0") == uncached["honest0"]  # fills the cache with honest0's people
    count_queries.statements.clear()
    # honest1 follows honest2, honest4 and the writer; honest0 follows honest1, honest3 and the writer: the
    # writer's list comes from the cache, the other two from one query.
    assert _home_candidates(app, "honest1") == uncached["honest1"]
    lists = [s for s in count_queries.statements if "LIMIT" in s and "notes_1" in s]
    assert len(lists) == 1, count_queries.statements
    count_queries.statements.clear()
    assert _home_candidates(app, "honest0") == uncached["honest0"]  # everyone cached now
    assert not [s for s in count_queries.statements if "notes_1" in s]
    assert _home_candidates(app, "ring1") == uncached["ring1"]


def test_a_cached_author_list_too_short_for_a_reader_is_read_again(app, world, make_note, monkeypatch):
    from app.accounts.models import User
    from app.feed import candidates, service

    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)
    for i in range(4):
        make_note("writer", title=f"露營筆記{i}")
    with app.app_context():
        writer = db.session.scalar(select(User.id).where(User.username == "writer"))
        config = service.settings()
        since = NOW - config["max_age"]
        two = candidates.author_lists(db.session, [writer], 2, since, config)[writer]
        assert len(two["notes"]) == 2
        four = candidates.author_lists(db.session, [writer], 4, since, config)[writer]  # 2 cached: not enough
        assert len(four["notes"]) == 4 and four["notes"][:2] == two["notes"]
        again = candidates.author_lists(db.session, [writer], 3, since, config)[writer]  # 4 cached serve 3
        assert again == four
        all_of_them = candidates.author_lists(db.session, [writer], 10, since, config)[writer]
        assert len(all_of_them["notes"]) == 5  # the writer has 5 in all: a list shorter than asked is complete
        assert candidates.author_lists(db.session, [writer], 50, since, config)[writer] == all_of_them


def test_a_suspended_authors_notes_leave_home_even_from_a_cached_list(app, client, world, monkeypatch):
    from app.accounts.models import User

    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)
    token = _token_for(client, "honest0")
    assert "輕量帳篷開箱" in [item["title"] for item in feed(client, token, kind="following")["items"]]
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "writer")).suspended_at = NOW
        db.session.commit()
    assert "輕量帳篷開箱" not in [item["title"] for item in feed(client, token, kind="following")["items"]]
    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 0)  # a fresh ranking leaves them out too
    assert "輕量帳篷開箱" not in [item["title"] for item in feed(client, token, kind="following")["items"]]


def test_hidden_notes_take_no_place_in_an_authors_list(app, world, make_note, monkeypatch):
    from app.accounts.models import User
    from app.feed import candidates, service
    from app.notes.models import Note

    monkeypatch.setitem(app.config, "FEED_SNAPSHOT_SECONDS", 60)
    newest = [make_note("writer", title=f"山屋筆記{i}") for i in range(3)][-1]
    with app.app_context():
        db.session.get(Note, newest).hidden_at = NOW
        db.session.commit()
        writer = db.session.scalar(select(User.id).where(User.username == "writer"))
        config = service.settings()
        three = candidates.author_lists(db.session, [writer], 3, NOW - config["max_age"], config)[writer]
        assert len(three["notes"]) == 3 and newest not in [note[0] for note in three["notes"]]
