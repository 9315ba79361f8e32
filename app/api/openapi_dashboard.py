"""OpenAPI path and schemas for the creator dashboard."""

from __future__ import annotations

from app.api.openapi import operation, ref
from app.api.openapi_commerce import CENTS, CURRENCY, ID

COUNT = {"type": "integer", "minimum": 0}
DATE_TIME = {"type": "string", "format": "date-time"}
KINDS = ["note", "product", "profile", "group"]

SCHEMAS = {
    "ShareTreeNode": {
        "type": "object", "required": ["user", "visits", "signups", "buyers", "children"],
        "description": "A share link in a share's spread: its sharer, what it brought, and the links of people who "
                       "arrived through it and shared it on",
        "properties": {
            "user": ref("UserSummary"), "visits": COUNT,
            "signups": {**COUNT, "description": "accounts that signed up through this link"},
            "buyers": {**COUNT, "description": "people with a standing order credited to this link"},
            "children": {"type": "array", "items": ref("ShareTreeNode")},
        },
    },
    "Dashboard": {
        "type": "object", "required": ["fans", "notes", "rewards", "trees"],
        "properties": {
            "fans": {
                "type": "object", "required": ["followers", "series"],
                "properties": {
                    "followers": COUNT,
                    "series": {"type": "array", "description": "followers at the end of each of the last 90 days "
                                                               "(UTC), oldest first",
                               "items": {"type": "object", "required": ["date", "followers"],
                                         "properties": {"date": {"type": "string", "format": "date"},
                                                        "followers": COUNT}}},
                },
            },
            "notes": {"type": "array", "description": "every note of the caller, newest first", "items": {
                "type": "object",
                "required": ["id", "title", "created_at", "is_draft", "views", "likes", "collects", "comments",
                             "sales"],
                "properties": {
                    "id": ID, "title": {"type": "string"}, "created_at": DATE_TIME, "is_draft": {"type": "boolean"},
                    "views": COUNT, "likes": COUNT, "collects": COUNT, "comments": COUNT,
                    "sales": {"type": "array", "description": "per currency: standing orders through the note and "
                                                              "the commission it earned, net of refunds",
                              "items": {"type": "object",
                                        "required": ["currency", "units_sold", "sales_cents", "commission_cents"],
                                        "properties": {"currency": CURRENCY, "units_sold": COUNT,
                                                       "sales_cents": CENTS, "commission_cents": CENTS}}},
                },
            }},
            "rewards": {
                "type": "object", "required": ["totals", "items"],
                "properties": {
                    "totals": {"type": "array", "items": {"type": "object", "required": ["currency", "amount_cents"],
                                                          "properties": {"currency": CURRENCY,
                                                                         "amount_cents": CENTS}}},
                    "items": {"type": "array", "description": "newest first", "items": {
                        "type": "object", "required": ["id", "kind", "amount_cents", "currency", "created_at"],
                        "properties": {"id": ID, "kind": {"type": "string"}, "amount_cents": CENTS,
                                       "currency": CURRENCY, "created_at": DATE_TIME}}},
                },
            },
            "trees": {"type": "array", "description": "one per share link of the caller, most buyers first", "items": {
                "type": "object",
                "required": ["code", "kind", "id", "title", "created_at", "people", "visits", "signups", "buyers",
                             "root"],
                "properties": {
                    "code": {"type": "string", "maxLength": 16}, "kind": {"type": "string", "enum": KINDS}, "id": ID,
                    "title": {"type": ["string", "null"],
                              "description": "what the link points at; null when it is gone or not public"},
                    "created_at": DATE_TIME,
                    "people": {**COUNT, "description": "links in the tree, the caller's included"},
                    "visits": COUNT, "signups": COUNT, "buyers": COUNT, "root": ref("ShareTreeNode"),
                },
            }},
        },
    },
}

PATHS = {
    "/api/v1/me/dashboard": {
        "get": operation("The caller's creator dashboard: fans, note figures, referral rewards and share trees",
                         response=ref("Dashboard"), auth=True),
    },
}
