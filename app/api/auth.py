from __future__ import annotations

from flask import current_app, jsonify
from flask_babel import lazy_gettext as _l

from app.accounts import service
from app.accounts.auth import api_user, bearer_token, token_required
from app.api import bp
from app.api.serializers import me
from app.api.util import json_body, string_field
from app.db import db
from app.errors import Unauthorized
from app.extensions import limiter


def _auth_limit() -> str:
    return current_app.config["API_AUTH_RATE_LIMIT"]


@bp.post("/auth/register")
@limiter.limit(_auth_limit)
def register():
    body = json_body()
    user = service.register_user(
        db.session,
        username=string_field(body, "username"),
        password=string_field(body, "password"),
        display_name=string_field(body, "display_name", required=False),
        locale=string_field(body, "locale", required=False),
    )
    token = service.issue_token(db.session, user, name=string_field(body, "token_name", required=False) or "")
    return jsonify({"user": me(user), "token": token}), 201


@bp.post("/auth/token")
@limiter.limit(_auth_limit)
def create_token():
    body = json_body()
    username, password = string_field(body, "username"), string_field(body, "password")
    user = service.authenticate(db.session, username, password)
    if user is None:
        raise Unauthorized(_l("Wrong username or password."), code="invalid_credentials")
    token = service.issue_token(db.session, user, name=string_field(body, "token_name", required=False) or "")
    return jsonify({"token": token})


@bp.delete("/auth/token")
@token_required
def revoke_token():
    service.revoke_token(db.session, bearer_token())
    return "", 204


@bp.get("/me")
@token_required
def get_me():
    return jsonify(me(api_user()))
