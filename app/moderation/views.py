from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import service as accounts
from app.db import db
from app.errors import AppError, Forbidden
from app.moderation import service
from app.params import optional_int
from app.web import back

bp = Blueprint("moderation", __name__)


@bp.post("/report")
@login_required
def report():
    try:
        service.report(db.session, current_user, request.form.get("target_type", ""),
                       optional_int(request.form, "target_id") or 0, request.form.get("reason", ""),
                       request.form.get("detail", ""))
    except AppError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Thank you. A moderator will look at it."), "success")
    return back()


@bp.get("/admin/reports")
@login_required
def queue():
    if not current_user.is_admin:
        raise Forbidden()
    return render_template("moderation/queue.html", reports=service.open_reports(db.session, current_user),
                           reasons=service.REASON_LABELS)


@bp.post("/admin/hide")
@login_required
def hide():
    form = request.form
    service.hide(db.session, current_user, form.get("target_type", ""), optional_int(form, "target_id") or 0,
                 form.get("reason", ""))
    flash(_("Hidden. The author has been told why."), "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/admin/dismiss/<int:report_id>")
@login_required
def dismiss(report_id: int):
    service.dismiss(db.session, current_user, report_id)
    return redirect(url_for("moderation.queue"))


@bp.post("/admin/suspend/<username>")
@login_required
def suspend(username: str):
    user = accounts.get_user(db.session, username)
    service.suspend(db.session, current_user, user, request.form.get("reason", ""))
    flash(_("The account is suspended."), "success")
    return redirect(url_for("moderation.queue"))
