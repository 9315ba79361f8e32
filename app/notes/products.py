"""The commerce link point of a note: the product it reviews and the rating it gives."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound

_PRODUCT_URL = re.compile(r"(?:^|/)products/(\d{1,18})(?:[/?#]|$)")


def parse_product_ref(value) -> int | None:
    """A product id from what a creator pastes: 42, "42" or a product page URL."""
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and len(text) <= 18:
            return int(text)
        match = _PRODUCT_URL.search(text)
        if match:
            return int(match.group(1))
    raise Invalid(_l("Paste a product link or number."), fields={"product": _l("Paste a product link or number.")})


def validate_link(session: Session, product_ref, rating) -> tuple[int | None, int | None]:
    from app.catalog.service import get_buyable_product

    product_id = parse_product_ref(product_ref)
    if product_id is None:
        if rating not in (None, ""):
            raise Invalid(_l("A rating needs a linked product."), fields={"rating": _l("Link a product first.")})
        return None, None
    try:
        get_buyable_product(session, product_id)
    except NotFound:
        raise Invalid(_l("That product does not exist or is not for sale."),
                      fields={"product": _l("That product does not exist or is not for sale.")}) from None
    if rating in (None, ""):
        return product_id, None
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise Invalid(_l("Ratings are 1 to 5 stars."), fields={"rating": _l("Ratings are 1 to 5 stars.")})
    return product_id, rating
