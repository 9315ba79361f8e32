"""Products, orders, payments and the ledger over JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from app.accounts.auth import api_user, token_required
from app.api import bp
from app.api import serializers as out
from app.api.util import int_list, json_body
from app.catalog import service as catalog
from app.db import db
from app.errors import Invalid
from app.feed.service import clamp_limit
from app.orders import service as orders
from app.orders import states
from app.params import cursor_arg
from app.sharing import service as sharing


def _limit(default: int = 20) -> int:
    return clamp_limit(request.args.get("limit"), default)


# ---- products ----

@bp.get("/products")
def list_products():
    page = catalog.list_products(db.session, api_user(), seller=request.args.get("seller") or None,
                                 q=request.args.get("q") or None, cursor=cursor_arg(), limit=_limit())
    return jsonify(out.page([out.product(p) for p in page.items], page.next_cursor))


@bp.get("/products/<int:product_id>")
def get_product(product_id: int):
    product = catalog.get_product(db.session, product_id, api_user())
    sales = None
    if catalog.can_sell(db.session, api_user(), product.shop_id):
        sales = orders.product_sales(db.session, [product.id]).get(product.id, 0)
    return jsonify(out.product(product, sales))


_PRODUCT_FIELDS = ("name", "description", "price_cents", "currency", "stock", "commission_bps",
                   "group_price_cents", "group_size")
_NUMBERS = ("price_cents", "stock", "commission_bps", "group_price_cents", "group_size")
_GROUP_FIELDS = ("group_price_cents", "group_size")  # both null (or, in a form, empty): no group offer


def _product_input() -> tuple[dict, list]:
    """JSON, or multipart with photos (numbers then arrive as text)."""
    if request.files or request.form:
        fields = {}
        for name in _PRODUCT_FIELDS + ("is_listed",):
            if name in request.form:
                value = request.form[name]
                if name in _GROUP_FIELDS and not value.strip():
                    value = None
                elif name in _NUMBERS:
                    value = int(value) if value.strip().lstrip("-").isdigit() and len(value) < 19 else value
                if name == "is_listed":
                    value = value.lower() in ("1", "true", "yes", "on")
                fields[name] = value
        return fields, request.files.getlist("images")
    body = json_body()
    return {k: body[k] for k in _PRODUCT_FIELDS + ("is_listed",) if k in body}, []


@bp.post("/products")
@token_required
def create_product():
    fields, images = _product_input()
    fields.pop("is_listed", None)
    for name in ("name", "price_cents", "stock"):
        fields.setdefault(name, None)
    product = catalog.create_product(db.session, api_user(), images=images, **fields)
    return jsonify(out.product(product, 0)), 201


@bp.patch("/products/<int:product_id>")
@token_required
def update_product(product_id: int):
    product = catalog.get_own_product(db.session, product_id, api_user())
    fields, images = _product_input()
    remove = request.form.getlist("remove_image") if request.form else (request.get_json(silent=True) or {}).get(
        "remove_images", [])
    product = catalog.update_product(db.session, api_user(), product, new_images=images,
                                     remove_image_ids=int_list(remove, "remove_images") or [], **fields)
    return jsonify(out.product(product, orders.product_sales(db.session, [product.id]).get(product.id, 0)))


# ---- orders ----

def order_dict(order) -> dict:
    actions = states.allowed_actions(order.status, orders.role_of(db.session, api_user(), order),
                                     refund_requested=order.refund_requested_at is not None)
    return out.order(order, actions, sharing.order_referrals(db.session, [order])[order.id])


def _order_json(order, status: int = 200):
    return jsonify(order_dict(order)), status


@bp.get("/orders")
@token_required
def list_orders():
    page = orders.list_orders(db.session, api_user(), role=request.args.get("role", "buyer"),
                              status=request.args.get("status") or None, cursor=cursor_arg(), limit=_limit())
    referrals = sharing.order_referrals(db.session, page.items)
    return jsonify(out.page([out.order(o, referral=referrals[o.id]) for o in page.items], page.next_cursor))


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise Invalid(_l("%(name)s is true or false.", name=name), fields={name: _l("true or false")})
    return value


def order_extras(body: dict, *, group_id=None, start_group: bool = False) -> orders.Extras:
    """The sharing fields of an order request: ``share_code``, ``use_credit``, ``voucher``, and
    ``group`` (join) or ``start_group``."""
    code = body.get("share_code")
    if code is not None and not isinstance(code, str):
        raise Invalid(_l("Unknown share code."), fields={"share_code": _l("Unknown.")})
    start_group = start_group or _flag(body, "start_group")
    group_id = group_id if group_id is not None else body.get("group")
    if start_group and group_id is not None:
        raise Invalid(_l("Start a group or join one, not both."), fields={"group": _l("Start or join, not both.")})
    return orders.Extras(share_link=sharing.link_by_code(db.session, code, api_user()),
                         use_credit=_flag(body, "use_credit"), voucher_id=body.get("voucher"),
                         start_group=start_group, group_id=group_id)


def place(body: dict, product_id, extras: orders.Extras):
    """place_order with the request's Idempotency-Key; (order, created)."""
    order, created = orders.place_order(
        db.session, api_user(), product_id=product_id, quantity=body.get("quantity", 1),
        note_id=body.get("note"), shipping=body.get("shipping"),
        idempotency_key=request.headers.get("Idempotency-Key"), extras=extras,
    )
    return orders.get_order(db.session, order.id, api_user()), created


@bp.post("/orders")
@token_required
def create_order():
    """``{"product": id, "quantity": n, "note": id|null, "shipping": {...}?, "share_code"?,
    "use_credit"?, "voucher"?, "group"? | "start_group"?}``. Any price, total or commission in
    the body is ignored: the server computes them."""
    body = json_body()
    order, created = place(body, body.get("product"), order_extras(body))
    response, status = _order_json(order, 201)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response, status


@bp.get("/orders/<int:order_id>")
@token_required
def get_order(order_id: int):
    order = orders.get_order(db.session, order_id, api_user())
    response, _status = _order_json(order)
    return jsonify({**response.get_json(), "ledger": out.order_ledger(order, orders.order_earnings(db.session, order))})


@bp.post("/orders/<int:order_id>/<action>")
@token_required
def act_on_order(order_id: int, action: str):
    """cancel, ship ({"tracking_number"}), confirm, request_refund ({"reason"}), refund,
    decline_refund; and pay, which starts a payment and answers where to complete it."""
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise Invalid(_l("Send a JSON object with Content-Type: application/json."), code="invalid_json")
    if action == "pay":
        order = orders.get_order(db.session, order_id, api_user())
        url = orders.start_payment(db.session, api_user(), order)
        return jsonify({"provider": order.payment_provider, "payment_ref": order.payment_ref, "pay_url": url})
    order = orders.transition_order(db.session, api_user(), order_id, action, reason=body.get("reason"),
                                    tracking=body.get("tracking_number"))
    return _order_json(order)


@bp.post("/payments/sandbox/<int:order_id>")
@token_required
def sandbox_pay(order_id: int):
    """The sandbox bank: ``{"succeed": true|false}``. Confirms through the signed webhook path."""
    body = request.get_json(silent=True) or {}
    succeed = body.get("succeed", True) if isinstance(body, dict) else True
    if not isinstance(succeed, bool):
        raise Invalid(_l("succeed is true or false."), fields={"succeed": _l("true or false")})
    order = orders.get_order(db.session, order_id, api_user())
    return _order_json(orders.pay_in_sandbox(db.session, api_user(), order, succeed=succeed))


@bp.post("/payments/webhook/<provider>")
def payment_webhook(provider: str):
    """Where a payment provider confirms. Signed (Zhongcao-Signature); replays are no-ops."""
    result = orders.receive_webhook(db.session, provider, request.get_data(), request.headers)
    return jsonify({"result": result})


# ---- money ----

@bp.get("/ledger")
@token_required
def ledger():
    page = orders.list_ledger(db.session, api_user(), cursor=cursor_arg(), limit=_limit(50))
    body = out.page([out.ledger_entry(e) for e in page.items], page.next_cursor)
    body["balances"] = [out.balance(b) for b in orders.get_balances(db.session, api_user())]
    return jsonify(body)
