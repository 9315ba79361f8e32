"""Store and delete processed images. Callers keep the returned key and sizes on their own rows.

The first half takes a storage and explicit caps (testable without an app); the helpers at the end
read them from the current app's config for views, services and the data import.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from app.errors import Invalid
from app.media.images import MSG_EMPTY, MSG_TOO_LARGE, process_image
from app.media.storage import Storage, get_storage


@dataclass(frozen=True)
class StoredImage:
    key: str
    width: int
    height: int
    # variant name -> (filename, width, height)
    variants: dict[str, tuple[str, int, int]] = field(default_factory=dict)


def new_key() -> str:
    # token_urlsafe only uses [A-Za-z0-9_-], so keys are valid storage names and URL segments.
    return secrets.token_urlsafe(16)


def variant_filename(key: str, name: str) -> str:
    return f"{key}_{name}.webp"


def store_image(
    storage: Storage, data: bytes, *, sizes: dict[str, int], max_pixels: int, max_side: int
) -> StoredImage:
    """Validate and re-encode ``data``, then write every variant; all of them or none."""
    processed = process_image(data, sizes=sizes, max_pixels=max_pixels, max_side=max_side)
    key = new_key()
    written: list[str] = []
    try:
        for name, variant in processed.variants.items():
            filename = variant_filename(key, name)
            storage.save(filename, variant.data)
            written.append(filename)
    except BaseException:
        for filename in written:
            storage.delete(filename)
        raise
    return StoredImage(
        key=key,
        width=processed.width,
        height=processed.height,
        variants={
            name: (variant_filename(key, name), variant.width, variant.height)
            for name, variant in processed.variants.items()
        },
    )


def store_image_from_upload(
    storage: Storage,
    file_storage,
    *,
    max_bytes: int,
    sizes: dict[str, int],
    max_pixels: int,
    max_side: int,
) -> StoredImage:
    """Read a werkzeug ``FileStorage`` without ever holding more than ``max_bytes`` + 1 bytes."""
    if file_storage is None:
        raise Invalid(MSG_EMPTY, code="image_empty")
    data = file_storage.stream.read(max_bytes + 1)
    if not data:
        raise Invalid(MSG_EMPTY, code="image_empty")
    if len(data) > max_bytes:
        raise Invalid(MSG_TOO_LARGE, code="image_too_large")
    return store_image(storage, data, sizes=sizes, max_pixels=max_pixels, max_side=max_side)


def delete_image(storage: Storage, key: str, variant_names: Iterable[str]) -> None:
    for name in variant_names:
        storage.delete(variant_filename(key, name))


# --- bound to the current app: caps and sizes from config, storage from get_storage ----------


def _caps() -> dict[str, int]:
    config = current_app.config
    return {"max_pixels": config["MAX_IMAGE_PIXELS"], "max_side": config["MAX_IMAGE_SIDE"]}


def save_bytes(data: bytes, sizes: dict[str, int]) -> StoredImage:
    """For trusted-path imports (data import, demo seeding): same validation as an upload."""
    if len(data) > current_app.config["MAX_IMAGE_BYTES"]:
        raise Invalid(MSG_TOO_LARGE, code="image_too_large")
    return store_image(get_storage(current_app), data, sizes=sizes, **_caps())


def save_upload(file_storage, sizes: dict[str, int]) -> StoredImage:
    return store_image_from_upload(
        get_storage(current_app),
        file_storage,
        max_bytes=current_app.config["MAX_IMAGE_BYTES"],
        sizes=sizes,
        **_caps(),
    )


def discard(key: str, variant_names: Iterable[str]) -> None:
    delete_image(get_storage(current_app), key, variant_names)


def chosen_files(files) -> list:
    """The files actually chosen: a form's untouched file input still sends a part with an
    empty filename, which is no photo."""
    return [f for f in (files or []) if f is not None and getattr(f, "filename", None)]


def save_photos(files) -> list[StoredImage]:
    """Note and product photos, processed before any transaction; if one fails, none is kept."""
    sizes = current_app.config["NOTE_IMAGE_SIZES"]
    stored: list[StoredImage] = []
    try:
        for file in files:
            stored.append(save_upload(file, sizes))
    except BaseException:
        discard_photos([s.key for s in stored])
        raise
    return stored


def discard_photos(keys: Iterable[str]) -> None:
    for key in keys:
        discard(key, current_app.config["NOTE_IMAGE_SIZES"])


def local_path(key: str, variant_name: str) -> Path | None:
    return get_storage(current_app).path(variant_filename(key, variant_name))


def store_avatar(file_storage) -> str:
    """Store an uploaded avatar in the AVATAR_SIZES variants and return its key."""
    return save_upload(file_storage, current_app.config["AVATAR_SIZES"]).key


def delete_avatar(key: str) -> None:
    discard(key, current_app.config["AVATAR_SIZES"])
