"""Home and Discover: newest first, cursor pages without gaps, bounded SQL whatever the size."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.db import db
from app.notes.models import Note


def note_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="note-card" data-note-id="(\d+)"', html)]


def spread_in_time(app, ids):
    """Give notes distinct publish times, oldest first, like a real community."""
    with app.app_context():
        base = datetime(2026, 11, 1, tzinfo=UTC)
        for offset, note_id in enumerate(ids):
            moment = base + timedelta(minutes=offset)
            db.session.execute(update(Note).where(Note.id == note_id).values(published_at=moment))
        db.session.commit()


def test_discover_is_newest_first_with_cards(client, app, make_user, make_note):
    make_user("poster")
    ids = [make_note("poster", title=f"筆記{i}") for i in range(3)]
    spread_in_time(app, ids)
    html = client.get("/discover").get_data(as_text=True)
    assert note_ids(html) == list(reversed(ids))
    assert 'width="120" height="160"' in html  # space reserved from the recorded size


def test_root_shows_discover_to_visitors_and_to_users_who_follow_nobody(client, app, make_user, make_note, auth):
    make_user("poster")
    make_user("newbie")
    make_note("poster", title="大家好")
    assert 'data-kind="discover"' in client.get("/").get_data(as_text=True)
    auth.login("newbie")
    assert 'data-kind="discover"' in client.get("/").get_data(as_text=True)
    client.post("/u/poster/follow")
    assert 'data-kind="following"' in client.get("/").get_data(as_text=True)


def test_home_has_only_followed_authors(client, make_user, make_note, auth):
    for name in ("followed", "stranger", "me_user"):
        make_user(name)
    make_note("followed", title="追蹤的人的筆記")
    make_note("stranger", title="陌生人的筆記")
    auth.login("me_user")
    client.post("/u/followed/follow")
    html = client.get("/following").get_data(as_text=True)
    assert "追蹤的人的筆記" in html and "陌生人的筆記" not in html


def test_cursor_pages_have_no_duplicates_or_gaps(client, app, make_user, make_note, monkeypatch):
    monkeypatch.setitem(app.config, "FEED_PAGE_SIZE", 4)
    make_user("prolific")
    ids = [make_note("prolific", title=f"第{i}篇") for i in range(10)]
    spread_in_time(app, ids[:6])  # four notes share one publish time: the id breaks the tie
    seen, url = [], "/discover"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += note_ids(html)
        more = re.search(r'href="([^"]+)"\s+data-next-page', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_partial_page_is_just_cards(client, make_user, make_note):
    make_user("poster")
    make_note("poster")
    html = client.get("/discover?partial=1").get_data(as_text=True)
    assert "<html" not in html and 'data-testid="note-card"' in html


def test_bad_cursor_is_a_clear_400(client):
    assert client.get("/discover?cursor=!!!notacursor").status_code == 400


def test_feed_queries_do_not_grow_with_page_size(client, app, make_user, make_note, auth, count_queries, monkeypatch):
    for name in ("a_poster", "b_poster", "viewer"):
        make_user(name)
    for i in range(24):
        make_note("a_poster" if i % 2 else "b_poster", title=f"n{i}")
    auth.login("viewer")
    client.post("/u/a_poster/follow")
    client.post("/u/b_poster/follow")
    measured = {}
    for size in (3, 24):
        monkeypatch.setitem(app.config, "FEED_PAGE_SIZE", size)
        for path in ("/discover", "/following"):
            count_queries.statements.clear()
            html = client.get(path).get_data(as_text=True)
            assert len(note_ids(html)) == size
            measured[(path, size)] = count_queries.count
    print("feed SQL statements per page:", measured)
    assert measured[("/discover", 3)] == measured[("/discover", 24)] <= 14, measured
    assert measured[("/following", 3)] == measured[("/following", 24)] <= 16, measured
