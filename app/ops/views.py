"""Probes for load balancers and orchestrators. JSON only, no login, no session, no rate limit
(exempted in create_app), never cached."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.db import db
from app.ops import service

bp = Blueprint("ops", __name__)

RETRY_AFTER_SECONDS = 5


def _probe_response(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """The process is alive and answering; touches nothing else."""
    return _probe_response({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """The database answers and the search index opens: send traffic here."""
    checks = service.readiness(db.engine_for_app, current_app.config["SEARCH_INDEX_DIR"])
    body = {"checks": {name: check.as_dict() for name, check in checks.items()}}
    failed = [name for name, check in checks.items() if not check.ok]
    if not failed:
        return _probe_response({"status": "ready", **body})
    response = _probe_response({"status": "unavailable", "failed": failed, **body}, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
