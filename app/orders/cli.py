"""`flask orders …`: the clock's part of the order life cycle, for cron or the job runner."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import db


@click.group("orders", cls=AppGroup, help="Orders: time-based transitions.")
def orders_group():
    pass


@orders_group.command("sweep")
def orders_sweep():
    """Cancel orders unpaid past ORDER_PAYMENT_TIMEOUT_MINUTES (their stock returns) and complete
    shipped orders unconfirmed after ORDER_AUTO_COMPLETE_DAYS. Safe to run often and in parallel."""
    from app.orders.service import sweep_orders

    done = sweep_orders(db.session)
    click.echo(f"{done['cancelled']} unpaid orders cancelled, {done['completed']} shipped orders completed.")
