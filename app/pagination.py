"""Opaque, tamper-tolerant cursors for keyset pagination."""

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


def decode_cursor(cursor: str | None) -> list | None:
    """The values of a cursor; None when there is none; a clear 400 when it is not one of ours."""
    if not cursor:
        return None
    bad = Invalid(_l("That page cursor is not valid."), code="invalid_cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor[:500] + "=" * (-len(cursor[:500]) % 4)))
    except (ValueError, TypeError):
        raise bad from None
    if not isinstance(values, list) or not values:
        raise bad
    out = []
    for value in values:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise bad from None
        elif not isinstance(value, int) or isinstance(value, bool):
            raise bad
        out.append(value)
    return out
