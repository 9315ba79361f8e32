"""Regressions from code review: every one of these was a 500, a drifting counter or a
permission hole before it was fixed."""

from __future__ import annotations

import base64
import json
import threading

import pytest
from sqlalchemy import func, select

from app.db import db
from app.notes.models import Note
from app.social.models import Board, Collect, Comment, Like

HUGE = 10**30


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
def people(app, make_user, make_note, api_token):
    make_user("alice")
    make_user("bobby")
    make_user("admin_user")
    from app.accounts.service import make_admin

    with app.app_context():
        make_admin(db.session, "admin_user")
    return {"note": make_note("alice", title="公開筆記"), "draft": make_note("alice", draft=True, images=0),
            "alice": api_token("alice"), "bobby": api_token("bobby"), "admin": api_token("admin_user")}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_deleting_a_comment_twice_does_not_drift_the_count(app, client, people):
    note = people["note"]
    for body in ("一", "二"):
        client.post(f"/api/v1/notes/{note}/comments", json={"body": body}, headers=bearer(people["bobby"]))
    with app.app_context():
        first = db.session.scalars(select(Comment.id).order_by(Comment.id)).first()
    statuses, barrier = [], threading.Barrier(4)

    def delete():
        barrier.wait()
        response = app.test_client().delete(f"/api/v1/comments/{first}", headers=bearer(people["bobby"]))
        statuses.append(response.status_code)

    threads = [threading.Thread(target=delete) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 204 in statuses and set(statuses) <= {204, 404}
    with app.app_context():
        assert db.session.get(Note, note).comment_count == 1 == db.session.scalar(
            select(func.count()).select_from(Comment))


@pytest.mark.parametrize("values", [[1, 2], ["2026-01-01T00:00:00", 1], [HUGE, 1], ["x"], [], {"a": 1},
                                    ["2026-01-01T00:00:00+00:00", HUGE], ["2026-01-01T00:00:00+00:00", True]])
def test_malformed_cursors_are_400_everywhere(client, people, values):
    token = cursor(values)
    for url in (f"/api/v1/feed?cursor={token}", f"/api/v1/users/alice/followers?cursor={token}",
                f"/discover?cursor={token}", f"/u/alice/followers?cursor={token}"):
        assert client.get(url).status_code == 400, url
    assert client.get(f"/api/v1/notifications?cursor={token}", headers=bearer(people["bobby"])).status_code == 400


def test_huge_ids_are_clean_errors(client, auth, people):
    for url in (f"/notes/{HUGE}", f"/api/v1/notes/{HUGE}", f"/api/v1/notes/{HUGE}/comments"):
        assert client.get(url).status_code == 404, url
    headers = bearer(people["bobby"])
    note = people["note"]
    assert client.post(f"/api/v1/notes/{note}/comments", json={"body": "x", "parent_id": HUGE},
                       headers=headers).status_code == 400
    assert client.post(f"/api/v1/notes/{note}/collect", json={"board_id": HUGE}, headers=headers).status_code == 400
    assert client.post("/api/v1/notifications/read", json={"up_to": HUGE}, headers=headers).status_code == 400
    assert client.get(f"/api/v1/users/alice/collections?board={HUGE}").status_code == 400
    auth.login("bobby")
    assert client.post(f"/notes/{note}/collect", data={"board_id": str(HUGE)}).status_code == 400
    assert client.get(f"/u/alice?tab=collections&board={HUGE}").status_code == 400
    assert client.get("/u/alice?tab=collections&board=abc").status_code == 400


@pytest.mark.parametrize("payload", [{"title": 5}, {"body": ["x"]}, {"tags": 7}, {"title": None, "body": {}}])
def test_patch_with_wrong_types_is_400(client, people, payload):
    response = client.patch(f"/api/v1/notes/{people['note']}", json=payload, headers=bearer(people["alice"]))
    assert response.status_code == 400


def test_nobody_reacts_to_drafts_or_hidden_notes(app, client, people):
    draft = people["draft"]
    for who in ("alice", "admin"):  # not the author, not an admin
        assert client.post(f"/api/v1/notes/{draft}/like", headers=bearer(people[who])).status_code == 404
        assert client.post(f"/api/v1/notes/{draft}/comments", json={"body": "x"},
                           headers=bearer(people[who])).status_code == 404
    # A report must not reveal that someone's draft exists.
    report = client.post("/api/v1/reports", json={"target_type": "note", "target_id": draft, "reason": "spam"},
                         headers=bearer(people["bobby"]))
    assert report.status_code == 404
    hide = client.post("/api/v1/admin/hide", json={"target_type": "note", "target_id": people["note"],
                                                   "reason": "x"}, headers=bearer(people["admin"]))
    assert hide.status_code == 204
    assert client.post(f"/api/v1/notes/{people['note']}/like", headers=bearer(people["admin"])).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Like)) == 0


def test_suspended_users_are_gone_from_html_follow_routes(app, client, auth, people):
    client.post("/api/v1/admin/users/alice/suspend", json={"reason": "x"}, headers=bearer(people["admin"]))
    auth.login("bobby")
    assert client.get("/u/alice/followers").status_code == 404
    assert client.post("/u/alice/follow").status_code == 404


def test_collect_into_a_new_board_is_one_step(app, client, auth, people):
    auth.login("bobby")
    assert client.post(f"/notes/{people['note']}/collect", data={"new_board": "x" * 41}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Board)) == 0
        assert db.session.scalar(select(func.count()).select_from(Collect)) == 0
