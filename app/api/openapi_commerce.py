"""OpenAPI paths and schemas for products, orders, payments and the ledger."""

from __future__ import annotations

from app.api.openapi import operation, ref
from app.api.openapi_notes import NULLABLE_STRING, PAGING, page_of, path_param, query
from app.orders import ledger

ID = {"type": "integer"}
CENTS = {"type": "integer", "description": "integer cents (minor units)"}
CURRENCY = {"type": "string", "enum": ["CNY", "TWD", "HKD", "USD"]}
STATUS = {"type": "string", "enum": ["pending", "paid", "shipped", "completed", "cancelled", "refunded"]}
ACTIONS = ["pay", "cancel", "ship", "confirm", "request_refund", "decline_refund", "refund"]
SHIPPING = {"type": "object", "required": ["name", "phone", "address"],
            "properties": {"name": {"type": "string", "maxLength": 40}, "phone": {"type": "string", "maxLength": 30},
                           "address": {"type": "string", "maxLength": 300}}}

SCHEMAS = {
    "Seller": {"allOf": [ref("UserSummary"), {"type": "object", "properties": {"shop_name": {"type": "string"}}}]},
    "Product": {
        "type": "object",
        "required": ["id", "name", "description", "price_cents", "currency", "stock", "commission_bps",
                     "sold_count", "seller", "images", "created_at"],
        "properties": {
            "id": ID, "name": {"type": "string"}, "description": {"type": "string"}, "price_cents": CENTS,
            "currency": CURRENCY, "stock": ID, "commission_bps": {"type": "integer", "minimum": 0, "maximum": 5000},
            "sold_count": ID, "is_listed": {"type": "boolean"}, "seller": ref("Seller"),
            "images": {"type": "array", "items": ref("Image")}, "created_at": {"type": "string"},
            "sales_cents": {**CENTS, "description": "revenue of standing orders; shown to the seller only"},
            "group_price_cents": {"type": ["integer", "null"], "description": "the price in a group buy, if offered"},
            "group_size": {"type": ["integer", "null"], "description": "members a group needs to fill"},
        },
    },
    "ProductInput": {
        "type": "object",
        "description": "JSON, or multipart/form-data with `images` files. PATCH takes any subset, plus "
                       "`is_listed` and `remove_images` (ids).",
        "properties": {
            "name": {"type": "string", "maxLength": 100}, "description": {"type": "string", "maxLength": 5000},
            "price_cents": {**CENTS, "minimum": 1, "maximum": 10_000_000_00}, "currency": CURRENCY,
            "stock": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
            "commission_bps": {"type": "integer", "minimum": 0, "maximum": 5000},
            "is_listed": {"type": "boolean"}, "remove_images": {"type": "array", "items": ID},
            "group_price_cents": {"type": ["integer", "null"], "minimum": 1,
                                  "description": "a group buy's price, below price_cents; with group_size, or "
                                                 "both null for no group offer"},
            "group_size": {"type": ["integer", "null"], "minimum": 2},
        },
    },
    "OrderInput": {
        "type": "object",
        "required": ["product"],
        "description": "Prices, totals and commissions are computed on the server; any sent are ignored. "
                       "Send an Idempotency-Key header to make retries safe.",
        "properties": {
            "product": ID, "quantity": {"type": "integer", "minimum": 1, "default": 1},
            "note": {"type": ["integer", "null"], "description": "the note the purchase came through"},
            "shipping": SHIPPING,
            "share_code": {"type": ["string", "null"], "maxLength": 16,
                           "description": "the share link the buyer came through (its sharer is the referrer)"},
            "use_credit": {"type": "boolean", "default": False, "description": "pay what credit covers"},
            "voucher": {"type": ["integer", "null"], "description": "one of the buyer's usable vouchers"},
            "group": {"type": ["integer", "null"], "description": "join this group (quantity 1)"},
            "start_group": {"type": "boolean", "default": False, "description": "start a group (quantity 1)"},
        },
    },
    "Order": {
        "type": "object",
        "required": ["id", "status", "product", "seller", "buyer", "note", "creator", "quantity", "unit_price_cents",
                     "total_cents", "currency", "commission_bps", "commission_cents", "actions", "created_at"],
        "properties": {
            "id": ID, "status": STATUS,
            "product": {"type": "object", "properties": {"id": ID, "name": {"type": "string"}}},
            "seller": ref("Seller"), "buyer": ref("UserSummary"), "note": {"type": ["integer", "null"]},
            "creator": {"oneOf": [ref("UserSummary"), {"type": "null"}]},
            "quantity": ID, "unit_price_cents": CENTS, "total_cents": CENTS, "currency": CURRENCY,
            "commission_bps": ID, "commission_cents": CENTS, "platform_fee_cents": CENTS,
            "refund_requested": {"type": "boolean"}, "refund_reason": NULLABLE_STRING,
            "tracking_number": NULLABLE_STRING, "shipping": SHIPPING,
            "actions": {"type": "array", "items": {"type": "string", "enum": ACTIONS},
                        "description": "what the caller may do now"},
            "ledger": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string"}, "amount_cents": CENTS, "currency": CURRENCY,
                "user": {"oneOf": [ref("UserSummary"), {"type": "null"}]}}}},
            "created_at": {"type": "string"}, "paid_at": NULLABLE_STRING, "shipped_at": NULLABLE_STRING,
            "completed_at": NULLABLE_STRING, "cancelled_at": NULLABLE_STRING, "refunded_at": NULLABLE_STRING,
            "credit_cents": {**CENTS, "description": "paid from the buyer's credit"},
            "discount_cents": {**CENTS, "description": "paid by a voucher"},
            "amount_due_cents": {**CENTS, "description": "what the payment provider charges"},
            "group": {"type": ["integer", "null"], "description": "the group buy this order has a seat in"},
            "share_code": {**NULLABLE_STRING, "description": "the share link the buyer came through"},
            "referrer": {"oneOf": [ref("UserSummary"), {"type": "null"}]},
            "refund_window_closes_at": {**NULLABLE_STRING,
                                        "description": "completed orders: a refund can be asked until then"},
        },
    },
    "LedgerEntry": {
        "type": "object", "required": ["id", "order", "kind", "amount_cents", "currency", "created_at"],
        "properties": {"id": ID, "order": ID, "product": {"type": "string"},
                       "kind": {"type": "string", "enum": [
                           *ledger.PAYMENT_KINDS, *ledger.REFUND_KINDS.values(), *ledger.REWARD_KINDS]},
                       "amount_cents": {**CENTS, "description": "signed: + credits the caller, - debits"},
                       "currency": CURRENCY, "created_at": {"type": "string"}},
    },
    "Balance": {
        "type": "object", "required": ["currency", "earned_cents", "pending_cents", "available_cents", "spent_cents"],
        "properties": {"currency": CURRENCY, "earned_cents": CENTS, "pending_cents": CENTS,
                       "available_cents": CENTS, "spent_cents": CENTS},
    },
}

PAYMENT_START = {
    "type": "object", "required": ["provider", "payment_ref", "pay_url"],
    "description": "the answer to pay: where to complete the payment (all null when nothing was due)",
    "properties": {"provider": NULLABLE_STRING, "payment_ref": NULLABLE_STRING, "pay_url": NULLABLE_STRING},
}

IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string",
               "maxLength": 100}, "description": "same key and body: the first result; different body: 422"}

PATHS = {
    "/api/v1/products": {
        "get": operation("Products for sale, newest first", response=page_of(ref("Product")), errors=(400, 404),
                         parameters=[query("seller", {"type": "string"}, "a seller's username"),
                                     query("q", {"type": "string"}, "words in the name"), *PAGING]),
        "post": operation("Put a product up for sale (opens the caller's shop if needed)", ok=201,
                          body={"allOf": [ref("ProductInput"), {"required": ["name", "price_cents", "stock"]}]},
                          response=ref("Product"), auth=True, errors=(400, 413)),
    },
    "/api/v1/products/{product_id}": {
        "parameters": [path_param("product_id", ID)],
        "get": operation("One product", response=ref("Product"), errors=(404,)),
        "patch": operation("Change a product (its seller and staff)", body=ref("ProductInput"),
                           response=ref("Product"), auth=True, errors=(400, 403, 404, 413)),
    },
    "/api/v1/orders": {
        "get": operation("The caller's orders, as buyer (default) or as seller", response=page_of(ref("Order")),
                         auth=True, errors=(400,),
                         parameters=[query("role", {"type": "string", "enum": ["buyer", "seller"]}),
                                     query("status", STATUS), *PAGING]),
        "post": {**operation("Order a product (pending until paid); stock is held", ok=201, body=ref("OrderInput"),
                             response=ref("Order"), auth=True, errors=(400, 404, 409, 422)),
                 "parameters": [IDEMPOTENCY]},
    },
    "/api/v1/orders/{order_id}": {
        "parameters": [path_param("order_id", ID)],
        "get": operation("One order with its ledger rows (buyer, seller and staff)", response=ref("Order"),
                         auth=True, errors=(404,)),
    },
    "/api/v1/orders/{order_id}/{action}": {
        "parameters": [path_param("order_id", ID), path_param("action", {"type": "string", "enum": ACTIONS})],
        "post": operation(
            "Move an order: buyer cancel/confirm/request_refund ({reason}); seller cancel/ship ({tracking_number})"
            "/refund/decline_refund; pay answers {provider, payment_ref, pay_url}. Illegal moves are 409 "
            "illegal_transition; a party acting out of role (the seller paying) is 403.",
            response={"anyOf": [ref("Order"), PAYMENT_START]}, auth=True, errors=(400, 403, 404, 409),
            body={"type": "object", "properties": {"reason": {"type": "string"},
                                                   "tracking_number": {"type": "string"}}}),
    },
    "/api/v1/payments/sandbox/{order_id}": {
        "parameters": [path_param("order_id", ID)],
        "post": operation("Sandbox bank: pay (or fail) a pending order through the signed webhook path",
                          body={"type": "object", "properties": {"succeed": {"type": "boolean", "default": True}}},
                          response=ref("Order"), auth=True, errors=(400, 403, 404, 409)),
    },
    "/api/v1/payments/webhook/{provider}": {
        "parameters": [path_param("provider", {"type": "string", "enum": ["sandbox"]})],
        "post": {**operation(
            "Payment provider notification. Header Zhongcao-Signature: t=<unix>,v1=HMAC-SHA256(secret, "
            "'<t>.<body>'); stale or replayed events do nothing.",
            body={"type": "object", "required": ["id", "type", "payment_ref", "amount_cents", "currency"],
                  "properties": {"id": {"type": "string"},
                                 "type": {"type": "string", "enum": ["payment.succeeded", "payment.failed"]},
                                 "payment_ref": {"type": "string"}, "amount_cents": CENTS, "currency": CURRENCY}},
            response={"type": "object", "properties": {"result": {
                "type": "string", "enum": ["applied", "ignored", "duplicate"]}}},
            errors=(400, 404))},
    },
    "/api/v1/ledger": {
        "get": operation(
            "The caller's ledger rows, newest first, and balances (sums of the ledger)",
            response={**page_of(ref("LedgerEntry")), "properties": {
                **page_of(ref("LedgerEntry"))["properties"], "balances": {"type": "array", "items": ref("Balance")}}},
            auth=True, errors=(400,), parameters=PAGING),
    },
}


