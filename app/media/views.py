"""Serve stored images. Names are content-addressed by a random key, so they can be cached forever."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, send_file

from app.errors import NotFound
from app.media.storage import get_storage, is_valid_name

bp = Blueprint("media", __name__)

# Anything else in the media directory (or a stray upload of another type) is never served.
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<name>")
def serve(name: str):
    extension = name.rpartition(".")[2].lower()
    if not is_valid_name(name) or extension not in CONTENT_TYPES:
        raise NotFound()
    storage = get_storage(current_app)
    local_path = storage.path(name)
    try:
        source = local_path if local_path is not None else io.BytesIO(storage.open(name))
        response = send_file(source, mimetype=CONTENT_TYPES[extension], conditional=True, max_age=ONE_YEAR)
    except (FileNotFoundError, IsADirectoryError) as error:
        raise NotFound() from error
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
