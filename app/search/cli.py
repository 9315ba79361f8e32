"""``flask search``: rebuild, check and drain the index."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.db import db


@click.group("search", cls=AppGroup, help="The search index (Whoosh).")
def search_group():
    pass


@search_group.command("reindex")
def search_reindex():
    """Rebuild the whole index into a fresh directory and swap it in atomically."""
    from app.cli import progress_bar
    from app.errors import Conflict
    from app.search import documents, outbox

    with progress_bar(documents.count_all(db.session), "Indexing") as bar:
        try:
            counts = outbox.reindex(db.session, progress=bar.update)
        except Conflict as busy:
            click.echo(str(busy.message), err=True)
            sys.exit(1)
    click.echo("Indexed " + ", ".join(f"{count} {kind}" for kind, count in counts.items()) + ".")


@search_group.command("verify")
@click.option("--repair/--dry-run", default=True, show_default=True, help="Fix the drift found, or only report it.")
def search_verify(repair: bool):
    """Compare the index with the database and report (and by default repair) any drift."""
    from app.search import outbox

    drift = outbox.verify(db.session, repair=repair)
    for label, part in (("missing", drift.missing), ("stale", drift.stale), ("extra", drift.extra)):
        for kind, ids in part.items():
            if ids:
                shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
                click.echo(f"{label} {kind}: {len(ids)} ({shown})")
    if not drift.total:
        click.echo("The index matches the database.")
    elif repair:
        click.echo(f"Repaired {drift.total} document(s).")
    else:
        click.echo(f"{drift.total} document(s) drifted; run without --dry-run to repair.")
        sys.exit(1)


@search_group.command("drain")
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for another writer.")
def search_drain(wait: float):
    """Apply the queued changes (the outbox) to the index."""
    from app.search import outbox

    applied = outbox.drain(db.session, wait=wait)
    left = outbox.pending_count(db.session)
    click.echo(f"Applied {applied} change(s); {left} waiting.")
    if left:
        sys.exit(1)
