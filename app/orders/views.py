from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.catalog import service as catalog
from app.db import db
from app.errors import AppError
from app.forms import show_errors
from app.orders import service, states
from app.orders.forms import CheckoutForm, OrderActionForm
from app.params import cursor_arg

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


@bp.route("/products/<int:product_id>/buy", methods=["GET", "POST"])
@login_required
def checkout(product_id: int):
    """Buy → quantity and address → pay: one page, then the provider's."""
    product = catalog.get_buyable_product(db.session, product_id)
    saved = service.last_shipping(db.session, current_user)
    form = CheckoutForm(data={
        "note": request.args.get("note", ""), "idempotency_key": uuid.uuid4().hex,
        **({"name": saved.name, "phone": saved.phone, "address": saved.address} if saved else {}),
    })
    status = 200
    if form.validate_on_submit():
        try:
            order, _created = service.place_order(
                db.session, current_user, product_id=product.id, quantity=form.quantity.data,
                note_id=_note_arg(form.note.data), idempotency_key=form.idempotency_key.data,
                shipping={"name": form.name.data, "phone": form.phone.data, "address": form.address.data},
                shipping_required=True,
            )
            if order.status != "pending":  # a resubmitted form of an order already paid or cancelled
                return redirect(url_for("orders.show", order_id=order.id))
            return redirect(service.start_payment(db.session, current_user, order))
        except AppError as error:
            show_errors(form, error)
            status = error.status
            product = catalog.get_buyable_product(db.session, product_id)  # fresh stock for the page
    elif request.method == "POST":
        status = 400
    return render_template("orders/checkout.html", form=form, product=product,
                           unpaid=service.unpaid_order(db.session, current_user, product.id)), status


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
                           ledger=service.order_earnings(db.session, order))


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
