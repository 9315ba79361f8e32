"""The JSON API at /api/v1: thin routes over the same services the pages use."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import auth, commerce, dashboard, notes, openapi, search, sharing, social  # noqa: E402,F401  (routes register on bp)
