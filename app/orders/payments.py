"""Payment providers behind one small interface, and the signed webhook they confirm through.

A provider starts a payment (returns where to send the buyer) and turns a webhook request into
a verified ``PaymentEvent``. Alipay, WeChat Pay or Stripe would each be one class here. The
sandbox provider is the default: its "payment page" is ours, says it is a sandbox, and confirms
through exactly the signed, replay-safe webhook path a real provider uses.

Signatures follow Stripe's scheme: header ``Zhongcao-Signature: t=<unix>,v1=<hex>`` where
v1 = HMAC-SHA256(secret, f"{t}.{body}"); events older than the tolerance are refused, and each
event id is processed once (see service.receive_webhook).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from app.errors import Invalid, NotFound

SIGNATURE_HEADER = "Zhongcao-Signature"
EVENT_KINDS = ("payment.succeeded", "payment.failed")


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str
    kind: str
    payment_ref: str
    amount_cents: int
    currency: str


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str | None, tolerance_seconds: int, now: float | None = None) -> None:
    bad = Invalid(_l("The payment notification's signature is not valid."), code="bad_signature")
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise bad from None
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise bad
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_seconds:
        raise Invalid(_l("The payment notification is too old."), code="stale_event")


def parse_event(body: bytes) -> PaymentEvent:
    try:
        data = json.loads(body)
        event = PaymentEvent(
            event_id=str(data["id"]), kind=data["type"], payment_ref=str(data["payment_ref"]),
            amount_cents=data["amount_cents"], currency=data["currency"],
        )
    except (ValueError, KeyError, TypeError):
        raise Invalid(_l("The payment notification is malformed."), code="bad_event") from None
    amount_ok = isinstance(event.amount_cents, int) and not isinstance(event.amount_cents, bool)
    if event.kind not in EVENT_KINDS or not amount_ok or len(event.event_id) > 100:
        raise Invalid(_l("The payment notification is malformed."), code="bad_event")
    return event


class SandboxProvider:
    """Pays or fails on request. Honest about it: its page says no money moves."""

    name = "sandbox"

    def __init__(self, secret: str):
        self.secret = secret

    def new_payment_ref(self) -> str:
        return "sbx_" + secrets.token_urlsafe(18)

    def checkout_url(self, order) -> str:
        return url_for("orders.sandbox_pay", order_id=order.id)

    def verify_request(self, body: bytes, headers) -> PaymentEvent:
        verify(self.secret, body, headers.get(SIGNATURE_HEADER), current_app.config["PAYMENT_WEBHOOK_TOLERANCE"])
        return parse_event(body)

    def simulate(self, order, succeed: bool) -> tuple[bytes, dict]:
        """The webhook request the sandbox 'bank' would send for this order."""
        body = json.dumps({
            "id": "evt_" + secrets.token_urlsafe(12), "type": "payment.succeeded" if succeed else "payment.failed",
            "payment_ref": order.payment_ref, "amount_cents": order.amount_due_cents, "currency": order.currency,
        }).encode()
        return body, {SIGNATURE_HEADER: sign(self.secret, body)}


def webhook_secret() -> str:
    configured = current_app.config.get("PAYMENT_WEBHOOK_SECRET")
    if configured:
        return configured
    # Derived from SECRET_KEY so development needs no extra setting; production sets its own.
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"payment-webhook", hashlib.sha256).hexdigest()


def get_provider(name: str | None = None):
    name = name or current_app.config["PAYMENT_PROVIDER"]
    if name == "sandbox":
        return SandboxProvider(webhook_secret())
    raise NotFound(_l("Unknown payment provider."), code="unknown_provider")
