"""Template globals and filters: image URLs, rich note text, dates, the unread badge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.local import LocalProxy

from app.media.images import scaled_size
from app.media.service import variant_filename
from app.notes import text


def media_url(key: str, variant: str) -> str:
    return url_for("media.serve", name=variant_filename(key, variant))


def image_size(image, variant: str) -> tuple[int, int]:
    """The stored size of a note photo's variant, so pages reserve exactly its space."""
    return scaled_size(image.width, image.height, current_app.config["NOTE_IMAGE_SIZES"][variant])


def rich_text(body: str):
    return text.render(body, lambda tag: url_for("notes.tag", name=tag),
                       lambda username: url_for("accounts.profile", username=username))


def when(moment: datetime | None) -> str:
    """'3 minutes ago' style for the last day, then a localized date."""
    if moment is None:
        return ""
    delta = datetime.now(UTC) - moment
    if delta < timedelta(minutes=1):
        return _("just now")
    if delta < timedelta(hours=1):
        return _("%(num)d min ago", num=delta.seconds // 60)
    if delta < timedelta(days=1):
        return _("%(num)d h ago", num=delta.seconds // 3600)
    if delta < timedelta(days=7):
        return _("%(num)d d ago", num=delta.days)
    return format_date(moment, "short")


def money(cents: int, currency: str = "CNY") -> str:
    """Integer cents shown in the reader's locale: ¥129.00, CN¥129.00, NT$129.00."""
    from decimal import Decimal

    from flask_babel import format_currency

    return format_currency(Decimal(cents) / 100, currency)


def percent(basis_points: int) -> str:
    from decimal import Decimal

    from flask_babel import format_decimal

    return format_decimal(Decimal(basis_points) / 100, format="#,##0.##") + "%"


def card_text() -> dict[str, str]:
    """The words every note card repeats, translated once per request rather than on each of a
    page's cards."""
    locale = str(get_locale())
    found = g.get("card_text")
    if found is None or found[0] != locale:
        found = g.card_text = (locale, {"why": _("Why you see this"), "ad": _("Ad · partnership"),
                                        "verified": _("Verified purchase"), "draft": _("Draft")})
    return found[1]


def init_app(app: Flask) -> None:
    from app.feed.service import why
    from app.moderation.service import REASON_LABELS
    from app.search.service import highlighted

    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["image_size"] = image_size
    app.jinja_env.globals["report_reasons"] = REASON_LABELS
    app.jinja_env.globals["why_you_see"] = why
    app.jinja_env.globals["card_text"] = card_text
    app.jinja_env.filters["rich_text"] = rich_text
    app.jinja_env.filters["hashtags"] = text.hashtags
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["highlighted"] = highlighted

    @app.context_processor
    def unread_badge():
        # Lazy: card fragments for infinite scroll never show the badge and never pay for it.
        return {"unread_notifications": LocalProxy(_unread_notifications)}


def _unread_notifications() -> int:
    if "unread_notifications" not in g:
        from app.db import db
        from app.social.service import unread_count

        g.unread_notifications = unread_count(db.session, current_user) if current_user.is_authenticated else 0
    return g.unread_notifications
