"""The creator dashboard page and its CSV exports. Always the logged-in user's own data: no route
here takes a user, so nobody can ask for someone else's."""

from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.db import db, utcnow
from app.sharing import charts, dashboard
from app.templating import money

bp = Blueprint("dashboard", __name__)

TOP_TREES = 5
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _share_node(node: dashboard.TreeNode) -> charts.ShareNode:
    return charts.ShareNode(node.user.display_name, node.visits, node.signups, node.buyers,
                            [_share_node(child) for child in node.children])


def _tree_title(tree: dashboard.ShareTree) -> str:
    if tree.target_title is None:
        return _("Your share of something no longer available")
    titles = {"note": _("Your share of the note %(title)s", title=tree.target_title),
              "product": _("Your share of the product %(title)s", title=tree.target_title),
              "profile": _("Your share of the profile of %(title)s", title=tree.target_title),
              "group": _("Your share of the group buy %(title)s", title=tree.target_title)}
    return titles[tree.link.target_kind]


def _charts(data: dashboard.Dashboard) -> dict:
    """Every chart as an SVG string; titles and legends are translated here, charts.py escapes them."""
    empty, more = _("No data yet"), _("+{count} more")
    published = [note for note in data.notes if not note.is_draft]
    viewed = sorted((n for n in published if n.views > 0), key=lambda n: (-n.views, -n.id))
    engaged = sorted((n for n in published if n.likes + n.collects + n.comments > 0),
                     key=lambda n: (-(n.likes + n.collects + n.comments), -n.id))
    currencies = sorted({item.currency for note in data.notes for item in note.money if item.commission_cents})
    commission = []
    for currency in currencies:
        items = sorted(((note.title, item.commission_cents) for note in data.notes for item in note.money
                        if item.currency == currency and item.commission_cents), key=lambda pair: -pair[1])
        commission.append(charts.bar_chart(
            items, title=_("Commission per note (%(currency)s)", currency=currency), empty_text=empty,
            more_text=more, value_format=lambda cents, currency=currency: money(cents, currency)))
    legend = _("visits · sign-ups · buyers")
    trees = [charts.tree_chart(_share_node(tree.root), title=_tree_title(tree), legend=legend, more_text=more)
             for tree in data.trees[:TOP_TREES]]
    return {
        "fans": charts.line_chart(data.fans, title=_("Fans over the last 90 days"), empty_text=empty),
        "views": charts.bar_chart([(n.title, n.views) for n in viewed], title=_("Views per note"),
                                  empty_text=_("No views yet"), more_text=more),
        "engagement": charts.stacked_bar_chart(
            [(n.title, [n.likes, n.collects, n.comments]) for n in engaged],
            series=[_("Likes"), _("Collects"), _("Comments")], title=_("Likes, collects and comments per note"),
            empty_text=empty, more_text=more),
        "commission": commission or [charts.empty_chart("bar", title=_("Commission per note"),
                                                        empty_text=_("No commission yet"))],
        "trees": trees or [charts.tree_chart(None, title=_("How your shares spread"),
                                             empty_text=_("You have not shared anything yet."))],
    }


@bp.get("/me/dashboard")
@login_required
def index():
    data = dashboard.get_dashboard(db.session, current_user)
    totals = {
        "views": sum(n.views for n in data.notes),
        "likes": sum(n.likes for n in data.notes),
        "units": sum(n.units_sold for n in data.notes),
        "commission": _per_currency((item.currency, item.commission_cents) for n in data.notes for item in n.money),
    }
    return render_template("sharing/dashboard.html", data=data, charts=_charts(data), totals=totals,
                           top_trees=data.trees[:TOP_TREES])


def _per_currency(pairs) -> dict[str, int]:
    totals: dict[str, int] = {}
    for currency, cents in pairs:
        totals[currency] = totals.get(currency, 0) + cents
    return dict(sorted(totals.items()))


# ---- CSV ----

def csv_cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(header: list[str], rows: list[list], name: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    # UTF-8 with a byte order mark: without it Excel reads Chinese as mojibake.
    response = Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv")
    filename = re.sub(r"[^A-Za-z0-9_.-]", "_", f"zhongcao-{name}-{current_user.username}-{utcnow():%Y%m%d}.csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


NOTES_HEADER = ["id", "title", "created_at", "views", "likes", "collects", "comments", "units_sold", "sales_cents",
                "commission_cents", "currency"]
EARNINGS_HEADER = ["date", "order_id", "note_id", "kind", "amount_cents", "currency"]


@bp.get("/me/dashboard/notes.csv")
@login_required
def notes_csv():
    return csv_response(NOTES_HEADER, dashboard.notes_export(db.session, current_user), "notes")


@bp.get("/me/dashboard/earnings.csv")
@login_required
def earnings_csv():
    return csv_response(EARNINGS_HEADER, dashboard.earnings_export(db.session, current_user), "earnings")
