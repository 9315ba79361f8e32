from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from app.errors import Invalid
from app.params import int_list, optional_int  # noqa: F401  (re-exported for the API routes)


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
