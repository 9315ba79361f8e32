"""Search: a Whoosh index of notes, products and people that understands Chinese, kept
consistent with the database through an outbox."""

from __future__ import annotations

from flask import Flask, Response, request

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DRAIN_JOB = "search.drain"


def init_app(app: Flask) -> None:
    @app.after_request
    def drain_after_write(response: Response) -> Response:
        """Apply the changes a write request queued before answering, so its author finds them
        at once. In a session of its own: the request's objects stay as they were. What that
        drain leaves (index busy past its budget, or failing) goes to the ``search.drain`` job;
        with SEARCH_DRAIN_IN_REQUEST off, all of it does."""
        if request.method in WRITE_METHODS:
            from app.db import db
            from app.jobs import enqueue
            from app.search import outbox

            if not app.config["SEARCH_DRAIN_IN_REQUEST"]:
                enqueue(DRAIN_JOB, dedupe_key=DRAIN_JOB)
                return response
            with db.new_session() as session:
                outbox.drain_quietly(session)
                left = outbox.has_pending(session)
            if left:
                enqueue(DRAIN_JOB, dedupe_key=DRAIN_JOB)
        return response
