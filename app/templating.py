"""Template globals and filters: image URLs, rich note text, dates, the unread badge."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.local import LocalProxy

from app.cache import cache
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


CARD_TEMPLATES = ("_partials/_note_card.html", "_partials/_avatar.html")  # the card and what it includes


def render_note_cards(items: list) -> Markup:
    """A page's note cards (``_partials/_note_card.html`` for each FeedItem), each rendered once per
    distinct content and read from the app cache after that.

    A card's HTML is a function of what ``_card_key`` names (the templates' own source, the locale,
    the note's title, cover, author and like count, the reader's like, the labels and reasons), so
    a cached card is never stale: anything it shows changes the key. Entries live
    FEED_PAGE_CACHE_SECONDS. Cards with a search highlight or snippet include the template instead."""
    if not items:
        return Markup("")
    from app.feed.service import page_cache_seconds

    prefix = f"card-html:{_card_templates_version()}:{get_locale()}:"
    keys = [prefix + _card_key(item) for item in items]
    store = cache()
    template = None
    parts = []
    for key, item, html in zip(keys, items, store.get_many(keys), strict=True):
        if html is None:
            template = template or current_app.jinja_env.get_template(CARD_TEMPLATES[0])
            html = template.render(item=item)
            store.set(key, html, page_cache_seconds())
        parts.append(html)
    return Markup("".join(parts))  # noqa: S704  # nosec B704  # rendered by the autoescaping template


def _card_key(item) -> str:
    """Every input of the card templates, hashed (tests/web/test_note_cards.py changes each one)."""
    note = item.note
    author, cover = note.author, note.cover
    shown = (request.script_root, note.id, note.title, note.is_draft, note.like_count,
             (cover.key, cover.width, cover.height) if cover else None,
             author.username, author.display_name, author.avatar_key,
             bool(item.liked), bool(item.sponsored), bool(item.verified), [tuple(reason) for reason in item.why])
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


def _card_templates_version() -> str:
    """A hash of the card templates' source: a release that changes them never reads the cards an
    older release cached (in a shared Redis). Read again on every page while templates auto-reload
    (debug), so an edited card shows at once."""
    found = current_app.extensions.get("card_templates_version")
    if found is None or current_app.jinja_env.auto_reload:
        env = current_app.jinja_env
        sources = "".join(env.loader.get_source(env, name)[0] for name in CARD_TEMPLATES)
        found = current_app.extensions["card_templates_version"] = hashlib.blake2b(
            sources.encode(), digest_size=6).hexdigest()
    return found


def init_app(app: Flask) -> None:
    from app.feed.service import why
    from app.moderation.service import REASON_LABELS
    from app.search.service import highlighted

    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["image_size"] = image_size
    app.jinja_env.globals["report_reasons"] = REASON_LABELS
    app.jinja_env.globals["why_you_see"] = why
    app.jinja_env.globals["card_text"] = card_text
    app.jinja_env.globals["render_note_cards"] = render_note_cards
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
