"""The OpenAPI 3 document of /api/v1. Every endpoint is described here; a test checks that
each route under /api/v1 appears, so a new endpoint cannot be forgotten."""

from __future__ import annotations

from flask import jsonify

from app.api import bp

BEARER = [{"bearerAuth": []}]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def error_responses(*statuses: int) -> dict:
    descriptions = {
        400: "Invalid input", 401: "Missing or invalid token", 403: "Not allowed", 404: "Not found",
        409: "Conflict with the current state", 413: "Too large", 422: "Unprocessable", 429: "Rate limited",
    }
    return {str(s): {"description": descriptions[s], "content": json_content(ref("Error"))} for s in statuses}


def operation(summary: str, *, ok: int = 200, response: dict | None = None, body: dict | None = None,
              auth: bool = False, errors: tuple[int, ...] = (), parameters: list | None = None) -> dict:
    op: dict = {"summary": summary, "responses": {}}
    if response is None:
        op["responses"][str(ok)] = {"description": "No content"}
    else:
        op["responses"][str(ok)] = {"description": "OK", "content": json_content(response)}
    op["responses"].update(error_responses(*sorted(set(errors) | ({401} if auth else set()))))
    if body is not None:
        op["requestBody"] = {"required": True, "content": json_content(body)}
    if auth:
        op["security"] = BEARER
    if parameters:
        op["parameters"] = parameters
    return op


SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "UserSummary": {
        "type": "object",
        "required": ["username", "display_name"],
        "properties": {
            "username": {"type": "string"},
            "display_name": {"type": "string"},
            "avatar_url": {"type": ["string", "null"]},
        },
    },
    "Me": {
        "type": "object",
        "required": ["username", "display_name", "bio", "locale", "created_at", "is_admin"],
        "properties": {
            "username": {"type": "string"},
            "display_name": {"type": "string"},
            "avatar_url": {"type": ["string", "null"]},
            "bio": {"type": "string"},
            "locale": {"type": "string", "enum": ["zh_Hant", "zh_Hans", "en"]},
            "created_at": {"type": "string", "format": "date-time"},
            "is_admin": {"type": "boolean"},
        },
    },
    "Credentials": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string", "pattern": "^[A-Za-z0-9_]{3,30}$"},
            "password": {"type": "string", "minLength": 8, "maxLength": 128},
            "token_name": {"type": "string"},
        },
    },
}

SCHEMAS["Registration"] = {
    **SCHEMAS["Credentials"],
    "properties": {
        **SCHEMAS["Credentials"]["properties"],
        "display_name": {"type": "string", "maxLength": 40},
        "locale": {"type": "string", "enum": ["zh_Hant", "zh_Hans", "en"]},
    },
}

TOKEN = {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}

PATHS: dict = {
    "/api/v1/auth/register": {
        "post": operation(
            "Create an account and a first token", ok=201, body=ref("Registration"),
            response={"type": "object", "required": ["user", "token"],
                      "properties": {"user": ref("Me"), "token": {"type": "string"}}},
            errors=(400, 409, 429),
        )
    },
    "/api/v1/auth/token": {
        "post": operation("Exchange username and password for a bearer token", body=ref("Credentials"),
                          response=TOKEN, errors=(400, 401, 429)),
        "delete": operation("Revoke the token this request is made with", ok=204, auth=True, errors=(404,)),
    },
    "/api/v1/me": {"get": operation("The token's user", response=ref("Me"), auth=True)},
    "/api/v1/openapi.json": {"get": operation("This document", response={"type": "object"})},
}


def all_paths_and_schemas() -> tuple[dict, dict]:
    from app.api import openapi_commerce, openapi_dashboard, openapi_notes, openapi_search, openapi_sharing

    parts = (openapi_notes, openapi_commerce, openapi_search, openapi_sharing, openapi_dashboard)
    paths = {**PATHS, **{path: item for part in parts for path, item in part.PATHS.items()}}
    return paths, {**SCHEMAS, **{name: schema for part in parts for name, schema in part.SCHEMAS.items()}}


def document() -> dict:
    paths, schemas = all_paths_and_schemas()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Zhongcao API", "version": "1.0.0",
                 "description": "Notes, social graph and social commerce. Bearer tokens from /auth/token."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
