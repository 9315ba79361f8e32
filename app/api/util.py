from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from app.errors import Invalid


def json_body() -> dict:
    """The request's JSON object, or a clear 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(_l("Send a JSON object with Content-Type: application/json."), code="invalid_json")
    return body


def string_field(body: dict, name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Invalid(_l("The field %(name)s must be a string.", name=name), fields={name: _l("Must be a string.")})
    return value


def optional_int(body, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
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
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise Invalid(_l("The field %(name)s must be a list of ids.", name=name),
                      fields={name: _l("Must be a list of ids.")})
    return value
