"""Search: a Whoosh index of notes, products and people that understands Chinese, kept
consistent with the database through an outbox."""

from __future__ import annotations

from flask import Flask, Response, request

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask) -> None:
    @app.after_request
    def drain_after_write(response: Response) -> Response:
        """Apply the changes a write request queued before answering, so its author finds them
        at once. In a session of its own: the request's objects stay as they were."""
        if request.method in WRITE_METHODS:
            from app.db import db
            from app.search.outbox import drain_quietly

            with db.new_session() as session:
                drain_quietly(session)
        return response
