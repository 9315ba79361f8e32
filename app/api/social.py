"""People, follows, boards, notifications and reports over JSON."""

from __future__ import annotations

from flask import jsonify, request

from app.accounts import service as accounts
from app.accounts.auth import api_user, token_required
from app.api import bp
from app.api import serializers as out
from app.api.util import json_body, optional_int, string_field
from app.db import db
from app.feed import service as feed
from app.moderation import service as moderation
from app.params import cursor_arg
from app.social import service


def _limit(default: int = 20) -> int:
    return feed.clamp_limit(request.args.get("limit"), default)


def _visible_user(username: str):
    return accounts.get_visible_user(db.session, username, api_user())


@bp.get("/users/<username>")
def get_user(username: str):
    user = _visible_user(username)
    counts = service.follow_counts(db.session, user)
    return jsonify(out.profile(user, counts, service.is_following(db.session, api_user(), user)))


@bp.get("/users/<username>/notes")
def user_notes(username: str):
    user = _visible_user(username)
    page = feed.user_notes(db.session, user, api_user(), cursor_arg(), _limit())
    return jsonify(out.page([out.note_summary(i) for i in page.items], page.next_cursor))


@bp.get("/users/<username>/collections")
def user_collections(username: str):
    user = _visible_user(username)
    page = feed.collected_notes(db.session, user, api_user(), cursor_arg(), _limit(),
                                board_id=optional_int(request.args, "board"))
    return jsonify(out.page([out.note_summary(i) for i in page.items], page.next_cursor))


@bp.get("/users/<username>/boards")
def user_boards(username: str):
    user = _visible_user(username)
    boards = service.list_boards(db.session, user)
    return jsonify(out.page([{"id": b.id, "name": b.name, "note_count": n} for b, n in boards], None))


@bp.post("/boards")
@token_required
def create_board():
    board = service.create_board(db.session, api_user(), string_field(json_body(), "name"))
    return jsonify({"id": board.id, "name": board.name}), 201


@bp.get("/users/<username>/followers")
def followers(username: str):
    page = service.list_follows(db.session, _visible_user(username), "followers", cursor_arg(), _limit(30))
    return jsonify(out.page([out.user_summary(u) for u in page.items], page.next_cursor))


@bp.get("/users/<username>/following")
def following(username: str):
    page = service.list_follows(db.session, _visible_user(username), "following", cursor_arg(), _limit(30))
    return jsonify(out.page([out.user_summary(u) for u in page.items], page.next_cursor))


@bp.route("/users/<username>/follow", methods=["POST", "DELETE"])
@token_required
def follow(username: str):
    user = _visible_user(username)
    if request.method == "POST":
        service.follow(db.session, api_user(), user)
    else:
        service.unfollow(db.session, api_user(), user)
    counts = service.follow_counts(db.session, user)
    return jsonify({"following": request.method == "POST", "followers": counts["followers"]})


@bp.get("/notifications")
@token_required
def notifications():
    page = service.list_notifications(db.session, api_user(), cursor_arg(), _limit(30))
    return jsonify({**out.page([out.notification(n) for n in page.items], page.next_cursor),
                    "unread": service.unread_count(db.session, api_user())})


@bp.post("/notifications/read")
@token_required
def mark_read():
    body = request.get_json(silent=True) or {}
    marked = service.mark_read(db.session, api_user(), optional_int(body, "up_to") if isinstance(body, dict) else None)
    return jsonify({"marked": marked, "unread": service.unread_count(db.session, api_user())})


@bp.post("/reports")
@token_required
def report():
    body = json_body()
    entry = moderation.report(db.session, api_user(), string_field(body, "target_type"),
                              optional_int(body, "target_id") or 0, string_field(body, "reason"),
                              string_field(body, "detail", required=False) or "")
    return jsonify({"id": entry.id, "status": entry.status}), 201


@bp.get("/admin/reports")
@token_required
def admin_reports():
    rows = moderation.open_reports(db.session, api_user())
    return jsonify(out.page([{"id": r.id, "target_type": r.target_type, "target_id": r.target_id,
                              "reason": r.reason, "detail": r.detail, "reporter": out.user_summary(r.reporter),
                              "created_at": out.iso(r.created_at)} for r, _target in rows], None))


@bp.post("/admin/hide")
@token_required
def admin_hide():
    body = json_body()
    target_type = string_field(body, "target_type")
    moderation.hide(db.session, api_user(), target_type, optional_int(body, "target_id") or 0,
                    string_field(body, "reason"))
    return "", 204


@bp.post("/admin/users/<username>/suspend")
@token_required
def admin_suspend(username: str):
    user = accounts.get_user(db.session, username)
    moderation.suspend(db.session, api_user(), user, string_field(json_body(), "reason"))
    return "", 204
