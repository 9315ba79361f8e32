"""HTML forms: fields and CSRF only. Validation rules live in the service."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, TextAreaField

from app.i18n import language_choices


class RegisterForm(FlaskForm):
    username = StringField(_l("Username"), render_kw={"autocomplete": "username", "autocapitalize": "none"})
    display_name = StringField(_l("Display name"), render_kw={"autocomplete": "nickname"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "new-password"})
    next = HiddenField()


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me"), default=True)
    next = HiddenField()


class ReauthenticateForm(FlaskForm):
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"))
    bio = TextAreaField(_l("Bio"))
    locale = SelectField(_l("Language"), choices=language_choices)
    avatar = FileField(_l("Avatar"), render_kw={"accept": "image/jpeg,image/png,image/webp,image/heic"})


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
