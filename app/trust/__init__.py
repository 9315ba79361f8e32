"""Social trust: sybil-resistant scores from costly evidence (``scoring``), stored for the feeds
to rank with (``service``), and kept fresh in the background after writes."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, Response, request

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger(__name__)


class Scheduler:
    """Checks, at most every TRUST_CHECK_SECONDS per process and only after write requests,
    whether trust is stale; if so, recomputes in a background thread. The lease in trust_state
    keeps it to one recompute at a time across processes."""

    def __init__(self, app: Flask):
        self.app = app
        self.next_check = 0.0
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def poke(self) -> None:
        now = time.monotonic()
        with self.lock:
            if now < self.next_check or (self.thread and self.thread.is_alive()):
                return
            self.next_check = now + self.app.config["TRUST_CHECK_SECONDS"]
            self.thread = threading.Thread(target=self.run, name="trust-recompute", daemon=True)
            self.thread.start()

    def run(self) -> None:
        from app.db import db
        from app.feed.service import prune_snapshots
        from app.trust import service

        config = self.app.config
        with self.app.app_context(), db.new_session() as session:
            try:
                if not service.is_stale(session, timedelta(seconds=config["TRUST_RECOMPUTE_SECONDS"]),
                                        config["TRUST_RECOMPUTE_EVIDENCE"]):
                    return
                if not service.claim(session):
                    return
                try:
                    stats = service.recompute(session)
                finally:
                    service.release(session)
                prune_snapshots(session)
                log.info("trust recomputed: %d users, %d edges, %.2f s", stats.users, stats.edges, stats.seconds)
            except Exception:
                log.exception("background trust recompute failed")


def init_app(app: Flask) -> None:
    if not app.config["TRUST_AUTO_RECOMPUTE"]:
        return
    scheduler = app.extensions["trust_scheduler"] = Scheduler(app)

    @app.after_request
    def recompute_when_stale(response: Response) -> Response:
        if request.method in WRITE_METHODS:
            scheduler.poke()
        return response
