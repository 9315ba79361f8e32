"""Social trust: sybil-resistant scores from costly evidence (``scoring``), stored for the feeds
to rank with (``service``), and kept fresh in the background after writes."""

from __future__ import annotations

import threading
import time

from flask import Flask, Response, request

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RECOMPUTE_JOB = "trust.recompute"  # app/jobs/tasks.py: staleness check, lease, recompute


class Scheduler:
    """After write requests, at most every TRUST_CHECK_SECONDS per process, queues the
    ``trust.recompute`` job, which recomputes only when trust is stale; the lease in trust_state
    keeps it to one recompute at a time across processes, the job's dedupe key to one waiting."""

    def __init__(self, app: Flask):
        self.app = app
        self.next_check = 0.0
        self.lock = threading.Lock()

    def poke(self) -> None:
        from flask import has_app_context

        from app.jobs import enqueue

        now = time.monotonic()
        with self.lock:
            if now < self.next_check:
                return
            self.next_check = now + self.app.config["TRUST_CHECK_SECONDS"]
        if has_app_context():
            enqueue(RECOMPUTE_JOB, dedupe_key=RECOMPUTE_JOB)
        else:
            with self.app.app_context():
                enqueue(RECOMPUTE_JOB, dedupe_key=RECOMPUTE_JOB)


def init_app(app: Flask) -> None:
    if not app.config["TRUST_AUTO_RECOMPUTE"]:
        return
    scheduler = app.extensions["trust_scheduler"] = Scheduler(app)

    @app.after_request
    def recompute_when_stale(response: Response) -> Response:
        if request.method in WRITE_METHODS:
            scheduler.poke()
        return response
