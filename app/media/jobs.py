"""Media jobs. Uploads make their variants synchronously (the uploader sees the picture at once);
this job backfills variants after NOTE_IMAGE_SIZES or AVATAR_SIZES change:

    flask jobs enqueue media.backfill_variants

Originals are not kept (only re-encoded variants are, see ``images``), so a variant is rebuilt
from the widest variant the image still has: a new or narrower size comes out right, a size
wider than every stored variant is capped at the widest one (nothing is ever upscaled).
"""

from __future__ import annotations

import io
import logging

from flask import current_app
from PIL import Image
from sqlalchemy import select

from app.db import db
from app.errors import Invalid
from app.jobs import register
from app.media.images import process_image
from app.media.service import variant_filename
from app.media.storage import get_storage

log = logging.getLogger(__name__)


def _width(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as im:  # reads the header only
        return im.width


def backfill_image(storage, key: str, sizes: dict[str, int], caps: dict[str, int]) -> int:
    """Write the variants of ``key`` that are missing or not at their configured width; returns
    how many were written."""
    present: dict[str, int] = {}
    for name in sizes:
        filename = variant_filename(key, name)
        if storage.exists(filename):
            present[name] = _width(storage.open(filename))
    if not present:
        return 0  # nothing left to rebuild from
    source_name = max(present, key=present.get)
    source_width = present[source_name]
    # Variants are never upscaled, so the widest one is at most the original's width.
    wanted = {name: max_width for name, max_width in sizes.items() if present.get(name) != min(max_width, source_width)}
    if not wanted:
        return 0
    processed = process_image(storage.open(variant_filename(key, source_name)), sizes=wanted, **caps)
    for name, variant in processed.variants.items():
        storage.save(variant_filename(key, name), variant.data)
    return len(processed.variants)


@register("media.backfill_variants", timeout=6 * 3600)
def backfill_variants() -> None:
    from app.accounts.models import User
    from app.catalog.models import ProductImage
    from app.notes.models import NoteImage

    config = current_app.config
    storage = get_storage(current_app)
    caps = {"max_pixels": config["MAX_IMAGE_PIXELS"], "max_side": config["MAX_IMAGE_SIDE"]}
    written = failed = 0
    with db.new_session() as session:
        photos = [*session.scalars(select(NoteImage.key)), *session.scalars(select(ProductImage.key))]
        avatars = list(session.scalars(select(User.avatar_key).where(User.avatar_key.is_not(None))))
    work = [(key, config["NOTE_IMAGE_SIZES"]) for key in photos] + [(key, config["AVATAR_SIZES"]) for key in avatars]
    for key, sizes in work:
        try:
            written += backfill_image(storage, key, sizes, caps)
        except (Invalid, OSError, ValueError):
            failed += 1
            log.warning("media backfill: could not rebuild the variants of %s", key, exc_info=True)
    log.info("media backfill: %d variants written for %d images, %d failed", written, len(work), failed)
