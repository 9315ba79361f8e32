"""Posting, editing and deleting notes through the pages, with real photos and hostile ones."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.db import db
from app.notes.models import Note, NoteImage
from tests.conftest import media_files, upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "images"


def note_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Note))


def post_note(client, images, **fields):
    data = {"title": "週末露營", "body": "在陽明山 #露營 ，謝謝 @friend_a 推薦！", "tags": "戶外, camping",
            "action": "publish", **fields, "images": images}
    return client.post("/notes/new", data=data, content_type="multipart/form-data")


@pytest.fixture
def creator(make_user, auth):
    make_user("creator", display_name="小創作者")
    make_user("friend_a")
    auth.login("creator")
    return "creator"


def test_post_a_note_with_photos(client, app, creator):
    response = post_note(client, [upload("a.jpg", size=(300, 400)), upload("b.png", size=(500, 500), fmt="PNG")])
    assert response.status_code == 302
    note_id = int(re.search(r"/notes/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/notes/{note_id}").get_data(as_text=True)
    assert "週末露營" in page
    assert page.count('data-testid="note-photo"') == 2
    assert '<a class="hashtag" href="/tags/%E9%9C%B2%E7%87%9F">#露營</a>' in page
    assert '<a class="mention" href="/u/friend_a">@friend_a</a>' in page
    with app.app_context():
        note = db.session.get(Note, note_id)
        images = db.session.scalars(select(NoteImage).where(NoteImage.note_id == note_id)
                                    .order_by(NoteImage.position)).all()
        assert [(i.width, i.height) for i in images] == [(300, 400), (500, 500)]
        tagged = db.session.scalars(select(Note).where(Note.id == note_id).options(selectinload(Note.tags))).one()
        assert sorted(t.name for t in tagged.tags) == ["camping", "戶外", "露營"]
        assert note.published_at is not None and not note.is_draft
    # 2 photos x 2 sizes, all WebP, served with nosniff
    files = media_files(app)
    assert len(files) == 4 and all(f.suffix == ".webp" for f in files)


@pytest.mark.parametrize(
    ("fields", "images", "field"),
    [
        ({"title": ""}, 1, "title"),
        ({"title": "標" * 101}, 1, "title"),
        ({"body": "字" * 2001}, 1, "body"),
        ({"tags": ",".join(f"t{i}" for i in range(11))}, 1, "tags"),
        ({}, 0, "images"),
        ({}, 19, "images"),
    ],
)
def test_invalid_notes_are_refused_and_leave_nothing(client, app, creator, fields, images, field):
    response = post_note(client, [upload(f"{i}.jpg") for i in range(images)], **fields)
    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.get_data(as_text=True)
    assert note_count(app) == 0
    assert media_files(app) == []


@pytest.mark.parametrize("hostile", ["bomb.png", "truncated.jpg", "gif_renamed.jpg", "svg_renamed.jpg",
                                     "html_renamed.jpg", "empty.jpg"])
def test_hostile_photo_among_good_ones_is_a_clear_400(client, app, creator, hostile):
    bad = (io.BytesIO((FIXTURES / hostile).read_bytes()), hostile)
    response = post_note(client, [upload("good1.jpg"), bad, upload("good2.jpg")])
    assert response.status_code == 400
    assert note_count(app) == 0
    assert media_files(app) == []  # the good photo processed before the bad one was removed again


def test_gps_is_stripped_and_orientation_applied(client, app, creator):
    data = (io.BytesIO((FIXTURES / "gps_orientation6.jpg").read_bytes()), "gps.jpg")
    assert post_note(client, [data]).status_code == 302
    with app.app_context():
        image = db.session.scalars(select(NoteImage)).one()
    assert image.height > image.width  # orientation 6 rotated the landscape original
    from PIL import Image

    for path in media_files(app):
        with Image.open(path) as stored:
            assert not stored.getexif()
            assert "exif" not in stored.info


def test_drafts_are_private_until_published(client, app, creator, make_user, make_note):
    note_id = make_note("creator", title="還沒寫完", draft=True, images=0)
    assert client.get(f"/notes/{note_id}").status_code == 200  # the author sees it
    assert "還沒寫完" in client.get("/u/creator?tab=drafts").get_data(as_text=True)
    assert "還沒寫完" not in client.get("/discover").get_data(as_text=True)
    reader = app.test_client()
    assert reader.get(f"/notes/{note_id}").status_code == 404
    # Publishing needs a photo.
    response = client.post(f"/notes/{note_id}/edit", data={"title": "寫完了", "body": "", "action": "publish"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    response = client.post(f"/notes/{note_id}/edit", data={"title": "寫完了", "body": "", "action": "publish",
                                                           "images": [upload()]}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert reader.get(f"/notes/{note_id}").status_code == 200
    assert "寫完了" in reader.get("/discover").get_data(as_text=True)


def test_edit_reorders_removes_and_adds_photos(client, app, creator, make_note):
    note_id = make_note("creator", images=3)
    with app.app_context():
        first, second, third = db.session.scalars(select(NoteImage).where(NoteImage.note_id == note_id)
                                                  .order_by(NoteImage.position)).all()
        removed_key = second.key
    response = client.post(f"/notes/{note_id}/edit", data={
        "title": "新標題", "body": "新內文 #咖啡", "tags": "",
        f"position-{first.id}": "2", f"position-{second.id}": "1", f"remove-{second.id}": "1",
        f"position-{third.id}": "1", "images": [upload("new.jpg", size=(50, 50))],
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        images = db.session.scalars(select(NoteImage).where(NoteImage.note_id == note_id)
                                    .order_by(NoteImage.position)).all()
        note = db.session.scalars(select(Note).where(Note.id == note_id).options(selectinload(Note.tags))).one()
        assert [i.id for i in images[:2]] == [third.id, first.id]
        assert (images[2].width, images[2].height) == (50, 50)
        assert note.title == "新標題" and [t.name for t in note.tags] == ["咖啡"]
    assert not any(p.name.startswith(removed_key) for p in media_files(app))


def test_only_the_author_edits_and_deletes(client, app, make_user, make_note, auth):
    make_user("owner")
    make_user("intruder")
    note_id = make_note("owner")
    auth.login("intruder")
    assert client.get(f"/notes/{note_id}/edit").status_code == 403
    assert client.post(f"/notes/{note_id}/edit", data={"title": "hacked"}).status_code == 403
    assert client.post(f"/notes/{note_id}/delete").status_code == 403
    assert note_count(app) == 1


def test_delete_removes_the_note_and_its_photos(client, app, creator, make_note):
    note_id = make_note("creator", images=2)
    assert len(media_files(app)) == 4
    assert client.post(f"/notes/{note_id}/delete").status_code == 302
    assert note_count(app) == 0
    assert media_files(app) == []
    assert client.get(f"/notes/{note_id}").status_code == 404


def test_tag_page_lists_tagged_notes(client, creator, make_note):
    make_note("creator", title="山上的星空", body="#露營 夜晚")
    make_note("creator", title="拿鐵", body="#咖啡")
    page = client.get("/tags/露營").get_data(as_text=True)
    assert "山上的星空" in page and "拿鐵" not in page


def test_related_notes_share_tags(client, creator, make_note):
    first = make_note("creator", title="露營一", body="#露營 #山")
    make_note("creator", title="露營二", body="#露營")
    make_note("creator", title="咖啡", body="#咖啡")
    page = client.get(f"/notes/{first}").get_data(as_text=True)
    related = page.split('data-testid="related"', 1)[1]
    assert "露營二" in related and "咖啡" not in related


def test_anonymous_visitor_sees_a_note_but_must_log_in_to_act(app, make_user, make_note):
    make_user("shown")
    note_id = make_note("shown")
    visitor = app.test_client()
    assert visitor.get(f"/notes/{note_id}").status_code == 200
    assert visitor.get("/notes/new").status_code == 302
    assert "/login" in visitor.post(f"/notes/{note_id}/like").headers["Location"]


def test_edit_text_only_with_an_untouched_file_input(client, app, creator, make_note):
    """Browsers send an empty file part for a file input nobody touched."""
    note_id = make_note("creator", images=2)
    response = client.post(f"/notes/{note_id}/edit", data={
        "title": "只改標題", "body": "", "tags": "", "action": "save", "images": [(io.BytesIO(b""), "")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Note, note_id).title == "只改標題"
        assert db.session.scalar(select(func.count()).select_from(NoteImage)) == 2


def test_every_problem_is_reported_at_once(client, app, creator):
    response = post_note(client, [], title="", body="字" * 2001)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count('data-testid="field-error"') == 3  # title, body and photos together
