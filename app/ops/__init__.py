"""Operations: health and readiness probes, request ids and structured logs, static caching."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register first among the extensions: the request id exists before any other hook runs, and
    the request log (an after_request hook, and those run in reverse order) sees the final response."""
    from app.ops import logging as ops_logging
    from app.ops import static

    ops_logging.init_app(app)
    static.init_app(app)
