"""Fingerprinted static URLs and their cache headers.

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.css?v=<12 hex of SHA-256>``.
A response to a request whose ``v`` is the file's current fingerprint can be cached for a year
(``immutable``): a changed file gets a new URL. Without ``v``, or with a stale one (a page
rendered before a deploy), the file is cached briefly (``STATIC_SHORT_MAX_AGE``).

Fingerprints are computed once per file per process, and again only when its mtime or size
changes (so editing a file in development gives a new URL at once).
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading

from flask import Flask, Response, request
from werkzeug.security import safe_join

FINGERPRINT_LENGTH = 12
VERSION_ARG = "v"
ONE_YEAR = 365 * 24 * 3600
LONG_CACHE = f"public, max-age={ONE_YEAR}, immutable"

_fingerprints: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, fingerprint)
_lock = threading.Lock()


def fingerprint(static_folder: str | None, filename: str | None) -> str | None:
    """The first 12 hex of the file's SHA-256, or None when it is not a file under static_folder."""
    if not static_folder or not filename:
        return None
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    cached = _fingerprints.get(path)
    if cached is not None and cached[:2] == (info.st_mtime_ns, info.st_size):
        return cached[2]
    try:
        with open(path, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()[:FINGERPRINT_LENGTH]
    except OSError:
        return None
    with _lock:
        _fingerprints[path] = (info.st_mtime_ns, info.st_size, digest)
    return digest


def init_app(app: Flask) -> None:
    @app.url_defaults
    def add_static_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values:
            version = fingerprint(app.static_folder, values.get("filename"))
            if version:
                values[VERSION_ARG] = version

    @app.after_request
    def cache_static(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 206, 304):
            return response
        wanted = request.args.get(VERSION_ARG)
        filename = (request.view_args or {}).get("filename")
        if wanted and wanted == fingerprint(app.static_folder, filename):
            response.headers["Cache-Control"] = LONG_CACHE
        else:
            response.headers["Cache-Control"] = f"public, max-age={app.config['STATIC_SHORT_MAX_AGE']}"
        response.headers.pop("Expires", None)
        return response
