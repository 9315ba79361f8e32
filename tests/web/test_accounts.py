"""Accounts through the test client: register, log in, profile, password, sessions."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import ApiToken, User
from app.db import db
from tests.conftest import DEFAULT_PASSWORD


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def get_user(app, username):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def jpeg_bytes(size=(64, 48), color=(200, 40, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def test_register_logs_in_and_profile_shows_chinese_display_name(client, app):
    response = client.post(
        "/register", data={"username": "mei_li", "display_name": "美麗日常", "password": "s3cret-pass"}
    )
    assert response.status_code == 302
    page = client.get("/u/mei_li").get_data(as_text=True)
    assert "美麗日常" in page
    assert 'data-testid="edit-profile"' in page  # only the owner sees it, so we are logged in
    user = get_user(app, "mei_li")
    assert user.password_hash.startswith("$argon2id$")
    assert user.locale == "zh_Hant"


@pytest.mark.parametrize("username", ["ab", "a" * 31, "美麗", "has space", "semi;colon", "dash-ed", ""])
def test_register_rejects_bad_usernames(client, app, username):
    response = client.post("/register", data={"username": username, "password": "s3cret-pass"})
    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_register_rejects_short_password_and_duplicate_username_case_insensitively(client, app, make_user):
    assert client.post("/register", data={"username": "shorty", "password": "1234567"}).status_code == 400
    make_user("Taken_Name")
    response = client.post("/register", data={"username": "taken_name", "password": "s3cret-pass"})
    assert response.status_code == 409
    assert user_count(app) == 1


def test_login_wrong_password_then_right(client, make_user, auth):
    make_user("alice")
    response = auth.login("alice", "wrong-password")
    assert response.status_code == 400
    assert client.get("/settings/profile").status_code == 302  # still anonymous
    assert auth.login("ALICE").status_code == 302  # usernames are case-insensitive
    assert client.get("/settings/profile").status_code == 200


def test_remember_me_cookie_flags(client, make_user, auth):
    make_user("bob")
    response = auth.login("bob", remember=True)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("remember_token", "session"):
        assert "HttpOnly" in cookies[name]
        assert "SameSite=Lax" in cookies[name]


def test_logout_is_post_only(client, make_user, auth):
    make_user("carol")
    auth.login("carol")
    assert client.get("/logout").status_code == 405
    assert client.get("/settings/profile").status_code == 200
    auth.logout()
    assert client.get("/settings/profile").status_code == 302


def test_edit_profile_with_avatar(client, app, make_user, auth):
    make_user("dave")
    auth.login("dave")
    response = client.post(
        "/settings/profile",
        data={"display_name": "大衛", "bio": "喜歡露營\n也愛咖啡", "locale": "zh_Hans",
              "avatar": (io.BytesIO(jpeg_bytes()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    user = get_user(app, "dave")
    assert (user.display_name, user.bio, user.locale) == ("大衛", "喜歡露營\n也愛咖啡", "zh_Hans")
    assert user.avatar_key
    with client.get(f"/media/{user.avatar_key}_thumb.webp") as avatar:
        assert avatar.status_code == 200 and avatar.mimetype == "image/webp"


def test_edit_profile_rejects_a_bad_avatar_and_changes_nothing(client, app, make_user, auth, tmp_path):
    make_user("erin", display_name="Erin")
    auth.login("erin")
    response = client.post(
        "/settings/profile",
        data={"display_name": "改了", "bio": "", "locale": "zh_Hant",
              "avatar": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "evil.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    user = get_user(app, "erin")
    assert (user.display_name, user.avatar_key) == ("Erin", None)
    from pathlib import Path

    media = Path(app.config["MEDIA_DIR"])
    assert not media.exists() or not any(media.iterdir())


def test_edit_profile_validates_lengths(client, app, make_user, auth):
    make_user("frank")
    auth.login("frank")
    response = client.post("/settings/profile", data={"display_name": "名" * 41, "bio": "", "locale": "en"})
    assert response.status_code == 400
    assert get_user(app, "frank").display_name == "frank"


def test_change_password_needs_a_fresh_login(client, make_user, auth):
    make_user("gina")
    auth.login("gina", remember=True)
    # Drop the session cookie: the remember cookie logs us back in, but not "fresh".
    client.delete_cookie("session")
    assert client.get("/settings/profile").status_code == 200
    response = client.get("/settings/password")
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]
    client.post("/reauthenticate", data={"password": DEFAULT_PASSWORD})
    assert client.get("/settings/password").status_code == 200


def test_change_password_logs_out_other_sessions_and_revokes_tokens(app, make_user, auth, api_token):
    make_user("hank")
    other = app.test_client()
    other.post("/login", data={"username": "hank", "password": DEFAULT_PASSWORD})
    token = api_token("hank")
    auth.login("hank")
    bad = auth.client.post("/settings/password", data={"current_password": "nope-nope", "new_password": "new-pass-123"})
    assert bad.status_code == 400
    good = auth.client.post(
        "/settings/password", data={"current_password": DEFAULT_PASSWORD, "new_password": "new-pass-123"}
    )
    assert good.status_code == 302
    assert auth.client.get("/settings/profile").status_code == 200  # this device stays in
    assert other.get("/settings/profile").status_code == 302  # the other one is out
    assert other.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 0
    auth.logout()
    assert auth.login("hank", "new-pass-123").status_code == 302


def test_login_rehashes_when_parameters_change(app, client, make_user, auth, monkeypatch):
    make_user("ivy")
    old_hash = get_user(app, "ivy").password_hash
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    assert auth.login("ivy").status_code == 302
    new_hash = get_user(app, "ivy").password_hash
    assert new_hash != old_hash and "t=2" in new_hash


def test_profile_of_unknown_user_is_404(client):
    assert client.get("/u/nobody_here").status_code == 404


def test_users_make_admin_cli(runner, app, make_user):
    make_user("jade")
    result = runner.invoke(args=["users", "make-admin", "jade"])
    assert result.exit_code == 0, result.output
    assert get_user(app, "jade").is_admin
    missing = runner.invoke(args=["users", "make-admin", "ghost"])
    assert missing.exit_code == 1 and "ghost" in missing.output
