"""The notes and social API: the same capabilities as the pages, as JSON."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import media_files, upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "images"


@pytest.fixture
def tokens(make_user, api_token):
    make_user("creator_api", display_name="創作者")
    make_user("reader_api", display_name="讀者")
    return {"creator": api_token("creator_api"), "reader": api_token("reader_api")}


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def post_note(client, token, images=None, **fields):
    data = {"title": "iPhone15 開箱", "body": "手感很好 #數碼", "tags": "開箱,apple", **fields,
            "images": images if images is not None else [upload("a.jpg", size=(400, 300))]}
    return client.post("/api/v1/notes", data=data, headers=auth(token), content_type="multipart/form-data")


def test_create_note_returns_the_contract_shape(client, tokens):
    response = post_note(client, tokens["creator"])
    assert response.status_code == 201
    note = response.get_json()
    assert {"id", "title", "body", "tags", "images", "author"} <= set(note)
    assert note["title"] == "iPhone15 開箱"
    assert sorted(note["tags"]) == ["apple", "數碼", "開箱"]
    assert note["images"][0]["width"] == 400 and note["images"][0]["height"] == 300
    assert note["images"][0]["url"].startswith("/media/")
    assert note["author"] == {"username": "creator_api", "display_name": "創作者", "avatar_url": None}
    with client.get(note["images"][0]["url"]) as image:
        assert image.status_code == 200 and image.headers["X-Content-Type-Options"] == "nosniff"


def test_hostile_uploads_are_json_400s_that_leave_nothing(client, app, tokens):
    for name in ("bomb.png", "html_renamed.jpg", "jpeg_with_html.jpg", "empty.jpg"):
        bad = (io.BytesIO((FIXTURES / name).read_bytes()), name)
        response = post_note(client, tokens["creator"], images=[upload(), bad])
        if name == "jpeg_with_html.jpg":
            assert response.status_code == 201  # a real JPEG: re-encoded, the trailing HTML is gone
            continue
        assert response.status_code == 400, name
        assert response.get_json()["error"]["code"].startswith("image_")
    assert len(media_files(app)) == 2 * 2  # only the accepted note's two photos, two sizes each
    for path in media_files(app):
        assert b"<script" not in path.read_bytes()


def test_create_needs_a_token_and_photos(client, tokens):
    assert post_note(client, "zc_wrong").status_code == 401
    response = post_note(client, tokens["creator"], images=[])
    assert response.status_code == 400 and "images" in response.get_json()["error"]["fields"]


def test_get_patch_delete_and_permissions(client, tokens):
    note = post_note(client, tokens["creator"], images=[upload("1.jpg"), upload("2.jpg")]).get_json()
    url = f"/api/v1/notes/{note['id']}"
    assert client.get(url).get_json()["title"] == "iPhone15 開箱"  # anonymous reading is allowed
    assert client.patch(url, json={"title": "改"}, headers=auth(tokens["reader"])).status_code == 403
    first, second = (i["id"] for i in note["images"])
    patched = client.patch(url, json={"title": "iPhone15 一個月心得", "tags": ["心得"], "image_order": [second]},
                           headers=auth(tokens["creator"]))
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["title"] == "iPhone15 一個月心得"
    assert sorted(body["tags"]) == ["心得", "數碼"]  # the #數碼 in the body stays a tag
    assert [i["id"] for i in body["images"]] == [second]
    assert client.patch(url, json={"image_order": [999999]}, headers=auth(tokens["creator"])).status_code == 400
    assert client.patch(url, json={"image_order": "x"}, headers=auth(tokens["creator"])).status_code == 400
    assert client.delete(url, headers=auth(tokens["reader"])).status_code == 403
    assert client.delete(url, headers=auth(tokens["creator"])).status_code == 204
    assert client.get(url).status_code == 404


def test_like_collect_comment_follow_and_notifications(client, tokens):
    note_id = post_note(client, tokens["creator"]).get_json()["id"]
    reader = auth(tokens["reader"])
    assert client.post(f"/api/v1/notes/{note_id}/like", headers=reader).get_json() == {"liked": True, "like_count": 1}
    assert client.post(f"/api/v1/notes/{note_id}/like", headers=reader).get_json()["like_count"] == 1
    assert client.post(f"/api/v1/notes/{note_id}/collect", headers=reader).get_json()["collect_count"] == 1
    comment = client.post(f"/api/v1/notes/{note_id}/comments", json={"body": "求連結"}, headers=reader)
    assert comment.status_code == 201 and comment.get_json()["author"]["username"] == "reader_api"
    reply = client.post(f"/api/v1/notes/{note_id}/comments",
                        json={"body": "私訊你", "parent_id": comment.get_json()["id"]}, headers=auth(tokens["creator"]))
    assert reply.get_json()["parent_id"] == comment.get_json()["id"]
    threads = client.get(f"/api/v1/notes/{note_id}/comments").get_json()
    assert threads["items"][0]["replies"][0]["body"] == "私訊你"
    assert client.post(f"/api/v1/notes/{note_id}/comments", json={"body": 5}, headers=reader).status_code == 400
    follow = client.post("/api/v1/users/creator_api/follow", headers=reader)
    assert follow.get_json() == {"following": True, "followers": 1}
    profile = client.get("/api/v1/users/creator_api", headers=reader).get_json()
    assert profile["followers"] == 1 and profile["is_following"] is True
    assert client.get("/api/v1/users/creator_api/followers").get_json()["items"][0]["username"] == "reader_api"
    assert client.get("/api/v1/users/reader_api/following").get_json()["items"][0]["username"] == "creator_api"
    notes = client.get("/api/v1/users/creator_api/notes").get_json()
    assert [n["id"] for n in notes["items"]] == [note_id]
    inbox = client.get("/api/v1/notifications", headers=auth(tokens["creator"])).get_json()
    assert sorted(n["kind"] for n in inbox["items"]) == ["collect", "comment", "follow", "like"]
    assert inbox["unread"] == 4
    marked = client.post("/api/v1/notifications/read", headers=auth(tokens["creator"])).get_json()
    assert marked == {"marked": 4, "unread": 0}
    assert client.delete(f"/api/v1/notes/{note_id}/like", headers=reader).get_json()["like_count"] == 0


def test_feed_contract(client, tokens):
    note_id = post_note(client, tokens["creator"]).get_json()["id"]
    client.post("/api/v1/users/creator_api/follow", headers=auth(tokens["reader"]))
    for kind in ("discover", "following"):
        page = client.get(f"/api/v1/feed?kind={kind}&limit=5", headers=auth(tokens["reader"])).get_json()
        item = page["items"][0]
        assert {"id", "title", "cover", "author", "like_count"} <= set(item)
        assert item["id"] == note_id and item["author"]["username"] == "creator_api"
        assert item["cover"]["url"].startswith("/media/") and page["next_cursor"] is None
    assert client.get("/api/v1/feed?kind=following").status_code == 401
    assert client.get("/api/v1/feed?kind=sideways").status_code == 400
    assert client.get("/api/v1/feed?cursor=%%%").status_code == 400
    assert client.get("/api/v1/feed?limit=abc").status_code == 200  # falls back to the default size


def test_reports_and_admin_actions(client, app, tokens, make_user):
    from app.accounts.service import make_admin
    from app.db import db

    make_user("api_mod")
    with app.app_context():
        make_admin(db.session, "api_mod")
    mod = auth(client.post("/api/v1/auth/token", json={"username": "api_mod", "password": "correct horse battery"}
                           ).get_json()["token"])
    note_id = post_note(client, tokens["creator"]).get_json()["id"]
    report = client.post("/api/v1/reports", json={"target_type": "note", "target_id": note_id, "reason": "spam"},
                         headers=auth(tokens["reader"]))
    assert report.status_code == 201
    bad = client.post("/api/v1/reports", json={"target_type": "user", "target_id": 1, "reason": "spam"},
                      headers=auth(tokens["reader"]))
    assert bad.status_code == 400
    assert client.get("/api/v1/admin/reports", headers=auth(tokens["reader"])).status_code == 403
    assert len(client.get("/api/v1/admin/reports", headers=mod).get_json()["items"]) == 1
    hide = client.post("/api/v1/admin/hide", json={"target_type": "note", "target_id": note_id, "reason": "廣告"},
                       headers=mod)
    assert hide.status_code == 204
    assert client.get(f"/api/v1/notes/{note_id}").status_code == 404
    own = client.get(f"/api/v1/notes/{note_id}", headers=auth(tokens["creator"])).get_json()
    assert own["hidden_reason"] == "廣告"
    assert client.post("/api/v1/admin/users/creator_api/suspend", json={"reason": "x"}, headers=mod).status_code == 204
    assert client.get("/api/v1/me", headers=auth(tokens["creator"])).status_code == 401
    assert client.get("/api/v1/users/creator_api").status_code == 404
