"""Buttons (follow, like, collect, comment) and lists (followers, notifications). Every button
posts a CSRF-protected form; the script sends it with fetch and gets JSON, without JavaScript the
same form redirects back."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import service as accounts
from app.db import db
from app.errors import AppError
from app.notes import service as notes
from app.params import cursor_arg, optional_int
from app.social import service
from app.web import back

bp = Blueprint("social", __name__)


@bp.post("/u/<username>/follow")
@login_required
def follow(username: str):
    user = accounts.get_visible_user(db.session, username, current_user)
    service.follow(db.session, current_user, user)
    return back(following=True, followers=service.follow_counts(db.session, user)["followers"])


@bp.post("/u/<username>/unfollow")
@login_required
def unfollow(username: str):
    user = accounts.get_visible_user(db.session, username, current_user)
    service.unfollow(db.session, current_user, user)
    return back(following=False, followers=service.follow_counts(db.session, user)["followers"])


@bp.post("/notes/<int:note_id>/like")
@login_required
def like(note_id: int):
    note = notes.get_actionable_note(db.session, note_id)
    service.like(db.session, current_user, note)
    return back(liked=True, like_count=note.like_count)


@bp.post("/notes/<int:note_id>/unlike")
@login_required
def unlike(note_id: int):
    note = notes.get_actionable_note(db.session, note_id)
    service.unlike(db.session, current_user, note)
    return back(liked=False, like_count=note.like_count)


@bp.post("/notes/<int:note_id>/collect")
@login_required
def collect(note_id: int):
    note = notes.get_actionable_note(db.session, note_id)
    service.collect(db.session, current_user, note, optional_int(request.form, "board_id"),
                    new_board_name=request.form.get("new_board"))
    return back(collected=True, collect_count=note.collect_count)


@bp.post("/notes/<int:note_id>/uncollect")
@login_required
def uncollect(note_id: int):
    note = notes.get_actionable_note(db.session, note_id)
    service.uncollect(db.session, current_user, note)
    return back(collected=False, collect_count=note.collect_count)


@bp.post("/notes/<int:note_id>/comments")
@login_required
def comment(note_id: int):
    note = notes.get_actionable_note(db.session, note_id)
    try:
        created = service.add_comment(db.session, current_user, note, request.form.get("body", ""),
                                      optional_int(request.form, "parent_id"))
    except AppError as error:
        flash(str(error.message), "error")
        return redirect(url_for("notes.show", note_id=note.id, _anchor="comments"))
    return redirect(url_for("notes.show", note_id=note.id, _anchor=f"comment-{created.id}"))


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    comment = service.get_comment(db.session, comment_id)
    note = notes.get_note(db.session, comment.note_id, current_user)
    service.delete_comment(db.session, current_user, comment, note)
    flash(_("The comment is deleted."), "success")
    return redirect(url_for("notes.show", note_id=note.id, _anchor="comments"))


@bp.get("/u/<username>/<any(followers, following):direction>")
def follows(username: str, direction: str):
    user = accounts.get_visible_user(db.session, username, current_user)
    page = service.list_follows(db.session, user, direction, cursor_arg(), 30)
    return render_template("social/follows.html", user=user, direction=direction, page=page)


@bp.get("/notifications")
@login_required
def notifications():
    page = service.list_notifications(db.session, current_user, cursor_arg(), 30)
    return render_template("social/notifications.html", page=page)


@bp.post("/notifications/read")
@login_required
def mark_read():
    service.mark_read(db.session, current_user, optional_int(request.form, "up_to"))
    return back("social.notifications", unread=0)


@bp.post("/boards")
@login_required
def create_board():
    try:
        service.create_board(db.session, current_user, request.form.get("name", ""))
    except AppError as error:
        flash(str(error.message), "error")
    return redirect(url_for("accounts.profile", username=current_user.username, tab="boards"))
