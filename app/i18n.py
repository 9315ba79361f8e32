"""UI language: the user's setting, else the visitor's choice, else Accept-Language, else zh-Hant."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField

from app.extensions import babel
from app.security import referrer_path, safe_next

# Names are shown in their own language, so they are deliberately not translated.
LANGUAGE_NAMES = {"zh_Hant": "繁體中文", "zh_Hans": "简体中文", "en": "English"}
HTML_LANG = {"zh_Hant": "zh-Hant", "zh_Hans": "zh-Hans", "en": "en"}
TRADITIONAL_REGIONS = {"tw", "hk", "mo"}

bp = Blueprint("i18n", __name__)


def locale_for_tag(tag: str) -> str | None:
    """Map a BCP 47 tag such as zh-TW, zh-Hant-HK, zh-CN or en-GB to one of our locales."""
    parts = tag.replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    rest = set(parts[1:])
    if "hant" in rest or "hans" in rest:  # an explicit script wins over the region
        return "zh_Hant" if "hant" in rest else "zh_Hans"
    return "zh_Hant" if rest & TRADITIONAL_REGIONS else "zh_Hans"


def negotiate(accept_languages) -> str | None:
    for tag, _quality in accept_languages:
        locale = locale_for_tag(tag)
        if locale:
            return locale
    return None


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return negotiate(request.accept_languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name, render_kw={"lang": HTML_LANG[code]}) for code, name in LANGUAGE_NAMES.items()]


class LocaleForm(FlaskForm):
    locale = SelectField(choices=language_choices)
    next = HiddenField()


@bp.post("/locale")
def set_locale():
    from app.accounts import service as accounts
    from app.db import db

    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            accounts.set_locale(db.session, current_user, form.locale.data)
    return redirect(safe_next(form.next.data or referrer_path()))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def inject_i18n():
        locale = str(get_locale())
        return {
            "current_locale": locale,
            "html_lang": HTML_LANG.get(locale, "zh-Hant"),
            "language_names": LANGUAGE_NAMES,
        }
