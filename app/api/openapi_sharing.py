"""OpenAPI paths and schemas for share links, group buys and referrals."""

from __future__ import annotations

from app.api.openapi import json_content, operation, ref
from app.api.openapi_commerce import CENTS, CURRENCY, ID, IDEMPOTENCY, SHIPPING
from app.api.openapi_notes import NULLABLE_STRING, PAGING, page_of, path_param

DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
KINDS = ["note", "product", "profile", "group"]
GROUP_STATUS = {"type": "string", "enum": ["open", "filled", "expired"]}
COUNT = {"type": "integer", "minimum": 0}

SCHEMAS = {
    "ShareInput": {
        "type": "object", "required": ["kind", "id"],
        "properties": {"kind": {"type": "string", "enum": KINDS},
                       "id": {"type": "integer", "minimum": 1, "description": "the note, product, user or group"}},
    },
    "Share": {
        "type": "object",
        "required": ["code", "url", "poster_url", "kind", "id", "visits", "signups", "buyers", "created_at"],
        "properties": {
            "code": {"type": "string", "maxLength": 16},
            "url": {"type": "string", "description": "the absolute short link, /s/<code>"},
            "poster_url": {"type": "string", "description": "a PNG poster with the link as a QR code"},
            "kind": {"type": "string", "enum": KINDS}, "id": ID,
            "visits": COUNT, "signups": {**COUNT, "description": "accounts that signed up through the link"},
            "buyers": {**COUNT, "description": "people with a standing order credited to the link"},
            "created_at": DATE_TIME,
        },
    },
    "GroupSummary": {
        "type": "object",
        "required": ["id", "product", "leader", "size", "unit_price_cents", "currency", "status", "needed",
                     "seats_left", "deadline", "created_at", "closed_at"],
        "properties": {
            "id": ID, "product": ID, "leader": ref("UserSummary"), "size": {"type": "integer", "minimum": 2},
            "unit_price_cents": CENTS, "currency": CURRENCY, "status": GROUP_STATUS,
            "needed": {**COUNT, "description": "paid members still needed to fill the group"},
            "seats_left": {**COUNT, "description": "seats others can still take"},
            "deadline": {**DATE_TIME, "description": "the group expires, and every member is refunded, then"},
            "created_at": DATE_TIME, "closed_at": NULLABLE_DATE_TIME,
        },
    },
    "Group": {
        "type": "object",
        "required": ["id", "product", "leader", "size", "unit_price_cents", "currency", "status", "needed",
                     "seats_left", "deadline", "created_at", "closed_at", "members", "my_order"],
        "properties": {
            "id": ID,
            "product": {"type": "object", "required": ["id", "name", "price_cents", "currency", "seller", "image"],
                        "properties": {"id": ID, "name": {"type": "string"}, "price_cents": CENTS,
                                       "currency": CURRENCY, "seller": ref("Seller"),
                                       "image": {"oneOf": [ref("Image"), {"type": "null"}]}}},
            "leader": ref("UserSummary"), "size": {"type": "integer", "minimum": 2},
            "unit_price_cents": CENTS, "currency": CURRENCY, "status": GROUP_STATUS,
            "needed": COUNT, "seats_left": COUNT, "deadline": DATE_TIME, "created_at": DATE_TIME,
            "closed_at": NULLABLE_DATE_TIME,
            "members": {"type": "array", "description": "in joining order", "items": {
                "type": "object", "required": ["username", "display_name", "paid"],
                "properties": {"username": {"type": "string"}, "display_name": {"type": "string"},
                               "paid": {"type": "boolean"}}}},
            "my_order": {"type": ["integer", "null"], "description": "the caller's order in the group, if any"},
        },
    },
    "GroupOrderInput": {
        "type": "object",
        "description": "All optional: POST /orders's shipping, note, share_code, use_credit and voucher. "
                       "A group buy is one item per member.",
        "properties": {
            "shipping": SHIPPING, "note": {"type": ["integer", "null"]},
            "share_code": {"type": ["string", "null"], "maxLength": 16},
            "use_credit": {"type": "boolean"}, "voucher": {"type": ["integer", "null"]},
        },
    },
    "GroupOrder": {
        "type": "object", "required": ["order", "group"],
        "properties": {"order": ref("Order"), "group": ref("Group")},
    },
    "Referrals": {
        "type": "object", "required": ["summary", "referrals", "next_cursor", "rewards", "vouchers"],
        "properties": {
            "summary": {"type": "object",
                        "required": ["referrals", "customers", "pending_cents", "paid_cents", "credit_cents",
                                     "currency"],
                        "properties": {
                            "referrals": COUNT,
                            "customers": {**COUNT, "description": "referrals with a completed order"},
                            "pending_cents": {**CENTS, "description": "rewards paid once orders pass the refund "
                                                                      "window"},
                            "paid_cents": CENTS, "credit_cents": {**CENTS, "description": "credit to spend now"},
                            "currency": CURRENCY}},
            "referrals": {"type": "array", "items": {
                "type": "object", "required": ["user", "created_at"],
                "properties": {"user": ref("UserSummary"), "created_at": DATE_TIME}}},
            "next_cursor": {**NULLABLE_STRING, "description": "pages the referrals"},
            "rewards": {"type": "array", "items": {
                "type": "object", "required": ["id", "kind", "amount_cents", "currency", "created_at"],
                "properties": {"id": ID, "kind": {"type": "string"}, "amount_cents": CENTS, "currency": CURRENCY,
                               "created_at": DATE_TIME}}},
            "vouchers": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "amount_cents", "min_spend_cents", "currency", "used", "usable", "expires_at",
                             "created_at"],
                "properties": {"id": ID, "amount_cents": CENTS, "min_spend_cents": CENTS, "currency": CURRENCY,
                               "used": {"type": "boolean"}, "usable": {"type": "boolean"},
                               "expires_at": DATE_TIME, "created_at": DATE_TIME}}},
        },
    },
}


def _group_order(summary: str) -> dict:
    op = operation(summary, ok=201, body=ref("GroupOrderInput"), response=ref("GroupOrder"), auth=True,
                   errors=(400, 404, 409, 422))
    op["requestBody"]["required"] = False
    op["parameters"] = [IDEMPOTENCY]
    return op


_create_share = operation(
    "The caller's share link to a note, product, profile or group: made the first time (201), the same "
    "one after (200)", ok=201, body=ref("ShareInput"), response=ref("Share"), auth=True, errors=(400, 404))
_create_share["responses"]["200"] = {"description": "The link the caller already had",
                                     "content": json_content(ref("Share"))}

PATHS = {
    "/api/v1/shares": {
        "post": _create_share,
        "get": operation("The caller's share links, newest first", response=page_of(ref("Share")), auth=True,
                         errors=(400,), parameters=PAGING),
    },
    "/api/v1/shares/{code}": {
        "parameters": [path_param("code", {"type": "string"})],
        "get": operation("One of the caller's share links (anyone else's is a 404)", response=ref("Share"),
                         auth=True, errors=(404,)),
    },
    "/api/v1/groups/{group_id}": {
        "parameters": [path_param("group_id", ID)],
        "get": operation("A group buy, in the open: members, how many are still needed, the exact deadline",
                         response=ref("Group"), errors=(404,)),
    },
    "/api/v1/groups/{group_id}/join": {
        "parameters": [path_param("group_id", ID)],
        "post": _group_order("Join a group (an order at the group price, pending until paid). 409 group_full, "
                             "group_closed or already_in_group"),
    },
    "/api/v1/products/{product_id}/groups": {
        "parameters": [path_param("product_id", ID)],
        "get": operation("Open groups of a product others can join, closest to filling first",
                         response={"type": "object", "required": ["items"],
                                   "properties": {"items": {"type": "array", "items": ref("GroupSummary")}}},
                         errors=(404,)),
        "post": _group_order("Start a group of the product (400 no_group_offer; 409 out_of_stock when its stock "
                             "cannot reserve a whole group)"),
    },
    "/api/v1/me/referrals": {
        "get": operation("The caller's referrals, rewards and vouchers", response=ref("Referrals"), auth=True,
                         errors=(400,), parameters=PAGING),
    },
}
