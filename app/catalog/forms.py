"""Shop and product forms: fields and CSRF only; the service validates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from app.catalog.service import CURRENCIES
from app.notes.forms import ACCEPT


class ShopForm(FlaskForm):
    name = StringField(_l("Shop name"), render_kw={"maxlength": 60})
    description = TextAreaField(_l("About the shop"), render_kw={"maxlength": 5000, "rows": 3})


class StaffForm(FlaskForm):
    username = StringField(_l("Username"), render_kw={"maxlength": 30, "autocomplete": "off"})


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"), render_kw={"maxlength": 100})
    description = TextAreaField(_l("Description"), render_kw={"maxlength": 5000, "rows": 5})
    price = StringField(_l("Price"), render_kw={"inputmode": "decimal", "placeholder": "39.90"})
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c, c) for c in CURRENCIES], default="CNY")
    # Text, not IntegerField: the service checks the number and says so in the UI's language.
    stock = StringField(_l("Stock"), default="0", render_kw={"inputmode": "numeric", "pattern": "[0-9]*"})
    commission = StringField(_l("Creator commission (%)"), default="0",
                             render_kw={"inputmode": "decimal", "placeholder": "10"})
    # Both empty: no group price. Text, for the same reason as stock.
    group_price = StringField(_l("Group price"), render_kw={"inputmode": "decimal", "placeholder": "29.90"})
    group_size = StringField(_l("Group size (people)"), render_kw={"inputmode": "numeric", "pattern": "[0-9]*",
                                                                   "placeholder": "3"})
    images = MultipleFileField(_l("Photos"), render_kw={"accept": ACCEPT, "multiple": True})
    is_listed = BooleanField(_l("Listed for sale"), default=True)
