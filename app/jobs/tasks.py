"""The jobs of the search, trust and orders domains (domains may also keep theirs in
``app/<domain>/jobs.py``, found by ``load_tasks``). Each is safe to run twice and in parallel:
the outbox drain takes the index's file lock, trust recompute its lease, the order sweep locks
each order it moves."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from app.db import db
from app.jobs.queue import periodic, register

log = logging.getLogger(__name__)


@register("search.drain")
def drain_search_outbox() -> None:
    """Apply queued index changes (a write request's leftovers, or all of them when requests do
    not drain themselves: SEARCH_DRAIN_IN_REQUEST off)."""
    from app.search import outbox

    with db.new_session() as session:
        if outbox.has_pending(session):
            # End the read transaction first: on SQLite its snapshot would outlive the wait for
            # the writer lock, and the drain would re-apply rows another drainer already applied
            # from documents older than the ones that drainer wrote.
            session.rollback()
            applied = outbox.drain(session, wait=5.0)
            log.info("search outbox: %d changes applied", applied)


@register("trust.recompute")
def recompute_trust_when_stale() -> None:
    """Recompute trust when ``is_stale`` says so; the lease keeps it to one run at a time across
    processes. Then prune the feed snapshots ranked on the old scores."""
    from app.feed.service import prune_snapshots
    from app.trust import service

    config = current_app.config
    with db.new_session() as session:
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


@register("orders.sweep")
def sweep_orders() -> None:
    """Cancel orders unpaid past their timeout, complete shipped ones never confirmed."""
    from app.orders.service import sweep_orders as sweep

    with db.new_session() as session:
        done = sweep(session)
    if any(done.values()):
        log.info("orders swept: %(cancelled)d cancelled, %(completed)d completed", done)


# A safety net: write requests drain (or queue a drain) themselves; this catches what a failed
# or over-budget drain left behind with nobody writing afterwards.
periodic("search.drain", 30)
# Staleness by age needs no new write to become true, so someone has to look now and then.
periodic("trust.recompute", "TRUST_CHECK_SECONDS", when="TRUST_AUTO_RECOMPUTE")
periodic("orders.sweep", 60)
