"""Search over JSON: results with highlighted snippets, and suggestions as you type. Anonymous."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import get_locale

from app.accounts.auth import api_user
from app.api import bp
from app.api import serializers as out
from app.db import db
from app.params import cursor_arg
from app.search import service


def _item(kind: str, hit: service.SearchHit) -> dict:
    highlights = {"title": service.highlighted(hit.title), "snippet": service.highlighted(hit.snippet)}
    if kind == "notes":
        data = out.note_summary(hit.item)
    elif kind == "products":
        data = {**out.product(hit.item), "title": hit.item.name}
    else:
        data = {**out.user_summary(hit.item), "id": hit.item.id, "title": hit.item.display_name,
                "bio": hit.item.bio}
    return {**data, "highlights": highlights}


@bp.get("/search")
def search():
    kind = request.args.get("type") or "notes"
    page = service.search(
        db.session, api_user(), request.args.get("q"), kind=kind, filters=service.parse_filters(request.args),
        sort=request.args.get("sort") or "relevance", cursor=cursor_arg(), limit=request.args.get("limit") or 20,
    )
    return jsonify({"items": [_item(kind, hit) for hit in page.items], "next_cursor": page.next_cursor,
                    "query": page.query, "did_you_mean": page.did_you_mean})


@bp.get("/search/suggest")
def suggest():
    found = service.suggest(db.session, request.args.get("q"), traditional=str(get_locale()) == "zh_Hant")
    return jsonify({"items": [{"text": s.text, "type": s.kind, "id": s.id} for s in found]})
