"""Ids from query strings, forms and JSON, bounded so no value can overflow a database integer."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from app.errors import Invalid
from app.pagination import MAX_ID


class IdConverter(IntegerConverter):
    """<int:…> in routes, bounded: /notes/99999999999999999999 is a 404, not an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # Werkzeug turns a ValidationError into 405 when another method's rule shares the path
        # (DELETE /api/v1/notes/<huge> listed GET and PATCH); an id that cannot exist is a 404.
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def cursor_arg() -> str | None:
    """The ?cursor= of a list request (checked where it is decoded, against its shape)."""
    return request.args.get("cursor") or None


def optional_int(body, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise Invalid(_l("The field %(name)s must be a whole number.", name=name),
                      fields={name: _l("Must be a whole number.")})
    return value


def int_list(value, name: str) -> list[int] | None:
    """A list of ids from JSON ([3, 1]) or multipart ("3,1")."""
    if value is None:
        return None
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",") if part.strip()]
        value = [int(part) for part in parts] if all(part.isdigit() for part in parts) else "not ids"
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_ID for v in value):
        raise Invalid(_l("The field %(name)s must be a list of ids.", name=name),
                      fields={name: _l("Must be a list of ids.")})
    return value
