"""Portable data: import and export of users and follows, all or nothing."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import User
from app.db import db
from app.social.models import Follow


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Follow)),
        )


def good_records(tmp_path):
    avatar = tmp_path / "images" / "mei.png"
    avatar.parent.mkdir()
    Image.new("RGB", (80, 80), (255, 36, 66)).save(avatar)
    return [
        {"type": "user", "username": "mei", "display_name": "小美", "bio": "愛吃愛玩", "locale": "zh_Hant",
         "password": "demo-password", "avatar": "images/mei.png", "created_at": "2026-10-01T08:00:00Z"},
        {"type": "user", "username": "lei", "display_name": "阿磊", "locale": "zh_Hans", "password": "demo-password"},
        {"type": "user", "username": "ann", "display_name": "Ann", "locale": "en", "is_admin": True,
         "password": "demo-password"},
        {"type": "follow", "follower": "lei", "followee": "mei", "created_at": "2026-10-02T09:30:00Z"},
        {"type": "follow", "follower": "ann", "followee": "mei"},
    ]


def test_import_then_login_and_round_trip(tmp_path, app, runner, auth):
    source = write_jsonl(tmp_path / "data.jsonl", good_records(tmp_path))
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "Imported 5 records" in result.output
    assert counts(app) == (3, 2)
    assert auth.login("mei", "demo-password").status_code == 302

    first = tmp_path / "export1"
    assert runner.invoke(args=["data", "export", str(first)]).exit_code == 0
    exported = (first / "data.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in exported]
    mei = next(r for r in records if r.get("username") == "mei")
    assert mei["created_at"] == "2026-10-01T08:00:00Z"
    assert mei["password_hash"].startswith("$argon2id$")
    assert (first / mei["avatar"]).is_file()

    # Into an empty database, then out again: the same records.
    from tests.conftest import _clean

    _clean(app)
    assert runner.invoke(args=["data", "import", str(first / "data.jsonl")]).exit_code == 0
    second = tmp_path / "export2"
    assert runner.invoke(args=["data", "export", str(second)]).exit_code == 0
    assert sorted(exported) == sorted((second / "data.jsonl").read_text(encoding="utf-8").splitlines())
    assert auth.login("mei", "demo-password").status_code == 302  # the hash survived the trip


def test_bad_file_imports_nothing_and_names_every_line(tmp_path, app, runner, make_user):
    make_user("existing")
    lines = [
        json.dumps({"type": "user", "username": "ok_user", "password": "demo-password"}),  # 1 fine
        "{not json",  # 2
        json.dumps({"type": "spaceship", "ref": "x"}),  # 3 unknown type
        json.dumps({"type": "user", "display_name": "no username"}),  # 4 missing field
        json.dumps({"type": "user", "username": "ok_user", "password": "demo-password"}),  # 5 duplicate
        json.dumps({"type": "follow", "follower": "ok_user", "followee": "later_user"}),  # 6 defined later
        json.dumps({"type": "user", "username": "later_user", "is_admin": "yes"}),  # 7 wrong kind
        json.dumps({"type": "user", "username": "EXISTING", "password": "demo-password"}),  # 8 already in db
        json.dumps({"type": "user", "username": "bad name!", "password": "demo-password"}),  # 9 invalid
        json.dumps({"type": "follow", "follower": "ok_user", "followee": "ok_user"}),  # 10 self-follow
        json.dumps({"type": "user", "username": "pics", "avatar": "../../etc/passwd"}),  # 11 escapes folder
        json.dumps({"type": "user", "username": "when", "created_at": "yesterday"}),  # 12 bad time
        "[1, 2, 3]",  # 13 not an object
    ]
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    for line in range(2, 14):
        assert f"bad.jsonl:line {line}:" in result.output, f"line {line} not reported:\n{result.output}"
    assert "bad.jsonl:line 1:" not in result.output
    assert "Nothing was imported" in result.output
    assert counts(app) == (1, 0)


def test_a_bad_image_rolls_back_everything_and_leaves_no_files(tmp_path, app, runner):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "good.png").write_bytes(_png())
    (tmp_path / "images" / "evil.jpg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    source = write_jsonl(tmp_path / "data.jsonl", [
        {"type": "user", "username": "first", "avatar": "images/good.png"},
        {"type": "user", "username": "second", "avatar": "images/evil.jpg"},
    ])
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    assert "evil.jpg" in result.output
    assert counts(app) == (0, 0)
    from pathlib import Path

    media = Path(app.config["MEDIA_DIR"])
    assert not media.exists() or not any(media.iterdir())


def test_users_without_password_cannot_log_in(tmp_path, app, runner, auth):
    source = write_jsonl(tmp_path / "data.jsonl", [{"type": "user", "username": "nopass"}])
    assert runner.invoke(args=["data", "import", str(source)]).exit_code == 0
    assert auth.login("nopass", "anything-at-all").status_code == 400


def test_missing_file_is_a_clean_cli_error(runner, tmp_path):
    result = runner.invoke(args=["data", "import", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 128, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_notes_and_reactions_round_trip_with_photos(tmp_path, app, runner):
    from tests.conftest import _clean, image_bytes

    images = tmp_path / "images"
    images.mkdir()
    for i in range(3):
        (images / f"p{i}.jpg").write_bytes(image_bytes(size=(200 + i * 10, 300), color=(i * 60, 100, 150)))
    records = [
        {"type": "user", "username": "mei", "password": "demo-password"},
        {"type": "user", "username": "lei", "password": "demo-password"},
        {"type": "note", "ref": "n1", "author": "mei", "title": "台北咖啡地圖", "body": "大安區 #咖啡 推薦",
         "tags": ["咖啡", "台北"], "images": ["images/p0.jpg", "images/p1.jpg"], "product": None, "rating": None,
         "created_at": "2026-10-03T10:00:00Z"},
        {"type": "note", "ref": "n2", "author": "lei", "title": "上海早餐", "tags": [], "images": ["images/p2.jpg"]},
        {"type": "like", "user": "lei", "note": "n1"},
        {"type": "like", "user": "mei", "note": "n2"},
        {"type": "collect", "user": "lei", "note": "n1", "created_at": "2026-10-04T00:00:00Z"},
        {"type": "comment", "ref": "c1", "user": "lei", "note": "n1", "body": "收藏了！"},
        {"type": "comment", "ref": "c2", "user": "mei", "note": "n1", "body": "謝謝～", "parent": "c1"},
    ]
    source = write_jsonl(tmp_path / "data.jsonl", records)
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.notes.models import Note

        note = db.session.scalars(select(Note).where(Note.title == "台北咖啡地圖")).one()
        assert (note.like_count, note.collect_count, note.comment_count) == (1, 1, 2)
    first = tmp_path / "one"
    assert runner.invoke(args=["data", "export", str(first)]).exit_code == 0
    exported = sorted((first / "data.jsonl").read_text(encoding="utf-8").splitlines())
    note_line = json.loads(next(line for line in exported if '"台北咖啡地圖"' in line))
    assert note_line["images"] == ["media/note_n1_1.webp", "media/note_n1_2.webp"]
    assert note_line["created_at"] == "2026-10-03T10:00:00Z"
    _clean(app)
    assert runner.invoke(args=["data", "import", str(first / "data.jsonl")]).exit_code == 0
    second = tmp_path / "two"
    assert runner.invoke(args=["data", "export", str(second)]).exit_code == 0
    assert exported == sorted((second / "data.jsonl").read_text(encoding="utf-8").splitlines())


def test_note_records_are_validated(tmp_path, app, runner):
    lines = [
        {"type": "user", "username": "mei"},
        {"type": "note", "ref": "n1", "author": "mei", "title": "no photos", "images": []},  # 2
        {"type": "note", "ref": "n2", "author": "ghost", "title": "x", "images": ["a.jpg"]},  # 3 unknown author + file
        {"type": "note", "ref": "n3", "author": "mei", "title": "x", "product": "p1", "rating": 5, "images": []},  # 4
        {"type": "like", "user": "mei", "note": "n9"},  # 5 unknown note
        {"type": "comment", "ref": "c1", "user": "mei", "note": "n1", "body": ""},  # 6 empty body
    ]
    source = write_jsonl(tmp_path / "bad.jsonl", lines)
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    for line in (2, 3, 4, 5, 6):
        assert f"bad.jsonl:line {line}:" in result.output, result.output
    assert counts(app) == (0, 0)


def test_demo_load_makes_a_community(app, runner):
    result = runner.invoke(args=["demo", "load", "--small"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.notes.models import Note

        assert db.session.scalar(select(func.count()).select_from(User)) >= 12
        assert db.session.scalar(select(func.count()).select_from(Note)) >= 30
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "already has users" in again.output
