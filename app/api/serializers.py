"""JSON shapes of the API. One function per resource, reused wherever it appears."""

from __future__ import annotations

from flask import url_for

from app.accounts.models import User


def iso(dt) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def avatar_url(user: User) -> str | None:
    if not user.avatar_key:
        return None
    from app.media.service import variant_filename

    return url_for("media.serve", name=variant_filename(user.avatar_key, "thumb"))


def user_summary(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "avatar_url": avatar_url(user)}


def user_detail(user: User) -> dict:
    return {**user_summary(user), "bio": user.bio, "locale": user.locale, "created_at": iso(user.created_at)}


def me(user: User) -> dict:
    return {**user_detail(user), "is_admin": user.is_admin}
