"""The commerce link point of a note. Products arrive with the commerce issue; until then a note
cannot link one, and a rating only exists together with a product."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.errors import Invalid


def validate_link(session: Session, product_id, rating) -> tuple[int | None, int | None]:
    if product_id in (None, ""):
        if rating not in (None, ""):
            raise Invalid(_l("A rating needs a linked product."), fields={"rating": _l("Link a product first.")})
        return None, None
    raise Invalid(_l("Products are not available yet."), fields={"product": _l("Unknown product.")})
