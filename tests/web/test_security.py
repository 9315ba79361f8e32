"""Security baseline: redirects, CSRF, headers, cookies, rate limits, production config."""

from __future__ import annotations

import pytest

from app import create_app
from config import ProductionConfig
from tests.conftest import csrf_token_from

BYPASSES = [
    "//evil.tld",
    "////evil.tld",
    "/\\evil.tld",
    "\\\\evil.tld",
    "http:\\\\evil.tld",
    "http://evil.tld",
    "https:evil.tld",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "/\t/evil.tld",
    "/%09/evil.tld",
    " //evil.tld",
    "data:text/html,<script>alert(1)</script>",
]


def stays_on_site(location: str) -> bool:
    """Resolve Location the way browsers do (dropping tabs and newlines, reading backslashes as
    slashes) against our origin, and check where it lands."""
    from urllib.parse import urljoin, urlsplit

    browser_view = "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/")
    resolved = urlsplit(urljoin("http://zhongcao.test/here", browser_view))
    return resolved.scheme == "http" and resolved.netloc == "zhongcao.test"


@pytest.mark.parametrize("target", BYPASSES)
def test_login_next_never_leaves_the_site(client, make_user, target):
    make_user("victim")
    response = client.post("/login", data={"username": "victim", "password": "correct horse battery", "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert stays_on_site(location), f"{target!r} redirected to {location!r}"


@pytest.mark.parametrize("target", BYPASSES)
def test_locale_switch_next_never_leaves_the_site(client, target):
    response = client.post("/locale", data={"locale": "en", "next": target})
    assert stays_on_site(response.headers["Location"])


def test_same_site_next_is_kept(client, make_user):
    make_user("walker")
    response = client.post(
        "/login", data={"username": "walker", "password": "correct horse battery", "next": "/u/walker?tab=notes"}
    )
    assert response.headers["Location"] == "/u/walker?tab=notes"


def test_forms_without_csrf_token_are_refused(client, make_user, csrf_enabled):
    make_user("csrf_user")
    for path, data in [
        ("/login", {"username": "csrf_user", "password": "correct horse battery"}),
        ("/register", {"username": "newbie", "password": "correct horse battery"}),
        ("/locale", {"locale": "en"}),
        ("/logout", {}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert 'data-testid="error-page"' in response.get_data(as_text=True)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "csrf_user", "password": "correct horse battery",
                                           "csrf_token": token})
    assert response.status_code == 302


def test_every_page_has_a_csrf_field_in_each_post_form(client, make_user, auth, csrf_enabled):
    import re

    make_user("formy")
    anonymous = ["/", "/login", "/register"]
    logged_in = ["/", "/u/formy", "/settings/profile", "/settings/password"]
    for path in anonymous + ["LOGIN"] + logged_in:
        if path == "LOGIN":
            auth.login("formy", csrf_token=csrf_token_from(client.get("/login").get_data(as_text=True)))
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.S | re.I)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token"' in form, path


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/openapi.json", "/no-such-page", "/static/css/app.css"])
def test_security_headers_on_every_response(client, path):
    with client.get(path) as response:
        pass
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_user_content_is_escaped(client, app, make_user):
    make_user("xss_user", display_name="<script>alert(1)</script>")
    html = client.get("/u/xss_user").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_login_is_rate_limited(client, make_user):
    make_user("target")
    statuses = [
        client.post("/login", data={"username": "target", "password": f"guess-{i}"}).status_code for i in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    limited = client.post("/login", data={"username": "target", "password": "correct horse battery"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "請求太多" in limited.get_data(as_text=True)  # the page speaks the UI language


def test_production_config_is_strict(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError):
        ProductionConfig()
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    config = ProductionConfig()
    config.DATABASE_URL = "sqlite://"
    assert config.SECRET_KEY == "x" * 48
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SESSION_COOKIE_HTTPONLY and config.REMEMBER_COOKIE_HTTPONLY
    assert config.SESSION_COOKIE_SAMESITE == config.REMEMBER_COOKIE_SAMESITE == "Lax"
    assert config.WTF_CSRF_ENABLED and config.RATELIMIT_ENABLED
    assert config.MAX_CONTENT_LENGTH
    app = create_app(config)
    response = app.test_client().get("/")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert app.config["DEBUG"] is False


def test_oversized_request_gets_413_page(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/register", data={"username": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert 'data-status="413"' in response.get_data(as_text=True)
