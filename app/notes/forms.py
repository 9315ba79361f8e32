"""Note forms: fields and CSRF only; the service validates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, IntegerField, StringField, TextAreaField

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif"


class NoteForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": 100, "autocomplete": "off"})
    body = TextAreaField(_l("Write your note"), render_kw={"maxlength": 2000, "rows": 8})
    tags = StringField(_l("Tags"), render_kw={"autocomplete": "off"})
    images = MultipleFileField(_l("Photos"), render_kw={"accept": ACCEPT, "multiple": True})
    product = HiddenField()
    rating = IntegerField(_l("Rating"), render_kw={"min": 1, "max": 5})


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Say something nice…"), render_kw={"maxlength": 500, "rows": 2})
    parent_id = HiddenField()
