"""Follows, likes, collects, boards, comments and notifications through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.notes.models import Note
from app.social.models import Follow, Notification

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(make_user, make_note):
    make_user("author", display_name="作者")
    make_user("reader", display_name="讀者")
    make_user("third")
    return {"note": make_note("author", title="好吃的拉麵")}


def counts(app, note_id):
    with app.app_context():
        note = db.session.get(Note, note_id)
        return note.like_count, note.collect_count, note.comment_count


def kinds(app, username):
    from app.accounts.service import find_user

    with app.app_context():
        user = find_user(db.session, username)
        return sorted(db.session.scalars(select(Notification.kind).where(Notification.recipient_id == user.id)))


def test_follow_is_idempotent_and_not_for_yourself(client, app, world, auth):
    auth.login("reader")
    for _ in range(2):
        assert client.post("/u/author/follow").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
    profile = client.get("/u/author").get_data(as_text=True)
    assert '<strong>1</strong>' in profile.split('data-testid="followers-count"')[1][:60]
    assert client.post("/u/reader/follow").status_code == 400
    response = client.post("/u/author/unfollow", headers=JSON)
    assert response.get_json() == {"following": False, "followers": 0}
    assert kinds(app, "author") == ["follow"]  # one notification, however often the button is pressed


def test_followers_and_following_lists(client, world, auth):
    auth.login("reader")
    client.post("/u/author/follow")
    assert "讀者" in client.get("/u/author/followers").get_data(as_text=True)
    assert "作者" in client.get("/u/reader/following").get_data(as_text=True)


def test_like_and_collect_answer_json_for_the_script(client, app, world, auth):
    note = world["note"]
    auth.login("reader")
    assert client.post(f"/notes/{note}/like", headers=JSON).get_json() == {"liked": True, "like_count": 1}
    assert client.post(f"/notes/{note}/like", headers=JSON).get_json() == {"liked": True, "like_count": 1}
    assert client.post(f"/notes/{note}/collect", headers=JSON).get_json() == {"collected": True, "collect_count": 1}
    assert counts(app, note)[:2] == (1, 1)
    assert client.post(f"/notes/{note}/unlike", headers=JSON).get_json() == {"liked": False, "like_count": 0}
    assert client.post(f"/notes/{note}/unlike", headers=JSON).get_json() == {"liked": False, "like_count": 0}
    assert client.post(f"/notes/{note}/uncollect").status_code == 302  # without JavaScript: back to the page
    assert counts(app, note)[:2] == (0, 0)


def test_collect_into_a_named_board(client, world, auth):
    note = world["note"]
    auth.login("reader")
    client.post(f"/notes/{note}/collect", data={"new_board": "想吃的店"})
    boards = client.get("/u/reader?tab=boards").get_data(as_text=True)
    assert "想吃的店" in boards
    collections = client.get("/u/reader?tab=collections").get_data(as_text=True)
    assert "好吃的拉麵" in collections


def test_comments_replies_and_deletion_rights(client, app, world, auth, make_user):
    note = world["note"]
    auth.login("reader")
    client.post(f"/notes/{note}/comments", data={"body": "看起來好好吃！@third 一起去"})
    page = client.get(f"/notes/{note}").get_data(as_text=True)
    assert "看起來好好吃" in page
    from app.social.models import Comment

    with app.app_context():
        first = db.session.scalars(select(Comment)).one().id
    auth.logout()
    auth.login("author")
    client.post(f"/notes/{note}/comments", data={"body": "謝謝！", "parent_id": first})
    auth.logout()
    auth.login("third")
    with app.app_context():
        reply = db.session.scalars(select(Comment).where(Comment.parent_id == first)).one().id
    # A reply to a reply joins the same thread.
    client.post(f"/notes/{note}/comments", data={"body": "我也要", "parent_id": reply})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id == first)) == 2
    assert client.post(f"/comments/{first}/delete").status_code == 403  # not yours, not your note
    assert counts(app, note)[2] == 3
    assert kinds(app, "author") == ["comment", "comment"]  # not for their own reply
    assert kinds(app, "reader") == ["reply", "reply"]
    assert kinds(app, "third") == ["mention"]
    auth.logout()
    auth.login("author")  # the note's author may delete any comment on it; replies go too
    assert client.post(f"/comments/{first}/delete").status_code == 302
    assert counts(app, note)[2] == 0
    # Notifications about deleted comments go with them.
    assert kinds(app, "author") == kinds(app, "reader") == kinds(app, "third") == []


@pytest.mark.parametrize("body", ["", "   ", "字" * 501])
def test_bad_comments_are_refused(client, app, world, auth, body):
    auth.login("reader")
    client.post(f"/notes/{world['note']}/comments", data={"body": body})
    assert counts(app, world["note"])[2] == 0


def test_notifications_badge_list_and_mark_read(client, app, world, auth, make_note):
    note = world["note"]
    auth.login("reader")
    client.post("/u/author/follow")
    client.post(f"/notes/{note}/like")
    client.post(f"/notes/{note}/collect")
    client.post(f"/notes/{note}/comments", data={"body": "讚"})
    make_note("reader", title="提到你", body="推薦 @author 的店")
    auth.logout()
    auth.login("author")
    home = client.get("/discover").get_data(as_text=True)
    assert 'data-testid="unread-badge">5<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('data-testid="notification"') == 5
    for kind in ("follow", "like", "collect", "comment", "mention"):
        assert f'data-kind="{kind}"' in page
    assert "讀者" in page
    client.post("/notifications/read")
    assert "unread-badge" not in client.get("/discover").get_data(as_text=True)
