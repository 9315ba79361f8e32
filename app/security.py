"""Security baseline: same-site redirects and response headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, url_for


def is_safe_path(target: str | None) -> bool:
    """Only same-site absolute paths: '/notes/1' yes; '//evil', '/\\evil', 'http:', 'javascript:' no."""
    if not target or not isinstance(target, str):
        return False
    # Browsers treat backslashes as slashes and drop tabs/newlines inside URLs.
    if any(ch in target for ch in "\\\t\r\n") or any(ord(ch) < 32 for ch in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default_endpoint: str = "feed.index") -> str:
    return target if is_safe_path(target) else url_for(default_endpoint)


def referrer_path() -> str | None:
    """The path of the Referer when it is one of our own pages, else None."""
    from flask import request

    parts = urlsplit(request.referrer or "")
    if parts.scheme in ("http", "https") and parts.netloc == request.host:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def init_app(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", app.config["CONTENT_SECURITY_POLICY"])
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
