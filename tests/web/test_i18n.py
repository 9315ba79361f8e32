"""UI language: user setting, visitor choice, Accept-Language, default; complete catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.i18n import locale_for_tag

ROOT = Path(__file__).resolve().parents[2]


def html_lang(response) -> str:
    import re

    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh-Hant"),
        ("zh-TW,zh;q=0.9", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-Hant-MO", "zh-Hant"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,de;q=0.8", "zh-Hant"),
        ("fr-FR,en;q=0.5", "en"),
    ],
)
def test_accept_language(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header} if header else {})
    assert html_lang(response) == expected


def test_page_text_is_translated(client):
    assert "登入" in client.get("/login", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "登录" in client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Log in" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_visitor_choice_beats_accept_language(client):
    client.post("/locale", data={"locale": "en", "next": "/login"})
    assert html_lang(client.get("/", headers={"Accept-Language": "zh-CN"})) == "en"


def test_user_setting_beats_everything_and_is_saved(client, make_user, auth, app):
    make_user("polyglot", locale="zh_Hans")
    auth.login("polyglot")
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "zh-Hans"
    response = client.post("/locale", data={"locale": "en", "next": "/u/polyglot"})
    assert response.headers["Location"] == "/u/polyglot"
    fresh = app.test_client()
    fresh.post("/login", data={"username": "polyglot", "password": "correct horse battery"})
    assert html_lang(fresh.get("/")) == "en"


def test_the_switcher_on_a_page_posts_its_own_token_and_comes_back(client, csrf_enabled):
    import re

    html = client.get("/discover?cursor=", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/locale".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert set(fields) == {"csrf_token", "next"} and fields["next"] == "/discover?cursor="
    response = client.post("/locale", data={**fields, "locale": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/discover?cursor="
    assert html_lang(client.get("/")) == "en"
    refused = client.post("/locale", data={"next": "/", "locale": "zh_Hans"})  # no token
    assert refused.status_code == 400 and html_lang(client.get("/")) == "en"


def test_unknown_locale_is_ignored(client):
    client.post("/locale", data={"locale": "klingon"})
    assert html_lang(client.get("/")) == "zh-Hant"


def test_flash_and_error_messages_are_translated(client, make_user, auth):
    make_user("flashy")
    response = auth.login("flashy", "wrong-password-1")
    assert "帳號或密碼錯誤" in response.get_data(as_text=True) or "密碼" in response.get_data(as_text=True)
    page = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 404 and html_lang(page) == "zh-Hans"
    assert "We could not find that." not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("tag", "locale"),
    [("zh_TW", "zh_Hant"), ("EN", "en"), ("ja", None), ("zh-Hans-HK", "zh_Hans"), ("zh-Hant", "zh_Hant")],
)
def test_locale_for_tag(tag, locale):
    assert locale_for_tag(tag) == locale


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_catalog_translates_every_string_in_the_code(locale):
    """Extracts messages from the code and templates now, so a new string without a
    translation fails here rather than showing English to a Chinese reader."""
    mapping = [("**.py", "python"), ("**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
                "pgettext": ((1, "c"), 2)}
    wanted = set()
    for folder in ("app", "templates"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=mapping, keywords=keywords,
            directory_filter=lambda path: not path.endswith("__pycache__"),  # babel skips _partials by default
        ):
            wanted.add((message if isinstance(message, str) else message[0], context))
    with (ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    def translated(message, context) -> bool:
        entry = catalog.get(message, context=context)
        return bool(entry and entry.string and not entry.fuzzy)

    missing = sorted(m for m, context in wanted if not translated(m, context))
    assert not missing, f"{locale} lacks translations for: {missing}"
