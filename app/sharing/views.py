"""Sharing pages: make a share link and its sheet, follow a link, its poster, group pages and the
referrals page. The first link a visitor follows is kept in a signed cookie of its own that lasts
REFERRAL_WINDOW_DAYS (not the session, which ends when the browser closes); nothing else about
the visitor is recorded."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts.models import User
from app.catalog import service as catalog
from app.db import db, utcnow
from app.errors import NotFound
from app.extensions import limiter
from app.orders import states
from app.security import referrer_path, safe_next
from app.sharing import groups, pages, service
from app.sharing.service import Touch
from app.templating import money

bp = Blueprint("sharing", __name__)

POSTER_MAX_AGE = 3600
# Drawing a poster takes a CPU for a moment: enough for people, not for a loop.
POSTER_RATE_LIMIT = "30 per minute"


TOUCH_COOKIE = "zc_ref"


def _touch_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="zhongcao.share-touch")


def current_touch() -> Touch | None:
    """The first share link this visitor followed, if its cookie is genuine and in date."""
    raw = request.cookies.get(TOUCH_COOKIE)
    if not raw:
        return None
    max_age = current_app.config["REFERRAL_WINDOW_DAYS"] * 86400
    try:
        return Touch.from_cookie(_touch_signer().loads(raw, max_age=max_age))
    except BadSignature:  # tampered with, or older than the window
        return None


def _keep_touch(response, touch: Touch):
    config = current_app.config
    response.set_cookie(TOUCH_COOKIE, _touch_signer().dumps(touch.as_cookie()),
                        max_age=config["REFERRAL_WINDOW_DAYS"] * 86400, httponly=True, samesite="Lax",
                        secure=config["SESSION_COOKIE_SECURE"])
    return response


def _viewer():
    return current_user if current_user.is_authenticated else None


@bp.post("/share")
def create():
    """Make (or find) the viewer's link to a thing and open their share sheet. CSRF is checked
    for every POST by CSRFProtect."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=safe_next(referrer_path())))
    link = service.share(db.session, current_user, request.form.get("kind"), request.form.get("id"),
                         touch=current_touch())
    return redirect(url_for("sharing.sheet", code=link.code))


@bp.get("/share/<code>")
@login_required
def sheet(code: str):
    """The sharer's own sheet: the short link, the poster, and what the link brought."""
    link = service.find_link(db.session, code)
    if link is None or link.sharer_id != current_user.id:
        raise NotFound(_("This share link does not exist."))
    target = pages.target_of(db.session, link)
    return render_template("sharing/sheet.html", link=link, target=target,
                           short_url=url_for("sharing.follow", code=link.code, _external=True),
                           counts=service.link_stats(db.session, [link])[link.id])


def _target_url(link) -> str:
    """Where a link leads: always built from the stored target, never from the request."""
    if link.target_kind == "note":
        return url_for("notes.show", note_id=link.target_id)
    if link.target_kind == "product":
        return url_for("catalog.product", product_id=link.target_id)
    if link.target_kind == "profile":
        return url_for("accounts.profile", username=pages.profile_username(db.session, link.target_id))
    return url_for("sharing.group", group_id=link.target_id)


@bp.get("/s/<code>")
def follow(code: str):
    touch = current_touch()
    link, keep = service.visit(db.session, code, _viewer(), touch)
    response = redirect(_target_url(link))
    return _keep_touch(response, keep) if keep is not None and keep != touch else response


@bp.get("/s/<code>/poster.png")
@limiter.limit(POSTER_RATE_LIMIT)
def poster(code: str):
    from app.media.poster import render_poster

    link = service.get_link(db.session, code)
    target = pages.target_of(db.session, link)
    sharer = db.session.get(User, link.sharer_id)
    price_text, badge = None, None
    if target.price_cents is not None:
        price_text = money(target.price_cents, target.currency)
    if target.kind == "group":
        price_text = _("%(price)s each in a group of %(size)d", price=price_text, size=target.group_size)
        badge = _("Group buy")
    png = render_poster(
        cover=pages.cover_bytes(target), title=target.title, price_text=price_text,
        sharer_name=sharer.display_name if sharer else "", caption=_("Scan to open it on Zhongcao"), badge=badge,
        url=url_for("sharing.follow", code=link.code, _external=True),
        font_path=current_app.config.get("POSTER_FONT_PATH"),
        cjk_region="TC" if str(get_locale()) == "zh_Hant" else "SC",
        max_pixels=current_app.config["MAX_IMAGE_PIXELS"], max_side=current_app.config["MAX_IMAGE_SIDE"],
    )
    response = make_response(png)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = f"private, max-age={POSTER_MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="zhongcao-{link.code}.png"'
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


@bp.get("/groups/<int:group_id>")
def group(group_id: int):
    item = groups.get_group(db.session, group_id)  # an overdue group is expired first
    viewer = _viewer()
    own_order = groups.membership(db.session, item, viewer)
    is_seller = catalog.can_sell(db.session, viewer, item.product.shop_id)
    can_join = (item.status == "open" and item.seats_taken < item.size and item.deadline > utcnow()
                and own_order is None and not is_seller)
    return render_template("sharing/group.html", group=item, product=item.product,
                           members=groups.list_members(db.session, item), needed=item.needed,
                           own_order=own_order, can_join=can_join, is_seller=is_seller, sold=states.SOLD)


@bp.get("/me/referrals")
@login_required
def referrals():
    links = service.list_links(db.session, current_user, cursor=request.args.get("links") or None)
    return render_template(
        "sharing/referrals.html", summary=service.referral_summary(db.session, current_user),
        referrals=service.list_referrals(db.session, current_user, cursor=request.args.get("cursor") or None),
        rewards=service.list_rewards(db.session, current_user),
        vouchers=service.list_vouchers(db.session, current_user),
        links=links, counts=service.link_stats(db.session, links.items), now=utcnow(),
    )
