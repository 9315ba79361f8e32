from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.db import db
from app.errors import AppError
from app.feed import service as feed
from app.forms import show_errors
from app.notes import service
from app.notes.forms import CommentForm, NoteForm
from app.notes.text import normalize_tag
from app.params import cursor_arg
from app.social import service as social

bp = Blueprint("notes", __name__)


def _is_draft() -> bool:
    return request.form.get("action") == "draft"


@bp.route("/notes/new", methods=["GET", "POST"])
@login_required
def create():
    form, status = NoteForm(), 200
    if request.method == "GET" and request.args.get("product"):
        form.product.data = request.args["product"]  # "Write a note about this" on a product page
    if form.validate_on_submit():
        try:
            note = service.create_note(
                db.session, current_user, title=form.title.data, body=form.body.data, tags=form.tags.data,
                images=request.files.getlist("images"), product_id=form.product.data or None,
                rating=form.rating.data or None, draft=_is_draft(),
            )
        except AppError as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("Saved as a draft.") if note.is_draft else _("Your note is published!"), "success")
            return redirect(url_for("notes.show", note_id=note.id))
    return render_template("notes/edit.html", form=form, note=None), status


@bp.get("/notes/<int:note_id>")
def show(note_id: int):
    note = service.get_note(db.session, note_id, current_user)
    if (viewed := service.count_view(db.session, note, current_user, session.get("viewed_notes"))) is not None:
        session["viewed_notes"] = viewed
    state = social.viewer_state(db.session, current_user, [note.id])
    sponsored, verified = feed.commerce_flags(db.session, [note])
    following = social.is_following(db.session, current_user, note.author)
    return render_template(
        "notes/show.html",
        note=note,
        sponsored=note.id in sponsored,
        verified=note.id in verified,
        liked=note.id in state["liked"],
        collected=note.id in state["collected"],
        following=following,
        comments=social.list_comments(db.session, note, current_user),
        related=service.related_notes(db.session, note, current_user),
        reasons=feed.note_reasons(db.session, current_user, note, following) if note.is_public else [],
        comment_form=CommentForm(),
        boards=social.list_boards(db.session, current_user) if current_user.is_authenticated else [],
    )


def _image_order(note) -> list[int]:
    """Kept photos in the order the author numbered them (inputs position-<id>, remove-<id>)."""
    kept = []
    for index, image in enumerate(note.images):
        if request.form.get(f"remove-{image.id}"):
            continue
        try:
            position = float(request.form.get(f"position-{image.id}", index + 1))
        except ValueError:
            position = index + 1
        kept.append((position, index, image.id))
    return [image_id for _position, _index, image_id in sorted(kept)]


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
@login_required
def edit(note_id: int):
    note = service.get_own_note(db.session, note_id, current_user)
    form = NoteForm(data={"title": note.title, "body": note.body, "tags": ", ".join(t.name for t in note.tags),
                          "product": note.product_id or "", "rating": str(note.rating or "")})
    status = 200
    if form.validate_on_submit():
        publish = request.form.get("action") == "publish"
        try:
            service.update_note(
                db.session, current_user, note, title=form.title.data, body=form.body.data, tags=form.tags.data,
                image_order=_image_order(note), new_images=request.files.getlist("images"),
                draft=False if publish else (True if _is_draft() else None),
                product_given=True, product_id=form.product.data or None, rating=form.rating.data or None,
            )
        except AppError as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("notes.show", note_id=note.id))
    return render_template("notes/edit.html", form=form, note=note), status


@bp.post("/notes/<int:note_id>/delete")
@login_required
def delete(note_id: int):
    note = service.get_own_note(db.session, note_id, current_user)
    service.delete_note(db.session, current_user, note)
    flash(_("The note is deleted."), "success")
    return redirect(url_for("accounts.profile", username=current_user.username))


@bp.get("/tags/<name>")
def tag(name: str):
    name = normalize_tag(name)
    page = feed.tag_notes(db.session, name, current_user, cursor_arg(), 20)
    return render_template("feed/tag.html", tag=name, page=page)
