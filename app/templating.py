"""Template globals and filters: image URLs, rich note text, dates, the unread badge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app.media.service import variant_filename
from app.notes import text


def media_url(key: str, variant: str) -> str:
    return url_for("media.serve", name=variant_filename(key, variant))


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


def init_app(app: Flask) -> None:
    from app.moderation.service import REASON_LABELS

    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["report_reasons"] = REASON_LABELS
    app.jinja_env.filters["rich_text"] = rich_text
    app.jinja_env.filters["hashtags"] = text.hashtags
    app.jinja_env.filters["when"] = when

    @app.context_processor
    def unread_badge():
        if not current_user.is_authenticated:
            return {"unread_notifications": 0}
        from app.db import db
        from app.social.service import unread_count

        return {"unread_notifications": unread_count(db.session, current_user)}
