"""Command groups, registered from the factory: db, data, users, demo, orders, search, trust, feed, jobs."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click
from alembic import command as alembic
from alembic.config import Config as AlembicConfig
from flask import Flask
from flask.cli import AppGroup

from app.db import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class _Silent:
    def update(self, n: int) -> None:
        pass


def progress_bar(length: int, label: str):
    """A progress bar on a terminal; nothing when output goes to a log or a pipe."""
    if sys.stderr.isatty():
        return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True)
    return contextlib.nullcontext(_Silent())


# ---- db ----

def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = db.engine_for_app
    return config


@click.group("db", cls=AppGroup, help="Database migrations (Alembic).")
def db_group():
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Migrate the database up to REVISION (default: head)."""
    alembic.upgrade(alembic_config(), revision)
    click.echo(f"Database at {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str):
    """Migrate the database down to REVISION."""
    alembic.downgrade(alembic_config(), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True, help="Compare models with the database.")
def db_revision(message: str, autogenerate: bool):
    """Create a new migration script."""
    alembic.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_group.command("current")
def db_current():
    """Show the database's revision."""
    alembic.current(alembic_config(), verbose=False)


@db_group.command("check")
def db_check():
    """Fail when the models and the migrations disagree."""
    alembic.check(alembic_config())
    click.echo("Models and migrations agree.")


def database_is_empty() -> bool:
    from sqlalchemy import inspect, select

    from app.accounts.models import User

    if not inspect(db.engine_for_app).has_table("users"):
        return True
    return db.session.scalar(select(User.id).limit(1)) is None


# ---- data ----

@click.group("data", cls=AppGroup, help="Portable data: JSON Lines import and export (shared/DATA-FORMAT.md).")
def data_group():
    pass


@data_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def data_import(file: Path):
    """Import FILE.jsonl: all of it, or nothing and every error with its line number."""
    run_import(file)


def run_import(file: Path) -> None:
    from app.data import service

    total = service.count_lines(file)
    with progress_bar(total * 2, "Importing") as bar:
        try:
            report = service.import_file(db.session, file, progress=bar.update)
        except service.ImportFailed as failed:
            for error in failed.errors:
                click.echo(f"{file}:{error}" if error.line else f"{file}: {error.message}", err=True)
            click.echo(f"Nothing was imported ({len(failed.errors)} error(s)).", err=True)
            sys.exit(1)
    summary = ", ".join(f"{count} {name}" for name, count in report.counts.items())
    click.echo(f"Imported {report.total} records ({summary}).")


@data_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def data_export(directory: Path):
    """Write DIRECTORY/data.jsonl and DIRECTORY/media/."""
    from app.data import service

    with progress_bar(0, "Exporting") as bar:
        target = service.export_dir(db.session, directory, progress=bar.update)
    click.echo(f"Exported to {target}.")


# ---- users ----

@click.group("users", cls=AppGroup, help="User administration.")
def users_group():
    pass


@users_group.command("make-admin")
@click.argument("username")
def users_make_admin(username: str):
    """Give USERNAME the admin role."""
    from app.accounts import service
    from app.errors import NotFound

    try:
        user = service.make_admin(db.session, username)
    except NotFound:
        click.echo(f"No user named {username!r}.", err=True)
        sys.exit(1)
    click.echo(f"{user.username} is now an admin.")


# ---- demo ----

@click.group("demo", cls=AppGroup, help="Demo community.")
def demo_group():
    pass


@demo_group.command("load")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same community.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--small", is_flag=True, help="A small community with small photos (for tests).")
def demo_load(seed: int, if_empty: bool, small: bool):
    """Load a lively Chinese demo community: notes, shops, products, orders and reviews (users log in
    with password demo-password)."""
    import tempfile

    from app.demo.world import generate_world

    if if_empty and not database_is_empty():
        click.echo("The database already has users; demo data not loaded.")
        return
    with tempfile.TemporaryDirectory() as tmp:
        sizes = {"users": 12, "notes": 30, "photos": False} if small else {}
        click.echo("Generating the demo community…")
        run_import(generate_world(Path(tmp), seed=seed, commerce=True, **sizes))


def register(app: Flask) -> None:
    from app.feed.cli import feed_group
    from app.jobs.cli import jobs_group
    from app.orders.cli import orders_group
    from app.search.cli import search_group
    from app.sharing.cli import sharing_group
    from app.trust.cli import trust_group

    for group in (db_group, data_group, users_group, demo_group, orders_group, search_group, trust_group, feed_group,
                  jobs_group, sharing_group):
        app.cli.add_command(group)
