"""Opaque cursors for keyset pagination; anything that is not one of ours is a clear 400."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from app.errors import Invalid


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(*values: Any) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


# Ids are INTEGER columns: 32-bit on PostgreSQL, where a larger bound value fails the query (a 500)
# instead of finding nothing.
MAX_ID = 2**31 - 1


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> list | None:
    """The values of a cursor, checked against ``shape`` (e.g. (datetime, int)); None when there
    is no cursor; a clear 400 when it is not one of ours."""
    if not cursor:
        return None
    bad = Invalid(_l("That page cursor is not valid."), code="invalid_cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor[:500] + "=" * (-len(cursor[:500]) % 4)))
    except (ValueError, TypeError):
        raise bad from None
    if not isinstance(values, list) or len(values) != len(shape):
        raise bad
    out = []
    for value, kind in zip(values, shape, strict=True):
        if kind is datetime:
            try:
                value = datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                value = None
            if value is None or value.tzinfo is None:
                raise bad
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
            raise bad
        out.append(value)
    return out


def newest_by_id(session, query, id_column, cursor: str | None, limit: int) -> Page:
    """A newest-first page of ``query`` keyed on its integer id column."""
    after = decode_cursor(cursor, (int,))
    if after:
        query = query.where(id_column < after[0])
    rows = list(session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    page = rows[:limit]
    return Page(page, encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)
