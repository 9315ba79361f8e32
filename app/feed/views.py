from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from app.db import db
from app.feed import service
from app.params import cursor_arg

bp = Blueprint("feed", __name__)


def _render(kind: str):
    page = service.get_feed(db.session, kind, current_user, cursor_arg(), current_app.config["FEED_PAGE_SIZE"])
    if request.args.get("partial"):
        # Infinite scroll fetches the next cards only.
        return render_template("feed/_page.html", page=page, kind=kind)
    return render_template("feed/index.html", page=page, kind=kind)


@bp.get("/")
def index():
    """Home: notes of people you follow; Discover for visitors and people who follow nobody."""
    kind = "following" if service.follows_anyone(db.session, current_user) else "discover"
    return _render(kind)


@bp.get("/discover")
def discover():
    return _render("discover")


@bp.get("/following")
@login_required
def following():
    return _render("following")
