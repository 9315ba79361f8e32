from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    return render_template("main/index.html")


@bp.get("/discover")
def discover() -> str:
    return render_template("main/index.html")


@bp.get("/post")
@login_required
def post() -> str:
    return render_template("main/index.html")


@bp.get("/notifications")
@login_required
def notifications() -> str:
    return render_template("main/index.html")
