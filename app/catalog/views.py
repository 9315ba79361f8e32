from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.service import get_visible_user
from app.catalog import service
from app.catalog.forms import ProductForm, ShopForm, StaffForm
from app.db import db
from app.errors import AppError, Invalid
from app.feed import service as feed
from app.forms import show_errors
from app.orders import service as orders
from app.params import cursor_arg
from app.sharing import groups

bp = Blueprint("catalog", __name__)


@bp.get("/products/<int:product_id>")
def product(product_id: int):
    item = service.get_product(db.session, product_id, current_user)
    is_seller = service.can_sell(db.session, current_user, item.shop_id)
    return render_template(
        "catalog/product.html", product=item, is_seller=is_seller, offers_group=groups.offers_group(item),
        open_groups=groups.list_open_groups(db.session, item.id) if groups.offers_group(item) else [],
        ratings=orders.rating_summary(db.session, item),
        notes=feed.product_notes(db.session, item.id, current_user, cursor_arg(), 20),
        sales_cents=orders.product_sales(db.session, [item.id]).get(item.id, 0) if is_seller else None,
    )


@bp.get("/shops/<username>")
def shop(username: str):
    owner = get_visible_user(db.session, username, current_user)
    page = service.list_products(db.session, current_user, seller=owner.username, cursor=cursor_arg())
    return render_template("catalog/shop.html", owner=owner, shop=service.get_shop_of(db.session, owner), page=page)


@bp.route("/shop", methods=["GET", "POST"])
@login_required
def dashboard():
    """The seller's own shop: open it, its products with stock and sales, staff."""
    own = service.get_shop_of(db.session, current_user)
    form = ShopForm(obj=own) if own else ShopForm(data={"name": service.default_shop_name(current_user)})
    status = 200
    if form.validate_on_submit():
        try:
            if own:
                service.update_shop(db.session, current_user, own, name=form.name.data,
                                    description=form.description.data)
                flash(_("Shop details saved."), "success")
            else:
                service.open_shop(db.session, current_user, name=form.name.data, description=form.description.data)
                flash(_("Your shop is open. Add your first product!"), "success")
            return redirect(url_for("catalog.dashboard"))
        except AppError as error:
            show_errors(form, error)
            status = error.status
    page = service.list_products(db.session, current_user, seller=current_user.username, cursor=cursor_arg(),
                                 limit=50) if own else None
    sales = orders.product_sales(db.session, [p.id for p in page.items]) if page else {}
    return render_template("catalog/dashboard.html", shop=own, form=form, page=page, sales=sales,
                           staff=service.list_staff(db.session, own) if own else [], staff_form=StaffForm(),
                           balances=orders.get_balances(db.session, current_user)), status


@bp.post("/shop/staff")
@login_required
def add_staff():
    own = service.get_shop_of(db.session, current_user)
    if own is None:
        return redirect(url_for("catalog.dashboard"))
    try:
        member = service.add_staff(db.session, current_user, own, StaffForm().username.data)
        flash(_("%(name)s now works for your shop.", name=member.display_name), "success")
    except AppError as error:
        flash(str(error.message), "error")
    return redirect(url_for("catalog.dashboard"))


@bp.post("/shop/staff/<int:user_id>/remove")
@login_required
def remove_staff(user_id: int):
    own = service.get_shop_of(db.session, current_user)
    if own is not None:
        service.remove_staff(db.session, current_user, own, user_id)
        flash(_("Removed from your staff."), "success")
    return redirect(url_for("catalog.dashboard"))


def _amounts(form: ProductForm) -> dict:
    """Cents and basis points from what was typed; every problem reported with the rest."""
    values, errors = {}, {}
    for name, parse, raw in (("price_cents", service.parse_price, form.price.data),
                             ("commission_bps", service.parse_percent, form.commission.data),
                             ("group_price_cents", service.parse_group_price, form.group_price.data)):
        try:
            values[name] = parse(raw)
        except Invalid as error:
            errors.update(error.fields)
            values[name] = None
    return values, errors


def _save_product(form: ProductForm, item=None):
    amounts, errors = _amounts(form)
    try:
        size = (form.group_size.data or "").strip()
        fields = dict(name=form.name.data, description=form.description.data, currency=form.currency.data,
                      stock=service.parse_count(form.stock.data),
                      group_size=service.parse_count(size, "group_size") if size else None, **amounts)
        if item is None:
            result = service.create_product(db.session, current_user, images=request.files.getlist("images"),
                                            **fields)
        else:
            result = service.update_product(
                db.session, current_user, item, is_listed=form.is_listed.data,
                new_images=request.files.getlist("images"),
                remove_image_ids=[i.id for i in item.images if request.form.get(f"remove-{i.id}")], **fields)
    except Invalid as error:
        raise Invalid(error.message, fields={**error.fields, **errors}) from None
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return result


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def new_product():
    form, status = ProductForm(), 200
    if form.validate_on_submit():
        try:
            item = _save_product(form)
        except AppError as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("Your product is for sale."), "success")
            return redirect(url_for("catalog.product", product_id=item.id))
    elif request.method == "POST":
        status = 400
    return render_template("catalog/edit.html", form=form, product=None), status


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int):
    item = service.get_own_product(db.session, product_id, current_user)
    form = ProductForm(data={
        "name": item.name, "description": item.description, "price": f"{item.price_cents / 100:.2f}",
        "currency": item.currency, "stock": item.stock, "commission": f"{item.commission_bps / 100:g}",
        "is_listed": item.is_listed,
        "group_price": f"{item.group_price_cents / 100:.2f}" if item.group_price_cents else "",
        "group_size": str(item.group_size) if item.group_size else "",
    })
    status = 200
    if form.validate_on_submit():
        try:
            _save_product(form, item)
        except AppError as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("catalog.product", product_id=item.id))
    elif request.method == "POST":
        status = 400
    return render_template("catalog/edit.html", form=form, product=item), status
