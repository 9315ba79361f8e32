from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts import service
from app.accounts.forms import LoginForm, PasswordForm, ProfileForm, ReauthenticateForm, RegisterForm
from app.db import db
from app.errors import AppError
from app.extensions import limiter
from app.forms import show_errors
from app.params import cursor_arg, optional_int
from app.security import safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("feed.index"))
    form, status = RegisterForm(next=request.args.get("next", "")), 200
    if form.validate_on_submit():
        try:
            user = service.register_user(
                db.session,
                username=form.username.data,
                password=form.password.data,
                display_name=form.display_name.data,
                locale=_current_locale(),
            )
        except AppError as error:
            show_errors(form, error)
            status = error.status
        else:
            _record_referral(user)
            login_user(user, remember=True)
            flash(_("Welcome to Zhongcao, %(name)s!", name=user.display_name), "success")
            return redirect(safe_next(form.next.data))
    return render_template("accounts/register.html", form=form), status


def _record_referral(user) -> None:
    """A new account that arrived through someone's share link becomes their referral."""
    from app.sharing.service import record_signup
    from app.sharing.views import current_touch

    record_signup(db.session, user, current_touch())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_username_key)
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = service.authenticate(db.session, form.username.data, form.password.data)
        except AppError as error:
            flash(str(error.message), "error")
            return render_template("accounts/login.html", form=form), error.status
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data))
        flash(_("Wrong username or password."), "error")
        return render_template("accounts/login.html", form=form), 400
    return render_template("accounts/login.html", form=form)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def reauthenticate() -> Response | str:
    form = ReauthenticateForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        if service.authenticate(db.session, current_user.username, form.password.data) is not None:
            login_user(current_user._get_current_object(), remember=True, fresh=True)
            return redirect(safe_next(form.next.data))
        flash(_("Wrong password."), "error")
        return render_template("accounts/reauthenticate.html", form=form), 400
    return render_template("accounts/reauthenticate.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("feed.index"))


PROFILE_TABS = ("notes", "collections", "boards", "drafts")


@bp.get("/u/<username>")
def profile(username: str) -> str:
    from app.feed import service as feed
    from app.social import service as social

    user = service.get_visible_user(db.session, username, current_user)
    is_self = current_user.is_authenticated and current_user.id == user.id
    tab = request.args.get("tab", "notes")
    if tab not in PROFILE_TABS or (tab == "drafts" and not is_self):
        tab = "notes"
    cursor, limit = cursor_arg(), 20
    board_id = optional_int(request.args, "board")
    page = boards = None
    if tab == "notes":
        page = feed.user_notes(db.session, user, current_user, cursor, limit)
    elif tab == "drafts":
        page = feed.user_notes(db.session, user, current_user, cursor, limit, drafts=True)
    elif tab == "collections":
        page = feed.collected_notes(db.session, user, current_user, cursor, limit, board_id=board_id)
    if tab in ("boards", "collections"):
        boards = social.list_boards(db.session, user)
    return render_template(
        "accounts/profile.html", user=user, tab=tab, page=page, boards=boards, board_id=board_id, is_self=is_self,
        counts=social.follow_counts(db.session, user),
        following=social.is_following(db.session, current_user, user),
    )


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit_profile() -> Response | str:
    form, status = ProfileForm(obj=current_user), 200
    if form.validate_on_submit():
        try:
            service.update_profile(
                db.session,
                current_user,
                display_name=form.display_name.data,
                bio=form.bio.data,
                locale=form.locale.data,
                avatar=form.avatar.data or None,
            )
        except AppError as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile", username=current_user.username))
    return render_template("accounts/edit_profile.html", form=form), status


@bp.route("/settings/password", methods=["GET", "POST"])
@fresh_login_required
def change_password() -> Response | str:
    form, status = PasswordForm(), 200
    if form.validate_on_submit():
        try:
            service.change_password(
                db.session,
                current_user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
            )
        except AppError as error:
            show_errors(form, error)
            status = error.status
        else:
            # The session token rotated; log in again on this device only.
            login_user(current_user._get_current_object(), remember=True, fresh=True)
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/change_password.html", form=form), status


def _current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale())
