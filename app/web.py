"""Small helpers shared by the HTML views of every domain."""

from __future__ import annotations

from flask import jsonify, redirect, request

from app.errors import wants_json
from app.security import referrer_path, safe_next


def back(default_endpoint: str = "feed.index", **payload):
    """Answer a button press: JSON for the script that sent it, else a redirect back to the page
    it came from (same-site only), so every button also works without JavaScript."""
    if wants_json():
        return jsonify(payload)
    return redirect(safe_next(request.form.get("next") or referrer_path(), default_endpoint))

