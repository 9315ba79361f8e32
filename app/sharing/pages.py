"""Reads for the sharing pages: what a link points at (for its redirect and its poster). What each
link brought is service.link_stats; writes stay in service.py and groups.py."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import NotFound
from app.media.service import variant_filename
from app.media.storage import get_storage
from app.sharing.models import ShareLink


@dataclass(frozen=True)
class Target:
    """What a share link shows: enough for its page's URL and for a poster."""

    kind: str
    id: int
    title: str
    username: str | None = None  # profiles are addressed by username
    price_cents: int | None = None
    currency: str | None = None
    cover_key: str | None = None
    cover_sizes: str = "NOTE_IMAGE_SIZES"  # the config setting naming the cover's variants
    group_size: int | None = None


def target_of(session: Session, link: ShareLink) -> Target:
    """The thing as anyone may see it now; a 404 when it is gone or hidden."""
    from app.catalog import service as catalog
    from app.notes.service import get_note
    from app.sharing.groups import get_group

    if link.target_kind == "note":
        note = get_note(session, link.target_id, None)
        product = note.product if note.product is not None and note.product.is_listed else None
        return Target("note", note.id, note.title, price_cents=product.price_cents if product else None,
                      currency=product.currency if product else None,
                      cover_key=note.images[0].key if note.images else None)
    if link.target_kind == "product":
        product = catalog.get_product(session, link.target_id, None)
        return Target("product", product.id, product.name, price_cents=product.price_cents, currency=product.currency,
                      cover_key=product.images[0].key if product.images else None)
    if link.target_kind == "profile":
        user = session.get(User, link.target_id)
        if user is None or user.suspended_at is not None:
            raise NotFound(_l("This person does not exist."))
        return Target("profile", user.id, user.display_name, username=user.username, cover_key=user.avatar_key,
                      cover_sizes="AVATAR_SIZES")
    group = get_group(session, link.target_id)
    product = group.product
    return Target("group", group.id, product.name, price_cents=group.unit_price_cents, currency=group.currency,
                  cover_key=product.images[0].key if product.images else None, group_size=group.size)


def profile_username(session: Session, user_id: int) -> str:
    username = session.scalar(select(User.username).where(User.id == user_id))
    if username is None:
        raise NotFound(_l("This person does not exist."))
    return username


def cover_bytes(target: Target) -> bytes | None:
    """The stored large variant of the target's cover photo, or None (the poster draws a placeholder)."""
    if not target.cover_key:
        return None
    storage = get_storage(current_app)
    name = variant_filename(target.cover_key, "large")
    if "large" not in current_app.config[target.cover_sizes] or not storage.exists(name):
        return None
    return storage.open(name)
