"""Checkout and order-action forms: fields and CSRF only; the service validates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField


class CheckoutForm(FlaskForm):
    # Text, not IntegerField: the service checks the number and says so in the UI's language.
    quantity = StringField(_l("Quantity"), default="1", render_kw={"inputmode": "numeric", "pattern": "[0-9]*"})
    name = StringField(_l("Recipient"), render_kw={"maxlength": 40, "autocomplete": "name"})
    phone = StringField(_l("Phone"), render_kw={"maxlength": 30, "autocomplete": "tel", "inputmode": "tel"})
    address = TextAreaField(_l("Delivery address"), render_kw={"maxlength": 300, "rows": 2,
                                                               "autocomplete": "street-address"})
    note = HiddenField()
    use_credit = BooleanField(_l("Use my credit"))
    # Choices are the buyer's usable vouchers, set by the view; the service decides if one applies.
    voucher = SelectField(_l("Voucher"), choices=[], validate_choice=False)
    # One key per checkout page: a double tap or a retried POST finds the same order.
    idempotency_key = HiddenField()


class OrderActionForm(FlaskForm):
    reason = StringField(_l("Reason"), render_kw={"maxlength": 300})
    tracking_number = StringField(_l("Tracking number"), render_kw={"maxlength": 60})
