"""The API base: registration, tokens, errors and the OpenAPI document."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import ApiToken
from app.db import db


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_register_returns_user_and_a_working_token(client):
    response = client.post("/api/v1/auth/register", json={"username": "api_mei", "password": "s3cret-pass",
                                                         "display_name": "小美"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["username"] == "api_mei"
    assert body["user"]["display_name"] == "小美"
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.get_json()["username"] == "api_mei"


def test_tokens_are_stored_hashed(client, app):
    token = client.post("/api/v1/auth/register", json={"username": "hashy", "password": "s3cret-pass"}).get_json()[
        "token"
    ]
    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored and token not in stored and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"username": "ab", "password": "s3cret-pass"}, 400, "invalid"),
        ({"username": "okname", "password": "short"}, 400, "invalid"),
        ({"username": 5, "password": "s3cret-pass"}, 400, "invalid"),
        ({"password": "s3cret-pass"}, 400, "invalid"),
        ({"username": "okname", "password": "s3cret-pass", "locale": "fr"}, 400, "invalid"),
    ],
)
def test_register_errors_are_json(client, payload, status, code):
    response = client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_register_duplicate_is_409(client, make_user):
    make_user("dupe")
    response = client.post("/api/v1/auth/register", json={"username": "DUPE", "password": "s3cret-pass"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "username_taken"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"string"', b""])
def test_non_object_bodies_are_400(client, body):
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_token_exchange_and_revocation(client, make_user):
    make_user("tokyo")
    wrong = client.post("/api/v1/auth/token", json={"username": "tokyo", "password": "nope-nope"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_credentials"
    response = client.post("/api/v1/auth/token", json={"username": "tokyo", "password": "correct horse battery"})
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    after = client.get("/api/v1/me", headers=bearer(token))
    assert after.status_code == 401 and after.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer zc_garbage", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000])
def test_me_without_a_valid_token_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_session_cookie_does_not_authenticate_the_api(client, make_user, auth):
    make_user("cookie_monster")
    auth.login("cookie_monster")
    assert client.get("/settings/profile").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_api_path_and_wrong_method_are_json(client):
    missing = client.get("/api/v1/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.get("/api/v1/auth/register")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_error_messages_follow_accept_language(client):
    response = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"})
    assert response.get_json()["error"]["message"] != client.get(
        "/api/v1/me", headers={"Accept-Language": "en"}
    ).get_json()["error"]["message"]


def test_openapi_document_lists_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], f"{path} is missing from the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {path} is missing from the OpenAPI document"
    # Every $ref resolves.
    import json

    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(spec)):
        assert ref in spec["components"]["schemas"]
