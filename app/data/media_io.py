"""Files referred to by portable records: checked before import, processed through the media
pipeline before the write transaction (on every core), deleted again when the import fails, and
copied out on export."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import current_app

from app.errors import AppError
from app.media import service as media
from app.media.storage import get_storage


def check_paths(base_dir: Path, paths: list[str]) -> list[str]:
    errors = []
    root = base_dir.resolve()
    for relative in paths:
        candidate = (root / relative).resolve()
        if Path(relative).is_absolute() or not candidate.is_relative_to(root):
            errors.append(f"file {relative!r} must be a path inside the JSONL file's folder")
        elif not candidate.is_file():
            errors.append(f"file {relative!r} does not exist")
    return errors


def store_all(ctx, jobs: list[tuple[dict, str, list[str]]], sizes_setting: str) -> None:
    """For each (record, attribute, paths) store every path's image and set record[attribute]
    to the list of StoredImage, in the order of the paths."""
    config = current_app.config
    storage, sizes = get_storage(current_app), config[sizes_setting]
    caps = {"max_pixels": config["MAX_IMAGE_PIXELS"], "max_side": config["MAX_IMAGE_SIDE"]}
    max_bytes = config["MAX_IMAGE_BYTES"]

    def store(relative: str):
        path = ctx.base_dir / relative
        if path.stat().st_size > max_bytes:
            return relative, media.MSG_TOO_LARGE
        try:
            return relative, media.store_image(storage, path.read_bytes(), sizes=sizes, **caps)
        except AppError as error:
            return relative, error.message

    paths = [p for _record, _attr, record_paths in jobs for p in record_paths]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(store, paths))
    stored, failures = {}, {}
    for relative, result in results:
        if isinstance(result, media.StoredImage):
            ctx.media_written.append((result.key, sizes))
            stored[relative] = result
        else:
            failures[relative] = result
    if failures:
        from app.data.service import ImportFailed, LineError

        raise ImportFailed([LineError(record["_line"], f"file {p!r}: {failures[p]}")
                            for record, _attr, record_paths in jobs for p in record_paths if p in failures])
    for record, attribute, record_paths in jobs:
        record[attribute] = [stored[p] for p in record_paths]


def discard(ctx) -> None:
    for key, sizes in ctx.media_written:
        media.discard(key, sizes)
    ctx.media_written.clear()


def export_file(key: str, variant: str, media_dir: Path, name: str) -> str:
    """Copy a stored variant into the export's media folder under a name derived from the
    record (not the storage key), so export → import → export names files the same way."""
    shutil.copyfile(media.local_path(key, variant), media_dir / name)
    return f"media/{name}"


def export_avatar(user, media_dir: Path) -> str | None:
    if not user.avatar_key:
        return None
    return export_file(user.avatar_key, "large", media_dir, f"avatar_{user.username.lower()}.webp")
