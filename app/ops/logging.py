"""Request ids and structured logs.

Every request gets an id: the incoming ``X-Request-ID`` when it is sane (1-64 of
``[A-Za-z0-9._-]``), else a new one. It is ``g.request_id``, the ``X-Request-ID`` response header,
part of JSON error bodies, and on every log record made while the request runs (through a
LogRecord factory, so module loggers, ``current_app.logger`` and pytest's caplog all see it).

One line per request goes to the ``app.ops.request`` logger, its fields in ``record.fields``.
Only the path is logged, never the query string (tokens, search words) and never a header
(Authorization, Cookie). Successful probes log at DEBUG so they do not drown the rest.

Logging is process-wide, so the first app created in a process sets it up from ``LOG_FORMAT``
(json, text or off) and ``LOG_LEVEL``; ``configure_logging`` changes it explicitly.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import IO

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import NoInspectionAvailable

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
APP_LOGGER = "app"  # Flask's app.logger (named after the package), parent of every app.* module logger
FORMATS = ("json", "text", "off")
PROBE_ENDPOINTS = frozenset({"ops.healthz", "ops.readyz"})
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

request_log = logging.getLogger("app.ops.request")
_configured = False


def request_id_from(header: str | None) -> str:
    """The caller's id when it is safe to echo and log, else a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """This request's id, or None outside a request."""
    if not has_request_context():
        return None
    request_id = g.get("request_id")
    if request_id is None:  # before our before_request hook ran (an earlier one failed)
        request_id = g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    return request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, request_id, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def text_formatter() -> logging.Formatter:
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            record.request_id = current_request_id() or "-"
        except Exception:  # logging must never fail because of the id
            record.request_id = "-"
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)


def configure_logging(log_format: str, level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler | None:
    """Point the ``app`` logger at one handler in ``log_format`` (stderr unless ``stream``), or with
    ``off`` leave records to whatever the root logger does (pytest's capture in tests)."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    logger = logging.getLogger(APP_LOGGER)
    for handler in list(logger.handlers):
        if getattr(handler, "zhongcao", False):
            logger.removeHandler(handler)
    if log_format == "off":
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
        return None
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else text_formatter())
    handler.zhongcao = True
    logger.removeHandler(default_handler)  # Flask's own, added when app.logger had no handler
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False  # one line per record, even when the root logger has a handler too
    return handler


def init_app(app: Flask) -> None:
    global _configured
    if app.config["LOG_FORMAT"] not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {app.config['LOG_FORMAT']!r}")
    _install_record_factory()
    if not _configured:
        configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
        _configured = True
    app.before_request(start_request)
    app.after_request(finish_request)


def start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    request_id = current_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    log_request(response, request_id)
    return response


def log_request(response: Response, request_id: str) -> None:
    status = response.status_code
    if request.endpoint in PROBE_ENDPOINTS and status in (200, 503):  # ready, or not yet: both expected
        level = logging.DEBUG if status == 200 else logging.WARNING
    elif status >= 500:
        level = logging.ERROR
    else:
        level = logging.INFO
    if not request_log.isEnabledFor(level):
        return
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started is not None else None
    path = printable(request.path)
    fields = {
        "request_id": request_id,
        "method": request.method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
        "user_id": user_id(),
        "remote_addr": request.remote_addr,
    }
    request_log.log(level, "%s %s %s %sms", request.method, path, status, duration_ms, extra={"fields": fields})


def printable(text: str, limit: int = 1000) -> str:
    """Control characters escaped, so a crafted path cannot forge lines in a text log."""
    text = text[:limit]
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def user_id() -> int | None:
    """The logged-in (session) or API (bearer) user's id when the request already loaded one.
    Read from the identity key: never loads a user, never queries (the session may be rolled back)."""
    for user in (g.get("_login_user"), g.get("api_user")):
        if user is None:
            continue
        try:
            identity = sa_inspect(user).identity
        except NoInspectionAvailable:  # the anonymous user
            continue
        if identity:
            return identity[0]
    return None
