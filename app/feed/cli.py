"""``flask feed show``: what a user's ranked feed holds, for operators."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.db import db


@click.group("feed", cls=AppGroup, help="Ranked feeds.")
def feed_group():
    pass


@feed_group.command("show")
@click.argument("username")
@click.option("--kind", type=click.Choice(["discover", "following"]), default="discover", show_default=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print the API's items as JSON.")
def feed_show(username: str, kind: str, limit: int, as_json: bool):
    """Print USERNAME's Home (following) or Discover feed with scores and reasons."""
    from app.accounts.models import User
    from app.api import serializers as out
    from app.feed import service

    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        click.echo(f"No user named {username!r}.", err=True)
        sys.exit(1)
    page = service.get_feed(db.session, kind, user, None, limit)
    with current_app.test_request_context("/"):  # the serializers build image URLs
        items = [out.note_summary(item) for item in page.items]
    if as_json:
        click.echo(json.dumps({"items": items, "next_cursor": page.next_cursor}, ensure_ascii=False, indent=2))
        return
    for n, item in enumerate(items, 1):
        click.echo(f"{n:>3}. {item['score']:8.3f}  @{item['author']['username']:<20} {item['title']}")
        click.echo("       " + "; ".join(reason["text"] for reason in item["why"]))
