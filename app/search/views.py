"""The search page: one GET form, so results are links that can be shared and bookmarked."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.db import db
from app.errors import Invalid
from app.params import cursor_arg
from app.search import analysis, service

bp = Blueprint("search", __name__)

SORT_LABELS = {
    "relevance": _l("Best match"), "newest": _l("Newest"), "liked": _l("Most liked"), "sales": _l("Best selling"),
    "price_asc": _l("Price: low to high"), "price_desc": _l("Price: high to low"), "followers": _l("Most followers"),
}
KIND_LABELS = {"notes": _l("Notes"), "products": _l("Products"), "users": _l("People")}


@bp.get("/search")
def index():
    kind = request.args.get("type") if request.args.get("type") in service.KINDS else "notes"
    sort = request.args.get("sort") if request.args.get("sort") in service.SORTS[kind] else "relevance"
    page, error = None, None
    try:
        page = service.search(db.session, current_user, request.args.get("q"), kind=kind,
                              filters=service.parse_filters(request.args), sort=sort, cursor=cursor_arg())
    except Invalid as invalid:  # a mistyped price: say so above the form rather than fail the page
        error = invalid
    template = "search/_results.html" if request.args.get("partial") else "search/index.html"
    # The query as it was searched, for the box, the title and the links: no control characters
    # (a NUL is not valid HTML) and no more than the QUERY_MAX characters that were read.
    q = analysis.parse_query(request.args.get("q")).text
    return render_template(template, page=page, error=error, kind=kind, sort=sort, q=q,
                           sorts=[(name, SORT_LABELS[name]) for name in service.SORTS[kind]],
                           kinds=KIND_LABELS.items()), 400 if error else 200
