"""Who is asking: session/remember cookies for pages, bearer tokens for the API."""

from __future__ import annotations

from functools import wraps

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from app.accounts import service
from app.db import db
from app.errors import Unauthorized
from app.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.refresh_view = "accounts.reauthenticate"
    login_manager.needs_refresh_message = _l("Please confirm your password to continue.")
    login_manager.needs_refresh_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        return service.load_session_user(db.session, session_id)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_user():
    """The user of the request's bearer token, or None. Cookies are deliberately ignored."""
    if "api_user" not in g:
        token = bearer_token()
        g.api_user = service.user_for_token(db.session, token) if token else None
    return g.api_user


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if api_user() is None:
            raise Unauthorized(_l("A valid bearer token is required."))
        return view(*args, **kwargs)

    return wrapper
