"""Share links, group buys and referrals over JSON: thin routes over app/sharing."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from app.accounts.auth import api_user, token_required
from app.api import bp
from app.api import serializers as out
from app.api.commerce import order_dict, order_extras, place
from app.api.util import json_body
from app.catalog import service as catalog
from app.db import db, utcnow
from app.errors import NotFound
from app.feed.service import clamp_limit
from app.params import cursor_arg
from app.sharing import groups
from app.sharing import service as sharing


def _limit(default: int = 20) -> int:
    return clamp_limit(request.args.get("limit"), default)


# ---- share links ----

def _external(endpoint: str, fallback: str, **values) -> str:
    """The pages' URL for a link when their blueprint is registered, else the documented path."""
    try:
        return url_for(endpoint, _external=True, **values)
    except BuildError:
        return request.url_root.rstrip("/") + fallback


def _share_json(links) -> list[dict]:
    stats = sharing.link_stats(db.session, links)
    return [out.share_link(link, stats[link.id],
                           _external("sharing.follow", f"/s/{link.code}", code=link.code),
                           _external("sharing.poster", f"/s/{link.code}/poster.png", code=link.code))
            for link in links]


@bp.post("/shares")
@token_required
def create_share():
    """``{"kind": "note|product|profile|group", "id": n}``: the caller's link to it, made the
    first time (201) or the one they already have (200)."""
    body = json_body()
    before = utcnow()
    link = sharing.share(db.session, api_user(), body.get("kind"), body.get("id"))
    [data] = _share_json([link])
    return jsonify(data), 201 if link.created_at >= before else 200


@bp.get("/shares")
@token_required
def list_shares():
    page = sharing.list_links(db.session, api_user(), cursor=cursor_arg(), limit=_limit())
    return jsonify(out.page(_share_json(page.items), page.next_cursor))


@bp.get("/shares/<code>")
@token_required
def get_share(code: str):
    link = sharing.find_link(db.session, code)
    if link is None or link.sharer_id != api_user().id:
        raise NotFound(_l("This share link does not exist."))
    [data] = _share_json([link])
    return jsonify(data)


# ---- group buys ----

def _group_json(group) -> dict:
    mine = groups.membership(db.session, group, api_user())
    return out.group_detail(group, group.needed, groups.list_members(db.session, group),
                            mine.id if mine else None)


@bp.get("/groups/<int:group_id>")
def get_group(group_id: int):
    """Public: who is in, how many are still needed, and the exact deadline."""
    return jsonify(_group_json(groups.get_group(db.session, group_id)))


@bp.get("/products/<int:product_id>/groups")
def list_product_groups(product_id: int):
    product = catalog.get_product(db.session, product_id, api_user())
    return jsonify({"items": [out.group_summary(g, g.needed)
                              for g in groups.list_open_groups(db.session, product.id)]})


def _placed(order, created: bool):
    body = {"order": order_dict(order), "group": _group_json(groups.get_group(db.session, order.group_id))}
    response = jsonify(body)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201


def _optional_body() -> dict:
    return json_body() if request.get_data() else {}


@bp.post("/groups/<int:group_id>/join")
@token_required
def join_group(group_id: int):
    """POST /orders with ``group``: a seat in the group, at the group price, pending until paid."""
    body = _optional_body()
    group = groups.get_group(db.session, group_id)
    order, created = place(body, group.product_id, order_extras(body, group_id=group.id))
    return _placed(order, created)


@bp.post("/products/<int:product_id>/groups")
@token_required
def start_group(product_id: int):
    """POST /orders with ``start_group``: a new group with the caller in its first seat."""
    body = _optional_body()
    order, created = place(body, product_id, order_extras(body, start_group=True))
    return _placed(order, created)


# ---- referrals ----

@bp.get("/me/referrals")
@token_required
def my_referrals():
    """The summary, the people the caller brought (cursor-paged), rewards and vouchers."""
    user = api_user()
    page = sharing.list_referrals(db.session, user, cursor=cursor_arg(), limit=_limit(50))
    now = utcnow()
    return jsonify({
        "summary": out.referral_summary(sharing.referral_summary(db.session, user)),
        "referrals": [out.referral(r) for r in page.items],
        "next_cursor": page.next_cursor,
        "rewards": [out.reward(r) for r in sharing.list_rewards(db.session, user)],
        "vouchers": [out.voucher(v, now) for v in sharing.list_vouchers(db.session, user)],
    })
