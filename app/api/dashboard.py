"""The creator dashboard over JSON: the same figures as /me/dashboard, for the token's user only."""

from __future__ import annotations

from flask import jsonify

from app.accounts.auth import api_user, token_required
from app.api import bp
from app.api import serializers as out
from app.db import db
from app.sharing import dashboard


def _note(note: dashboard.NoteStats) -> dict:
    return {"id": note.id, "title": note.title, "created_at": out.iso(note.created_at), "is_draft": note.is_draft,
            "views": note.views, "likes": note.likes, "collects": note.collects, "comments": note.comments,
            "sales": [{"currency": item.currency, "units_sold": item.units_sold, "sales_cents": item.sales_cents,
                       "commission_cents": item.commission_cents} for item in note.money]}


def _node(node: dashboard.TreeNode) -> dict:
    return {"user": out.user_summary(node.user), "visits": node.visits, "signups": node.signups,
            "buyers": node.buyers, "children": [_node(child) for child in node.children]}


def _tree(tree: dashboard.ShareTree) -> dict:
    return {"code": tree.link.code, "kind": tree.link.target_kind, "id": tree.link.target_id,
            "title": tree.target_title, "created_at": out.iso(tree.link.created_at), "people": tree.people,
            "visits": tree.visits, "signups": tree.signups, "buyers": tree.buyers, "root": _node(tree.root)}


@bp.get("/me/dashboard")
@token_required
def my_dashboard():
    data = dashboard.get_dashboard(db.session, api_user())
    return jsonify({
        "fans": {"followers": data.followers,
                 "series": [{"date": day.isoformat(), "followers": count} for day, count in data.fans]},
        "notes": [_note(note) for note in data.notes],
        "rewards": {"totals": [{"currency": currency, "amount_cents": cents}
                               for currency, cents in data.rewards.totals.items()],
                    "items": [out.reward(reward) for reward in data.rewards.items]},
        "trees": [_tree(tree) for tree in data.trees],
    })
