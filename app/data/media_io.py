"""Files referred to by portable records: checked before import, processed through the media
pipeline during it, deleted again when the import fails, and copied out on export."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app

from app.errors import AppError
from app.media import service as media


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


def _store(ctx, relative: str, sizes: dict[str, int]) -> media.StoredImage:
    data = (ctx.base_dir / relative).read_bytes()
    try:
        stored = media.save_bytes(data, sizes)
    except AppError as error:
        from app.data.service import ImportFailed, LineError

        raise ImportFailed([LineError(0, f"file {relative!r}: {error.message}")]) from error
    ctx.media_written.append((stored.key, sizes))
    return stored


def import_avatar(ctx, relative: str | None) -> str | None:
    if not relative:
        return None
    return _store(ctx, relative, current_app.config["AVATAR_SIZES"]).key


def discard(ctx) -> None:
    for key, sizes in ctx.media_written:
        media.discard(key, sizes)
    ctx.media_written.clear()


def export_avatar(user, media_dir: Path) -> str | None:
    if not user.avatar_key:
        return None
    return export_file(user.avatar_key, "large", media_dir, f"avatar_{user.username.lower()}.webp")


def export_file(key: str, variant: str, media_dir: Path, name: str) -> str:
    """Copy a stored variant into the export's media folder under a name derived from the
    record (not the storage key), so export → import → export names files the same way."""
    shutil.copyfile(media.local_path(key, variant), media_dir / name)
    return f"media/{name}"
