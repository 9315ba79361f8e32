"""The ledger rows an order's money movements make. Pure: fed numbers, returns rows.

Every order's rows sum to zero: the buyer's payment is split into seller revenue, creator
commission and the platform fee; a refund writes the same rows with the opposite sign, each
under its own kind, so (order, kind) is unique and nothing is credited twice.
"""

from __future__ import annotations

from dataclasses import dataclass

PAYMENT_KINDS = ("buyer_payment", "credit_spent", "voucher_discount", "seller_revenue", "creator_commission",
                 "platform_fee")
REFUND_KINDS = {
    "buyer_payment": "buyer_refund",
    "credit_spent": "credit_spent_reversal",
    "voucher_discount": "voucher_discount_reversal",
    "seller_revenue": "seller_revenue_reversal",
    "creator_commission": "creator_commission_reversal",
    "platform_fee": "platform_fee_reversal",
}
# A referral reward is credit the platform pays for: the referrer's row and the platform's cost.
REWARD_KINDS = ("referral_reward", "referral_reward_cost")
# Credit: what rewards gave, less what checkout spent of it, plus what refunds gave back.
CREDIT_KINDS = ("referral_reward", "credit_spent", "credit_spent_reversal")
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


def payment_rows(*, buyer_id: int, seller_id: int, creator_id: int | None, money: Split, credit_cents: int = 0,
                 discount_cents: int = 0) -> list[Row]:
    """The buyer pays the total three ways: through the provider, from credit, and with a voucher
    the platform pays for. The seller, creator and platform are paid on the whole total."""
    charged = money.total_cents - credit_cents - discount_cents
    rows = [Row("buyer_payment", buyer_id, -charged)] if charged else []
    if credit_cents:
        rows.append(Row("credit_spent", buyer_id, -credit_cents))
    if discount_cents:
        rows.append(Row("voucher_discount", None, -discount_cents))
    rows.append(Row("seller_revenue", seller_id, money.seller_cents))
    if money.commission_cents:
        rows.append(Row("creator_commission", creator_id, money.commission_cents))
    if money.platform_fee_cents:
        rows.append(Row("platform_fee", None, money.platform_fee_cents))
    return rows


def refund_rows(paid: list[Row]) -> list[Row]:
    return [Row(REFUND_KINDS[row.kind], row.user_id, -row.amount_cents) for row in paid]


def reward_rows(referrer_id: int, amount_cents: int) -> list[Row]:
    return [Row("referral_reward", referrer_id, amount_cents), Row("referral_reward_cost", None, -amount_cents)]
