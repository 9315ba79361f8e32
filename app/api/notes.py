"""Notes, comments, likes and collects over JSON (and multipart for photos)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from app.accounts.auth import api_user, token_required
from app.api import bp
from app.api import serializers as out
from app.api.util import int_list, json_body, optional_int, string_field
from app.db import db
from app.errors import Invalid
from app.feed import service as feed
from app.notes import service
from app.params import cursor_arg
from app.social import service as social


def _flag(value) -> bool:
    return value in (True, "1", "true", "yes", "on")


@bp.post("/notes")
@token_required
def create_note():
    form = request.form
    note = service.create_note(
        db.session, api_user(), title=form.get("title"), body=form.get("body"), tags=form.get("tags"),
        images=request.files.getlist("images"), product_id=form.get("product") or None,
        rating=form.get("rating") or None, draft=_flag(form.get("draft")),
    )
    return jsonify(out.note_detail(service.get_note(db.session, note.id, api_user()))), 201


@bp.get("/notes/<int:note_id>")
def get_note(note_id: int):
    note = service.get_note(db.session, note_id, api_user())
    state = social.viewer_state(db.session, api_user(), [note.id])
    return jsonify(out.note_detail(note, note.id in state["liked"], note.id in state["collected"]))


@bp.patch("/notes/<int:note_id>")
@token_required
def update_note(note_id: int):
    """JSON, or multipart when adding photos. Fields left out keep their value."""
    note = service.get_own_note(db.session, note_id, api_user())
    data = request.form if request.files or request.form else json_body()
    image_order = int_list(data.get("image_order"), "image_order")
    service.update_note(
        db.session, api_user(), note,
        title=data.get("title", note.title), body=data.get("body", note.body),
        tags=data.get("tags", [t.name for t in note.tags]), image_order=image_order,
        new_images=request.files.getlist("images"),
        draft=_flag(data["draft"]) if "draft" in data else None,
        product_given="product" in data, product_id=data.get("product"), rating=data.get("rating"),
    )
    return jsonify(out.note_detail(service.get_note(db.session, note.id, api_user())))


@bp.delete("/notes/<int:note_id>")
@token_required
def delete_note(note_id: int):
    service.delete_note(db.session, api_user(), service.get_own_note(db.session, note_id, api_user()))
    return "", 204


def _toggle(note_id: int, on, off, field: str, count: str):
    note = service.get_actionable_note(db.session, note_id)
    active = request.method == "POST"
    (on if active else off)(db.session, api_user(), note)
    return jsonify({field: active, count: getattr(note, count)})


@bp.route("/notes/<int:note_id>/like", methods=["POST", "DELETE"])
@token_required
def like(note_id: int):
    return _toggle(note_id, social.like, social.unlike, "liked", "like_count")


@bp.route("/notes/<int:note_id>/collect", methods=["POST", "DELETE"])
@token_required
def collect(note_id: int):
    if request.method == "POST" and request.is_json:
        board_id = optional_int(json_body(), "board_id")
        note = service.get_actionable_note(db.session, note_id)
        social.collect(db.session, api_user(), note, board_id)
        return jsonify({"collected": True, "collect_count": note.collect_count})
    return _toggle(note_id, social.collect, social.uncollect, "collected", "collect_count")


@bp.get("/notes/<int:note_id>/comments")
def list_comments(note_id: int):
    note = service.get_note(db.session, note_id, api_user())
    threads = social.list_comments(db.session, note, api_user())
    return jsonify(out.page([out.comment(c, replies) for c, replies in threads], None))


@bp.post("/notes/<int:note_id>/comments")
@token_required
def add_comment(note_id: int):
    note = service.get_actionable_note(db.session, note_id)
    body = json_body()
    created = social.add_comment(db.session, api_user(), note, string_field(body, "body"),
                                 optional_int(body, "parent_id"))
    db.session.refresh(created, ["author"])
    return jsonify(out.comment(created)), 201


@bp.delete("/comments/<int:comment_id>")
@token_required
def delete_comment(comment_id: int):
    comment = social.get_comment(db.session, comment_id)
    note = service.get_note(db.session, comment.note_id, api_user())
    social.delete_comment(db.session, api_user(), comment, note)
    return "", 204


@bp.get("/feed")
def get_feed():
    kind = request.args.get("kind", "discover")
    if kind not in feed.KINDS:
        raise Invalid(_l("kind is following or discover."), fields={"kind": _l("following or discover")})
    if kind == "following" and api_user() is None:
        from app.errors import Unauthorized

        raise Unauthorized()
    limit = feed.clamp_limit(request.args.get("limit"), current_app.config["FEED_PAGE_SIZE"])
    page = feed.get_feed(db.session, kind, api_user(), cursor_arg(), limit)
    return jsonify(out.page([out.note_summary(i) for i in page.items], page.next_cursor))


@bp.get("/tags/<name>/notes")
def tag_notes(name: str):
    from app.notes.text import normalize_tag

    limit = feed.clamp_limit(request.args.get("limit"), 20)
    page = feed.tag_notes(db.session, normalize_tag(name), api_user(), cursor_arg(), limit)
    return jsonify(out.page([out.note_summary(i) for i in page.items], page.next_cursor))
