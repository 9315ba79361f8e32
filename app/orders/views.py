from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.catalog import service as catalog
from app.db import db
from app.errors import AppError, NotFound
from app.forms import show_errors
from app.orders import service, states
from app.orders.forms import CheckoutForm, OrderActionForm
from app.params import cursor_arg
from app.sharing import groups
from app.sharing import service as sharing
from app.sharing.views import current_touch
from app.templating import money

bp = Blueprint("orders", __name__)

DONE_MESSAGES = {
    "cancel": _l("The order is cancelled; its stock is back on sale."),
    "ship": _l("Marked as shipped. The buyer has been told."),
    "confirm": _l("Thanks! The order is complete."),
    "request_refund": _l("Refund requested. The seller has been told."),
    "refund": _l("Refunded. The money goes back to the buyer."),
    "decline_refund": _l("Refund request declined. The buyer has been told."),
}


def _note_arg(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else None


def _group_mode(product):
    """(start a group?, the group to join) from ?start=1 or ?group=<id>: one item at the group price."""
    group_id = _note_arg(request.args.get("group"))
    if group_id is not None:
        group = groups.get_group(db.session, group_id)
        if group.product_id != product.id:
            raise NotFound(_("This group does not exist."))
        return False, group
    return request.args.get("start") == "1" and groups.offers_group(product), None


def _voucher_label(voucher) -> str:
    return _("%(amount)s off orders of %(min)s or more", amount=money(voucher.amount_cents, voucher.currency),
             min=money(voucher.min_spend_cents, voucher.currency))


@bp.route("/products/<int:product_id>/buy", methods=["GET", "POST"])
@login_required
def checkout(product_id: int):
    """Buy → quantity and address → pay: one page, then the provider's. In group mode (start a
    group, or join one) the quantity is one and the price the group's."""
    product = catalog.get_buyable_product(db.session, product_id)
    start, group = _group_mode(product)
    if group is not None and (own := groups.membership(db.session, group, current_user)) is not None:
        return redirect(url_for("orders.show", order_id=own.id))  # already has a seat: pay for it there
    saved = service.last_shipping(db.session, current_user)
    form = CheckoutForm(data={
        "note": request.args.get("note", ""), "idempotency_key": uuid.uuid4().hex,
        **({"name": saved.name, "phone": saved.phone, "address": saved.address} if saved else {}),
    })
    vouchers = sharing.usable_vouchers(db.session, current_user, currency=product.currency)
    form.voucher.choices = [("", _("No voucher"))] + [(str(v.id), _voucher_label(v)) for v in vouchers]
    status = 200
    if form.validate_on_submit():
        extras = service.Extras(
            share_link=sharing.attribution(db.session, current_touch(), current_user),
            use_credit=bool(form.use_credit.data), voucher_id=form.voucher.data or None,
            start_group=start, group_id=group.id if group else None,
        )
        try:
            order, _created = service.place_order(
                db.session, current_user, product_id=product.id, quantity=form.quantity.data,
                note_id=_note_arg(form.note.data), idempotency_key=form.idempotency_key.data,
                shipping={"name": form.name.data, "phone": form.phone.data, "address": form.address.data},
                shipping_required=True, extras=extras,
            )
            if order.status != "pending":  # a resubmitted form of an order already paid or cancelled
                return redirect(url_for("orders.show", order_id=order.id))
            payment_url = service.start_payment(db.session, current_user, order)
            if payment_url is None:  # credit and voucher covered it all
                flash(_("Paid with your credit and voucher. The seller has been told to ship it."), "success")
                return redirect(url_for("orders.show", order_id=order.id))
            return redirect(payment_url)
        except AppError as error:
            show_errors(form, error)
            status = error.status
            product = catalog.get_buyable_product(db.session, product_id)  # fresh stock for the page
            if group is not None:
                group = groups.get_group(db.session, group.id)
    elif request.method == "POST":
        status = 400
    grouped = start or group is not None
    unit_cents = group.unit_price_cents if group else product.group_price_cents if start else product.price_cents
    if start:
        can_order = product.stock >= product.group_size
    elif group is not None:
        can_order = group.status == "open" and group.seats_taken < group.size  # seats come from its reserve
    else:
        can_order = product.stock >= 1
    return render_template(
        "orders/checkout.html", form=form, product=product, grouped=grouped, start=start, group=group,
        unit_cents=unit_cents, can_order=can_order, vouchers=vouchers,
        credit_cents=sharing.credit_balance(db.session, current_user, product.currency),
        unpaid=None if grouped else service.unpaid_order(db.session, current_user, product.id),
    ), status


@bp.get("/orders/<int:order_id>/pay")
@login_required
def sandbox_pay(order_id: int):
    order = service.get_order(db.session, order_id, current_user)
    if order.buyer_id != current_user.id or order.status != "pending":
        return redirect(url_for("orders.show", order_id=order.id))
    return render_template("orders/sandbox_pay.html", order=order, form=OrderActionForm())


@bp.post("/orders/<int:order_id>/pay")
@login_required
def sandbox_confirm(order_id: int):
    order = service.get_order(db.session, order_id, current_user)
    if order.status != "pending":  # a stale tab: say what happened rather than "payment failed"
        flash(_("This order can no longer be paid."), "error")
        return redirect(url_for("orders.show", order_id=order.id))
    succeed = request.form.get("outcome") != "fail"
    order = service.pay_in_sandbox(db.session, current_user, order, succeed=succeed)
    if order.status == "paid":
        flash(_("Paid. The seller has been told to ship it."), "success")
    else:
        flash(_("The payment failed, so the order is cancelled and nothing was charged."), "error")
    return redirect(url_for("orders.show", order_id=order.id))


@bp.get("/orders/<int:order_id>")
@login_required
def show(order_id: int):
    order = service.get_order(db.session, order_id, current_user)
    role = service.role_of(db.session, current_user, order)
    actions = states.allowed_actions(order.status, role, refund_requested=order.refund_requested_at is not None)
    return render_template("orders/show.html", order=order, role=role, actions=actions, form=OrderActionForm(),
                           ledger=service.order_earnings(db.session, order),
                           refund_window_closes=service.refund_window_closes(order))


@bp.post("/orders/<int:order_id>/<action>")
@login_required
def act(order_id: int, action: str):
    form = OrderActionForm()  # CSRF is checked for every POST by CSRFProtect
    service.transition_order(db.session, current_user, order_id, action, reason=form.reason.data,
                             tracking=form.tracking_number.data)
    flash(DONE_MESSAGES.get(action, _("Order updated.")), "success")
    return redirect(url_for("orders.show", order_id=order_id))


@bp.get("/orders")
@login_required
def index():
    role = "seller" if request.args.get("role") == "seller" else "buyer"
    status = request.args.get("status") or None
    page = service.list_orders(db.session, current_user, role=role, status=status, cursor=cursor_arg())
    return render_template("orders/index.html", page=page, role=role, status=status, statuses=states.STATUSES)


@bp.get("/earnings")
@login_required
def earnings():
    return render_template("orders/earnings.html", balances=service.get_balances(db.session, current_user),
                           page=service.list_ledger(db.session, current_user, cursor=cursor_arg()))
