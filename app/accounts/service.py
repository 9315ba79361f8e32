"""Account use cases, shared by the HTML views, the JSON API and the CLI."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, User
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.db import utcnow, write_transaction
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.search import outbox as search

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128
DISPLAY_NAME_MAX, BIO_MAX = 40, 300
TOKEN_PREFIX = "zc_"  # noqa: S105  # nosec B105  # a prefix that makes leaked tokens greppable, not a secret


# ---- validation (the one place; forms and API both come here) ----

def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """NFC-normalise, drop control characters (keeping newlines where allowed), trim."""
    value = unicodedata.normalize("NFC", value or "")
    keep = {"\n"} if multiline else set()
    value = value.replace("\r\n", "\n")
    value = "".join(ch for ch in value if ch in keep or unicodedata.category(ch)[0] != "C")
    return value.strip()


def validate_username(username: str | None) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.fullmatch(username):
        raise Invalid(
            _l("Usernames are 3 to 30 letters, digits or underscores."), fields={"username": _l("Invalid username.")}
        )
    return username


def validate_password(password: str | None, field: str = "password") -> str:
    password = password or ""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        message = _l("Passwords are %(min)d to %(max)d characters long.", min=PASSWORD_MIN, max=PASSWORD_MAX)
        raise Invalid(message, fields={field: message})
    return password


def validate_display_name(display_name: str | None, fallback: str) -> str:
    display_name = clean_text(display_name) or fallback
    if len(display_name) > DISPLAY_NAME_MAX:
        message = _l("Display names are at most %(max)d characters.", max=DISPLAY_NAME_MAX)
        raise Invalid(message, fields={"display_name": message})
    return display_name


def validate_bio(bio: str | None) -> str:
    bio = clean_text(bio, multiline=True)
    if len(bio) > BIO_MAX:
        message = _l("Bios are at most %(max)d characters.", max=BIO_MAX)
        raise Invalid(message, fields={"bio": message})
    return bio


def validate_locale(locale: str | None) -> str:
    if locale not in current_app.config["LANGUAGES"]:
        raise Invalid(_l("Unknown language."), fields={"locale": _l("Unknown language.")})
    return locale


# ---- reads ----

def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))


def find_users(session: Session, usernames) -> list[User]:
    names = [n.lower() for n in usernames]
    return list(session.scalars(select(User).where(func.lower(User.username).in_(names)))) if names else []


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(_l("No such user."))
    return user


def get_visible_user(session: Session, username: str, viewer: User | None) -> User:
    """A profile as the viewer may see it: suspended accounts exist only for themselves and admins."""
    user = get_user(session, username)
    is_privileged = viewer is not None and viewer.is_authenticated and (viewer.id == user.id or viewer.is_admin)
    if user.suspended_at is not None and not is_privileged:
        raise NotFound(_l("No such user."))
    return user


def load_session_user(session: Session, session_id: str) -> User | None:
    """flask-login's loader: the cookie carries "id:session_token"; a stale token logs out."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or user.suspended_at is not None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


# ---- writes ----

def register_user(
    session: Session, *, username: str, password: str, display_name: str | None = None, locale: str | None = None
) -> User:
    username = validate_username(username)
    password = validate_password(password)
    display_name = validate_display_name(display_name, fallback=username)
    locale = validate_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"])
    password_hash = hash_password(password)  # slow: outside the write lock
    taken = Conflict(_l("That username is taken."), code="username_taken", fields={"username": _l("Taken.")})
    try:
        with write_transaction(session):
            if find_user(session, username) is not None:
                raise taken
            user = User(
                username=username,
                display_name=display_name,
                locale=locale,
                password_hash=password_hash,
                session_token=secrets.token_hex(16),
                bio="",
            )
            session.add(user)
            session.flush()
            search.mark_changed(session, "users", [user.id])
    except IntegrityError as exc:
        # Two registrations raced past the check (PostgreSQL, READ COMMITTED): the index decides.
        raise taken from exc
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user for these credentials, or None. Upgrades the stored hash when config changed.
    A suspended account with the right password is told so (and why)."""
    user = find_user(session, username or "")
    if not verify_password(user.password_hash if user else None, password or ""):
        return None
    if user.suspended_at is not None:
        raise Forbidden(_l("This account is suspended: %(reason)s", reason=user.suspension_reason or ""),
                        code="suspended")
    if needs_rehash(user.password_hash):
        new_hash = hash_password(password)
        with write_transaction(session):
            user.password_hash = new_hash
    return user


def change_password(session: Session, user: User, *, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password or ""):
        message = _l("The current password is not right.")
        raise Invalid(message, fields={"current_password": message})
    new_hash = hash_password(validate_password(new_password, field="new_password"))
    with write_transaction(session):
        user.password_hash = new_hash
        user.session_token = secrets.token_hex(16)
        # Tokens are credentials too: a password change revokes them.
        live_tokens = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        for token in session.scalars(live_tokens):
            token.revoked_at = utcnow()


def update_profile(
    session: Session, user: User, *, display_name: str | None, bio: str | None, locale: str | None, avatar=None
) -> User:
    display_name = validate_display_name(display_name, fallback=user.username)
    bio = validate_bio(bio)
    locale = validate_locale(locale or user.locale)
    new_avatar = old_avatar = None
    if avatar is not None:
        from app.media import service as media

        new_avatar = media.store_avatar(avatar)
        old_avatar = user.avatar_key
    try:
        with write_transaction(session):
            if (user.display_name, user.bio) != (display_name, bio):
                search.mark_user(session, user.id)
            user.display_name, user.bio, user.locale = display_name, bio, locale
            if new_avatar is not None:
                user.avatar_key = new_avatar
    except BaseException:
        if new_avatar is not None:
            media.delete_avatar(new_avatar)
        raise
    if old_avatar:
        media.delete_avatar(old_avatar)
    return user


def set_locale(session: Session, user: User, locale: str) -> None:
    locale = validate_locale(locale)
    with write_transaction(session):
        user.locale = locale


def make_admin(session: Session, username: str) -> User:
    with write_transaction(session):
        user = get_user(session, username)
        user.is_admin = True
    return user


# ---- API tokens ----

def _token_digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str = "") -> str:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        session.add(ApiToken(user_id=user.id, token_hash=_token_digest(raw), name=clean_text(name)[:60]))
    return raw


def user_for_token(session: Session, raw_token: str) -> User | None:
    if not raw_token or not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 200:
        return None
    return session.scalar(_token_user_query(), {"digest": _token_digest(raw_token)})


@functools.cache
def _token_user_query():
    """Built once: every API request runs it, and building it cost more than running it."""
    return (select(User).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
                   User.suspended_at.is_(None)))


def revoke_token(session: Session, raw_token: str) -> None:
    with write_transaction(session):
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(raw_token or "")))
        if token is None or token.revoked_at is not None:
            raise NotFound(_l("That token does not exist or was already revoked."))
        token.revoked_at = utcnow()
