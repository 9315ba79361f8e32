"""The order state machine: which action may move an order from which state, and who may take it.

Pure: no Flask, no database. The service asks it before writing and writes what it answers.

    pending ──pay──▶ paid ──ship──▶ shipped ──confirm──▶ completed
       │               │               │                     │
       └─cancel/fail─▶ cancelled        └──── refund ────────┴──▶ refunded  (from paid too)

A buyer's refund request does not change the state; it waits for the seller, who refunds or
declines it.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("pending", "paid", "shipped", "completed", "cancelled", "refunded")
# Orders whose units count as sold.
SOLD = ("paid", "shipped", "completed")

BUYER, SELLER, SYSTEM = "buyer", "seller", "system"


@dataclass(frozen=True)
class Rule:
    sources: tuple[str, ...]
    target: str | None  # None: the state stays, a flag changes
    actors: tuple[str, ...]
    needs_refund_request: bool = False
    refuses_refund_request: bool = False


RULES: dict[str, Rule] = {
    "pay": Rule(("pending",), "paid", (SYSTEM,)),
    "fail_payment": Rule(("pending",), "cancelled", (SYSTEM,)),
    "cancel": Rule(("pending",), "cancelled", (BUYER, SELLER, SYSTEM)),
    "ship": Rule(("paid",), "shipped", (SELLER,), refuses_refund_request=True),
    "confirm": Rule(("shipped",), "completed", (BUYER, SYSTEM)),
    "request_refund": Rule(("paid", "shipped", "completed"), None, (BUYER,), refuses_refund_request=True),
    "decline_refund": Rule(("paid", "shipped", "completed"), None, (SELLER,), needs_refund_request=True),
    # The system refunds the members of a group buy that did not fill in time.
    "refund": Rule(("paid", "shipped", "completed"), "refunded", (SELLER, SYSTEM)),
}
# What people may do through the API and the pages; the rest is the payment provider's and the clock's.
USER_ACTIONS = ("cancel", "ship", "confirm", "request_refund", "decline_refund", "refund")


class IllegalTransition(Exception):
    def __init__(self, action: str, status: str, reason: str):
        self.action, self.status, self.reason = action, status, reason
        super().__init__(f"{action} is not allowed on a {status} order: {reason}")


def next_status(status: str, action: str, actor: str, *, refund_requested: bool = False) -> str:
    """The state after ``action``, or IllegalTransition saying why not."""
    rule = RULES.get(action)
    if rule is None:
        raise IllegalTransition(action, status, "unknown_action")
    if actor not in rule.actors:
        raise IllegalTransition(action, status, "not_your_action")
    if status not in rule.sources:
        raise IllegalTransition(action, status, "wrong_state")
    if rule.needs_refund_request and not refund_requested:
        raise IllegalTransition(action, status, "no_refund_request")
    if rule.refuses_refund_request and refund_requested:
        raise IllegalTransition(action, status, "refund_requested")
    return rule.target or status


def allowed_actions(status: str, actor: str, *, refund_requested: bool = False) -> list[str]:
    """What this actor may do now: the buttons a page shows."""
    allowed = []
    for action in USER_ACTIONS:
        try:
            next_status(status, action, actor, refund_requested=refund_requested)
        except IllegalTransition:
            continue
        allowed.append(action)
    return allowed
