"""The index under several gunicorn workers: writes from every worker at once, each request
draining the outbox after it commits, one writer at a time. When the burst is over nothing is
left queued and the index matches the database."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from app.accounts.service import issue_token
from app.db import db
from app.search import outbox
from app.search.index import SearchIndex
from app.search.models import SearchOutbox
from tests.servers import concurrently

pytestmark = pytest.mark.slow


def test_writes_from_every_worker_leave_nothing_queued_and_no_drift(app, make_user, make_note, gunicorn_server):
    authors = [make_user(f"author{i}") for i in range(8)]
    readers = [make_user(f"reader{i}") for i in range(8)]
    notes = [make_note(author, title=f"舊標題{i}", body="內容") for i, author in enumerate(authors)]
    with app.app_context():
        tokens = {u.username: issue_token(db.session, u) for u in authors + readers}

    def write(i: int):
        note, author, reader = notes[i % 8], authors[i % 8], readers[i % 8]
        if i < 8:  # every author retitles their note
            return gunicorn_server.request("PATCH", f"/api/v1/notes/{note}", {"title": f"北海道滑雪{i}"},
                                           {"Authorization": f"Bearer {tokens[author.username]}"})
        if i < 24:  # readers like notes (the most-liked order changes)
            target = notes[(i + i // 8) % 8]
            return gunicorn_server.request("POST", f"/api/v1/notes/{target}/like", None,
                                           {"Authorization": f"Bearer {tokens[reader.username]}"})
        return gunicorn_server.request("POST", f"/api/v1/users/{author.username}/follow", None,
                                       {"Authorization": f"Bearer {tokens[reader.username]}"})

    results = concurrently(32, write)
    assert all(status < 300 for status, _h, _b in results), ([r[:1] + r[2:] for r in results],
                                                             gunicorn_server.log_tail())

    index_dir = Path(gunicorn_server.env["SEARCH_INDEX_DIR"])
    # A request that finds the index busy answers at once: the drainer holding the lock (another
    # request, or a background drain job) applies its change, so the queue empties soon after.
    deadline = time.monotonic() + 20
    with app.app_context():
        while (left := db.session.scalar(select(func.count()).select_from(SearchOutbox))) and \
                time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.2)
        assert left == 0, "a committed change was left queued with nobody to drain it"
        assert outbox.verify(db.session, SearchIndex(index_dir), repair=False).total == 0
    query = urlencode({"q": "北海道滑雪", "sort": "liked", "limit": 50})
    status, _headers, body = gunicorn_server.request("GET", f"/api/v1/search?{query}")
    assert status == 200 and sorted(item["id"] for item in body["items"]) == sorted(notes)
    likes = [item["like_count"] for item in body["items"]]
    assert likes == sorted(likes, reverse=True) and sum(likes) == 16
