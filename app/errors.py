"""The app's own exceptions and the one handler that renders them.

Services raise these and never call ``abort()``. The handler renders an HTML error page in
the UI language, or ``{"error": {"code": …, "message": …}}`` for API and JSON requests.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from app.ops.logging import current_request_id


class AppError(Exception):
    """Base class: an HTTP status, a stable machine code and a translated message."""

    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, *, code: str | None = None, fields: dict | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(self.message)


class Invalid(AppError):
    status = 400
    code = "invalid"
    default_message = _l("Some of the input is not valid.")


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    default_message = _l("Please log in first.")


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do that.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    default_message = _l("We could not find that.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    default_message = _l("That conflicts with the current state.")


class OutOfStock(Conflict):
    code = "out_of_stock"
    default_message = _l("Sorry, this product is sold out.")


class Unprocessable(AppError):
    status = 422
    code = "unprocessable"
    default_message = _l("The request is well-formed but cannot be processed.")


HTTP_CODES = {
    400: ("bad_request", _l("The request could not be processed.")),
    401: ("unauthorized", _l("Please log in first.")),
    403: ("forbidden", _l("You are not allowed to do that.")),
    404: ("not_found", _l("We could not find that.")),
    405: ("method_not_allowed", _l("That method is not allowed here.")),
    413: ("too_large", _l("The upload is too large.")),
    415: ("unsupported_media_type", _l("That content type is not supported.")),
    422: ("unprocessable", _l("The request is well-formed but cannot be processed.")),
    429: ("rate_limited", _l("Too many requests. Please wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong on our side. Please try again.")),
    503: ("unavailable", _l("The service is busy. Please try again shortly.")),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message, fields: dict | None = None, headers=None):
    if wants_json():
        body = {"error": {"code": code, "message": str(message)}}
        if fields:
            body["error"]["fields"] = {k: str(v) for k, v in fields.items()}
        request_id = current_request_id()
        if request_id:  # to quote when reporting a problem; the same as the X-Request-ID header
            body["error"]["request_id"] = request_id
        response = jsonify(body)
    else:
        template = f"errors/{status}.html" if status in HTTP_CODES else "errors/generic.html"
        response = current_app.make_response(
            render_template([template, "errors/generic.html"], status=status, message=message, fields=fields or {})
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _rollback():
    from app.db import db

    db.rollback_request_session()


def handle_app_error(error: AppError):
    _rollback()
    return error_response(error.status, error.code, error.message, error.fields)


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", error.description))
    if status == 400 and error.description and "CSRF" in str(error.description):
        code, message = "csrf_failed", _l("Your form expired or was sent from another site. Please try again.")
    headers = {k: v for k, v in error.get_headers() if k.lower() not in {"content-type", "content-length"}}
    return error_response(status, code, message, headers=headers)


def handle_unexpected(error: Exception):
    current_app.logger.exception("unhandled error", exc_info=error)
    _rollback()
    code, message = HTTP_CODES[500]
    return error_response(500, code, message)


# Overload: a lock wait longer than SQLITE_BUSY_TIMEOUT_MS (or PostgreSQL's lock_timeout), an
# exhausted connection pool or an unreachable database is answered 503 + Retry-After, never a 500,
# and the driver's text ("database is locked") stays in the log.
BUSY_RETRY_AFTER_SECONDS = 2
# PostgreSQL: lock_not_available, query_canceled (lock/statement timeout), deadlock, serialization
# failure, too many connections, cannot connect now.
BUSY_SQLSTATES = frozenset({"55P03", "57014", "40P01", "40001", "53300", "57P03"})


def is_database_busy(error: BaseException) -> bool:
    from sqlalchemy import exc

    if isinstance(error, exc.TimeoutError):  # no pooled connection free within pool_timeout
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        message = str(error.orig).lower()
        return "locked" in message or "busy" in message
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate is None or sqlstate in BUSY_SQLSTATES  # None: the connection itself failed


def handle_database_error(error: Exception):
    if not is_database_busy(error):
        return handle_unexpected(error)
    cause = getattr(error, "orig", None) or error
    current_app.logger.warning("database busy, answered 503: %s: %s", type(cause).__name__,
                               next(iter(str(cause).splitlines()), "")[:200])
    _rollback()
    return error_response(503, "busy", HTTP_CODES[503][1], headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)})


def register_errorhandlers(app: Flask) -> None:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(PoolTimeoutError, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
