"""`flask sharing …`: the clock's part of sharing, for cron or the job runner."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import db


@click.group("sharing", cls=AppGroup, help="Sharing: referral rewards and group buys.")
def sharing_group():
    pass


@sharing_group.command("settle")
def sharing_settle():
    """Pay referral rewards whose orders completed and passed REFUND_WINDOW_DAYS. Each reward is
    unique on its cause: safe to run often and in parallel."""
    from app.sharing.service import settle_rewards

    click.echo(f"{settle_rewards(db.session)} referral rewards paid.")


@sharing_group.command("expire-groups")
def sharing_expire_groups():
    """Close group buys past their deadline that did not fill: unpaid orders cancelled, paid
    ones refunded, reserved stock returned."""
    from app.sharing.groups import expire_groups

    click.echo(f"{expire_groups(db.session)} unfilled groups expired and refunded.")
