"""The ledger rows an order's money movements make. Pure: fed numbers, returns rows.

Every order's rows sum to zero: the buyer's payment is split into seller revenue, creator
commission and the platform fee; a refund writes the same rows with the opposite sign, each
under its own kind, so (order, kind) is unique and nothing is credited twice.
"""

from __future__ import annotations

from dataclasses import dataclass

PAYMENT_KINDS = ("buyer_payment", "seller_revenue", "creator_commission", "platform_fee")
REFUND_KINDS = {
    "buyer_payment": "buyer_refund",
    "seller_revenue": "seller_revenue_reversal",
    "creator_commission": "creator_commission_reversal",
    "platform_fee": "platform_fee_reversal",
}
EARNING_KINDS = ("seller_revenue", "creator_commission", "seller_revenue_reversal", "creator_commission_reversal")
SPENDING_KINDS = ("buyer_payment", "buyer_refund")


@dataclass(frozen=True)
class Split:
    total_cents: int
    commission_cents: int
    platform_fee_cents: int

    @property
    def seller_cents(self) -> int:
        return self.total_cents - self.commission_cents - self.platform_fee_cents


def split(unit_price_cents: int, quantity: int, commission_bps: int, platform_fee_bps: int) -> Split:
    """Floor division: the seller keeps the fractions of a cent."""
    total = unit_price_cents * quantity
    return Split(total, total * commission_bps // 10_000, total * platform_fee_bps // 10_000)


def creator_commission_bps(product_bps: int, *, author_id: int | None, buyer_id: int, author_sells: bool) -> int:
    """The rate the note's author earns on a sale through their note: none for buying through
    one's own note, none for the seller's own people (they earn as the seller)."""
    if author_id is None or author_id == buyer_id or author_sells:
        return 0
    return product_bps


@dataclass(frozen=True)
class Row:
    kind: str
    user_id: int | None  # None: the platform
    amount_cents: int


def payment_rows(*, buyer_id: int, seller_id: int, creator_id: int | None, money: Split) -> list[Row]:
    rows = [Row("buyer_payment", buyer_id, -money.total_cents), Row("seller_revenue", seller_id, money.seller_cents)]
    if money.commission_cents:
        rows.append(Row("creator_commission", creator_id, money.commission_cents))
    if money.platform_fee_cents:
        rows.append(Row("platform_fee", None, money.platform_fee_cents))
    return rows


def refund_rows(paid: list[Row]) -> list[Row]:
    return [Row(REFUND_KINDS[row.kind], row.user_id, -row.amount_cents) for row in paid]
