"""Record types of the portable format. Each domain's records are described once here:
their fields, their key, what they refer to, how a batch is inserted and how rows export.

Validation never touches the database except to look up existing keys, in bulk; insertion is
bulk and happens only after the whole file validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.service import BIO_MAX, DISPLAY_NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, USERNAME_RE
from app.social.models import Follow

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
LOCALES = ("zh_Hant", "zh_Hans", "en")


@dataclass
class Field:
    name: str
    kind: type | tuple[type, ...]
    required: bool = False
    nullable: bool = False
    media: bool = False  # a path (or list of paths) relative to the JSONL file's folder


@dataclass
class ImportContext:
    session: Session
    base_dir: Path
    now: datetime
    # type -> key -> database id, for keys defined in this file or found in the database
    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    media_written: list[str] = field(default_factory=list)


def parse_time(value: str | None, now: datetime) -> datetime:
    if value is None:
        return now
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bulk_insert(session: Session, model, rows: list[dict]) -> None:
    """One executemany on the model's table. Core rather than the ORM's bulk insert, which
    splits a batch by which values are None and so turns a mixed batch (notes with and without
    a product) into thousands of statements."""
    session.execute(insert(model.__table__), rows)


def bulk_insert_ids(session: Session, model, rows: list[dict]) -> list[int]:
    """bulk_insert, returning the new ids in the rows' order."""
    table = model.__table__
    if session.get_bind().dialect.name != "sqlite":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.scalars(statement, rows))
    # SQLite cannot promise RETURNING's order for a multi-row insert, so SQLAlchemy would send one
    # statement per row. The import holds SQLite's write lock (BEGIN IMMEDIATE): the rows after
    # the largest id are these, numbered in the order they were inserted.
    before = session.scalar(select(func.max(table.c.id))) or 0
    session.execute(insert(table), rows)
    ids = list(session.scalars(select(table.c.id).where(table.c.id > before).order_by(table.c.id)))
    if len(ids) != len(rows):
        raise RuntimeError(f"{table.name}: {len(rows)} rows inserted but {len(ids)} new ids found")
    return ids


def positional_refs(session: Session, id_column, prefix: str) -> dict[int, str]:
    """Export refs by position in id order (p1, p2…) rather than by database id: an import into
    an empty database numbers rows afresh, so refs taken from ids would change across a round
    trip wherever rows had been deleted."""
    ids = session.scalars(select(id_column).order_by(id_column))
    return {id_: f"{prefix}{position}" for position, id_ in enumerate(ids, 1)}


class RecordType:
    name: str
    fields: list[Field]

    def key(self, record: dict) -> str | None:
        """The record's unique key within its type, or None when it has none."""
        return record.get("ref")

    def refs(self, record: dict) -> list[tuple[str, str]]:
        """(type, key) pairs this record refers to."""
        return []

    def check(self, record: dict) -> list[str]:
        """Errors beyond field presence and JSON types."""
        return []

    def check_links(self, ctx: ImportContext, records: dict[str, list[dict]]) -> list[tuple[int, str]]:
        """(line, error) pairs about how a record fits the records it refers to (an order's note
        must link its product), checked once every line parsed; bulk database reads only."""
        return []

    def existing_keys(self, session: Session, keys: set[str]) -> dict[str, int]:
        """Keys of this type already in the database, mapped to their ids."""
        return {}

    def prepare(self, ctx: ImportContext, records: list[dict]) -> None:
        """Slow work done before the write transaction (photos), all of it undone on failure."""

    def insert(self, ctx: ImportContext, records: list[dict]) -> None:
        raise NotImplementedError

    def export(self, session: Session, media_dir: Path) -> Iterator[dict]:
        raise NotImplementedError


class UserRecord(RecordType):
    name = "user"
    fields = [
        Field("username", str, required=True),
        Field("display_name", str),
        Field("bio", str),
        Field("locale", str),
        Field("password", str),
        Field("password_hash", str),
        Field("is_admin", bool),
        Field("avatar", str, nullable=True, media=True),
        Field("created_at", str),
    ]

    def key(self, record):
        return record["username"].lower()

    def check(self, record):
        errors = []
        if not USERNAME_RE.fullmatch(record["username"]):
            errors.append("username must be 3-30 letters, digits or underscores")
        if len(record.get("display_name") or "") > DISPLAY_NAME_MAX:
            errors.append(f"display_name is longer than {DISPLAY_NAME_MAX} characters")
        if len(record.get("bio") or "") > BIO_MAX:
            errors.append(f"bio is longer than {BIO_MAX} characters")
        if record.get("locale", "zh_Hant") not in LOCALES:
            errors.append(f"locale must be one of {', '.join(LOCALES)}")
        if "password" in record and "password_hash" in record:
            errors.append("give password or password_hash, not both")
        if "password" in record and not PASSWORD_MIN <= len(record["password"]) <= PASSWORD_MAX:
            errors.append(f"password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters")
        if "password_hash" in record and not record["password_hash"].startswith("$argon2"):
            errors.append("password_hash must be an argon2 hash as exported")
        return errors

    def existing_keys(self, session, keys):
        rows = session.execute(select(func.lower(User.username), User.id).where(func.lower(User.username).in_(keys)))
        return dict(rows.all())

    def prepare(self, ctx, records):
        from app.data import media_io

        media_io.store_all(ctx, [(r, "_avatar", [r["avatar"]]) for r in records if r.get("avatar")],
                           "AVATAR_SIZES")

    def insert(self, ctx, records):
        import secrets

        rows = []
        for record in records:
            # The service hashed plain passwords before the transaction; "!" matches no password.
            password_hash = record.get("password_hash") or "!"
            rows.append({
                "username": record["username"],
                "display_name": record.get("display_name") or record["username"],
                "bio": record.get("bio") or "",
                "locale": record.get("locale") or "zh_Hant",
                "password_hash": password_hash,
                "is_admin": bool(record.get("is_admin", False)),
                "avatar_key": record["_avatar"][0].key if record.get("_avatar") else None,
                "session_token": secrets.token_hex(16),
                "created_at": parse_time(record.get("created_at"), ctx.now),
            })
        ids = bulk_insert_ids(ctx.session, User, rows)
        ctx.ids.setdefault(self.name, {}).update(
            {row["username"].lower(): id_ for row, id_ in zip(rows, ids, strict=True)})

    def export(self, session, media_dir):
        from app.data import media_io

        for user in session.scalars(select(User).order_by(User.id)):
            record = {
                "type": "user",
                "username": user.username,
                "display_name": user.display_name,
                "bio": user.bio,
                "locale": user.locale,
                # "!" (no password, as imported without one) is left out: it is not a hash to import.
                **({"password_hash": user.password_hash} if user.password_hash.startswith("$argon2") else {}),
                "is_admin": user.is_admin,
                "created_at": format_time(user.created_at),
            }
            avatar = media_io.export_avatar(user, media_dir)
            if avatar:
                record["avatar"] = avatar
            yield record


class FollowRecord(RecordType):
    name = "follow"
    fields = [Field("follower", str, required=True), Field("followee", str, required=True), Field("created_at", str)]

    def key(self, record):
        return f"{record['follower'].lower()}>{record['followee'].lower()}"

    def refs(self, record):
        return [("user", record["follower"].lower()), ("user", record["followee"].lower())]

    def check(self, record):
        return ["a user cannot follow themselves"] if record["follower"].lower() == record["followee"].lower() else []

    def existing_keys(self, session, keys):
        # Duplicates against the database are caught by the primary key; checking them here
        # would need a join per pair, so the file's own duplicates are what we report.
        return {}

    def insert(self, ctx, records):
        users = ctx.ids["user"]
        rows = [
            {
                "follower_id": users[r["follower"].lower()],
                "followee_id": users[r["followee"].lower()],
                "created_at": parse_time(r.get("created_at"), ctx.now),
            }
            for r in records
        ]
        ctx.session.execute(insert(Follow), rows)

    def export(self, session, media_dir):
        follower, followee = User.__table__.alias("follower"), User.__table__.alias("followee")
        query = (
            select(follower.c.username, followee.c.username, Follow.created_at)
            .join(follower, follower.c.id == Follow.follower_id)
            .join(followee, followee.c.id == Follow.followee_id)
            .order_by(Follow.follower_id, Follow.followee_id)
        )
        for a, b, created_at in session.execute(query):
            yield {"type": "follow", "follower": a, "followee": b, "created_at": format_time(created_at)}

