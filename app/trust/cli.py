"""``flask trust``: recompute every score, explain one."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.db import db


@click.group("trust", cls=AppGroup, help="Social trust scores.")
def trust_group():
    pass


@trust_group.command("recompute")
def trust_recompute():
    """Recompute every user's trust and every note's score from the current evidence."""
    from app.cli import progress_bar
    from app.trust import service

    if not service.claim(db.session):
        click.echo("Another trust recompute is running; try again when it finishes.", err=True)
        sys.exit(1)
    try:
        with progress_bar(service.propagation_steps(db.session), "Propagating trust") as bar:
            stats = service.recompute(db.session, progress=lambda step, total: bar.update(1))
    except BaseException:
        service.release(db.session)
        raise
    click.echo(f"Trust recomputed for {stats.users} users and {stats.notes} notes over {stats.edges} "
               f"endorsements in {stats.seconds:.2f} s; {stats.lockstep} accounts flagged for lockstep behaviour.")


@trust_group.command("show")
@click.argument("username")
@click.option("--top", default=5, show_default=True, help="How many endorsers to list.")
def trust_show(username: str, top: int):
    """Print USERNAME's trust score and where it comes from."""
    from app.accounts.models import User
    from app.trust import service

    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        click.echo(f"No user named {username!r}.", err=True)
        sys.exit(1)
    e = service.explain(db.session, user, top=top)
    stored = ("never computed" if e.stored_score is None
              else f"{e.stored_score:.3f} (stored {e.computed_at:%Y-%m-%d %H:%M} UTC)")
    click.echo(f"{e.username}: trust {e.score:.3f} now, {stored}; higher than {e.percentile:.0f}% of users.")
    click.echo("  (1.0 is the average user's trust.)")
    click.echo(f"  Seed: {e.spend_units:.2f} units of spend at independent sellers, "
               f"{e.seed_share * 100:.3f}% of all seed trust.")
    if e.lockstep:
        click.echo("  Flagged: likes in lockstep with other young accounts; endorsements count for nothing.")
    if e.damping < 1:
        click.echo(f"  Damped x{e.damping:.3f} (follows far more people than follow back, or hidden content).")
    if e.contributions:
        click.echo("  Main contributions:")
        for c in e.contributions:
            click.echo(f"    {c.username:<24} {c.trust:8.3f}  {', '.join(c.kinds) or 'purchase'}")
    else:
        click.echo("  Nobody endorses this account yet.")
