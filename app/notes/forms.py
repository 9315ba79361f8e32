"""Note forms: fields and CSRF only; the service validates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif"


class NoteForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": 100, "autocomplete": "off"})
    body = TextAreaField(_l("Write your note"), render_kw={"maxlength": 2000, "rows": 8})
    tags = StringField(_l("Tags"), render_kw={"autocomplete": "off"})
    images = MultipleFileField(_l("Photos"), render_kw={"accept": ACCEPT, "multiple": True})
    product = StringField(_l("Product you review (link or number)"),
                          render_kw={"autocomplete": "off", "inputmode": "url", "placeholder": "/products/42"})
    rating = SelectField(_l("Your rating"), default="",
                         choices=[SelectChoice("", "—")] + [SelectChoice(str(n), "★" * n) for n in range(5, 0, -1)])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Say something nice…"), render_kw={"maxlength": 500, "rows": 2})
    parent_id = HiddenField()
