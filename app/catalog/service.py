"""Shops and products: open a shop, list and edit products, and who counts as the seller."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased, selectinload

from app.accounts.models import User
from app.accounts.service import clean_text, get_user
from app.catalog.models import Product, ProductImage, Shop, ShopStaff
from app.db import insert_ignore, utcnow, write_transaction
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.media import service as media
from app.pagination import Page, newest_by_id
from app.search import outbox as search

CURRENCIES = ("CNY", "TWD", "HKD", "USD")
NAME_MAX, DESCRIPTION_MAX, SHOP_NAME_MAX = 100, 5000, 60
PRICE_MAX_CENTS = 10_000_000_00  # ten million a unit: beyond that it is a typo
STOCK_MAX = 1_000_000
# Half the price at most, so seller revenue stays positive whatever the platform fee.
COMMISSION_MAX_BPS = 5000
IMAGES_MAX = 9


# ---- money in forms ----

_AMOUNT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d{1,12})(?:\.(\d{1,2}))?$")


def _hundredths(value, field: str, example) -> int:
    """Hundredths from what a person types: "39.9", "1,299.00", "12"; no exponents, no
    comma decimals ("12,50" is refused rather than read as 1,250)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 100
    text = str(value if value is not None else "").strip().removeprefix("¥").removesuffix("%").strip()
    match = _AMOUNT.match(text)
    if not match:
        raise Invalid(example, fields={field: example})
    whole, cents = match.group(1).replace(",", ""), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(cents)


def parse_price(value) -> int:
    """Cents from a typed price; validate_product checks the range."""
    return _hundredths(value, "price", _l("Enter a price such as 39.90."))


def parse_group_price(value) -> int | None:
    """Cents from a typed group price; empty means the product offers no group price."""
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        return None
    return _hundredths(value, "group_price", _l("Enter a price such as 39.90."))


def parse_percent(value) -> int:
    """Basis points from a typed percentage ("12.5" → 1250); empty is 0."""
    return _hundredths(value if value not in (None, "") else 0, "commission", _l("Enter a percentage such as 10."))


def parse_count(value, field: str = "stock"):
    """A whole number typed into a form; anything else goes on to the service's range check."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else value


# ---- shops ----

def get_shop_of(session: Session, user: User) -> Shop | None:
    return session.scalar(select(Shop).where(Shop.owner_id == user.id))


def default_shop_name(user: User) -> str:
    return f"{user.display_name}的小店"[:SHOP_NAME_MAX]


def _validate_shop(name, description) -> tuple[str, str]:
    errors = {}
    name = clean_text(name) if isinstance(name, str) else ""
    description = clean_text(description, multiline=True) if isinstance(description, str) else ""
    if not name:
        errors["name"] = _l("Give your shop a name.")
    elif len(name) > SHOP_NAME_MAX:
        errors["name"] = _l("At most %(max)d characters.", max=SHOP_NAME_MAX)
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _l("At most %(max)d characters.", max=DESCRIPTION_MAX)
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return name, description


def open_shop(session: Session, owner: User, *, name=None, description="") -> Shop:
    """Open the user's shop, or return it when it is already open (one per person)."""
    name, description = _validate_shop(name or default_shop_name(owner), description)
    with write_transaction(session):
        insert_ignore(session, Shop, {"owner_id": owner.id, "name": name, "description": description,
                                      "created_at": utcnow()})
    return get_shop_of(session, owner)


def update_shop(session: Session, owner: User, shop: Shop, *, name, description) -> Shop:
    if shop.owner_id != owner.id:
        raise Forbidden(_l("Only the shop's owner can change it."))
    name, description = _validate_shop(name, description)
    with write_transaction(session):
        shop.name, shop.description = name, description
        search.mark_changed(session, "products", select(Product.id).where(Product.shop_id == shop.id))
    return shop


def add_staff(session: Session, owner: User, shop: Shop, username: str) -> User:
    if shop.owner_id != owner.id:
        raise Forbidden(_l("Only the shop's owner can change its staff."))
    member = get_user(session, (username or "").strip().lstrip("@"))
    if member.id == owner.id:
        raise Invalid(_l("You already own this shop."), fields={"username": _l("You already own this shop.")})
    with write_transaction(session):
        insert_ignore(session, ShopStaff, {"shop_id": shop.id, "user_id": member.id, "created_at": utcnow()})
    return member


def remove_staff(session: Session, owner: User, shop: Shop, user_id: int) -> None:
    if shop.owner_id != owner.id:
        raise Forbidden(_l("Only the shop's owner can change its staff."))
    with write_transaction(session):
        session.query(ShopStaff).filter_by(shop_id=shop.id, user_id=user_id).delete()


def list_staff(session: Session, shop: Shop) -> list[User]:
    query = select(User).join(ShopStaff, ShopStaff.user_id == User.id).where(ShopStaff.shop_id == shop.id)
    return list(session.scalars(query.order_by(User.username)))


def works_for(user_id, shop_id):
    """SQL condition: the user owns the shop or is on its staff."""
    owned = aliased(Shop)  # an alias, so it never correlates with a Shop in the outer query
    return or_(
        exists().where(owned.id == shop_id, owned.owner_id == user_id),
        exists().where(ShopStaff.shop_id == shop_id, ShopStaff.user_id == user_id),
    )


def can_sell(session: Session, user: User | None, shop_id: int) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(session.scalar(select(works_for(user.id, shop_id))))


def sponsored_note_ids(session: Session, notes) -> set[int]:
    """Notes whose author earns from a sale of the linked product: a commission, or because
    they own or staff the shop. These are labelled as ads; nothing the author sets changes it."""
    from app.notes.models import Note

    ids = [n.id for n in notes if n.product_id]
    if not ids:
        return set()
    query = (
        select(Note.id).join(Product, Product.id == Note.product_id)
        .where(Note.id.in_(ids), or_(Product.commission_bps > 0, works_for(Note.author_id, Product.shop_id)))
    )
    return set(session.scalars(query))


# ---- products ----

@dataclass
class ProductInput:
    name: str
    description: str
    price_cents: int
    currency: str
    stock: int
    commission_bps: int
    # Group buying (拼團): both set or both None.
    group_price_cents: int | None = None
    group_size: int | None = None


GROUP_SIZE_MIN = 2


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_product(name, description, price_cents, currency, stock, commission_bps, *, image_count: int,
                     group_price_cents=None, group_size=None) -> ProductInput:
    """Every field checked at once; amounts must already be integers (cents, basis points)."""
    errors: dict = {}
    name = clean_text(name) if isinstance(name, str) else None
    description = clean_text(description, multiline=True) if isinstance(description, str) else ""
    if not name:
        errors["name"] = _l("Give the product a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _l("At most %(max)d characters.", max=NAME_MAX)
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _l("At most %(max)d characters.", max=DESCRIPTION_MAX)
    if not _is_int(price_cents) or price_cents <= 0:
        errors["price"] = _l("The price must be more than zero.")
    elif price_cents > PRICE_MAX_CENTS:
        errors["price"] = _l("That price is too high.")
    currency = currency or "CNY"
    if currency not in CURRENCIES:
        errors["currency"] = _l("Choose one of %(list)s.", list=", ".join(CURRENCIES))
    if not _is_int(stock) or not 0 <= stock <= STOCK_MAX:
        errors["stock"] = _l("Stock is a whole number from 0 to %(max)d.", max=STOCK_MAX)
    if not _is_int(commission_bps) or not 0 <= commission_bps <= COMMISSION_MAX_BPS:
        errors["commission"] = _l("The creator commission is between 0% and 50%.")
    if image_count > IMAGES_MAX:
        errors["images"] = _l("Up to %(max)d photos.", max=IMAGES_MAX)
    errors.update(_group_offer_errors(price_cents, group_price_cents, group_size))
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return ProductInput(name, description, price_cents, currency, stock, commission_bps, group_price_cents, group_size)


def _group_offer_errors(price_cents, group_price_cents, group_size) -> dict:
    """A group price needs a group size and the other way round; the price is below the normal one."""
    if group_price_cents is None and group_size is None:
        return {}
    if group_price_cents is None or group_size is None:
        message = _l("Give a group price and a group size together, or neither.")
        return {"group_price" if group_price_cents is None else "group_size": message}
    errors = {}
    most = current_app.config["GROUP_MAX_SIZE"]
    if not _is_int(group_size) or not GROUP_SIZE_MIN <= group_size <= most:
        errors["group_size"] = _l("A group is %(low)d to %(high)d people.", low=GROUP_SIZE_MIN, high=most)
    if not _is_int(group_price_cents) or group_price_cents <= 0 or (
            _is_int(price_cents) and group_price_cents >= price_cents):
        errors["group_price"] = _l("The group price must be more than zero and less than the price.")
    return errors


def create_product(session: Session, seller: User, *, name, description="", price_cents, currency="CNY", stock,
                   commission_bps=0, images=(), group_price_cents=None, group_size=None) -> Product:
    """Everyone can sell: the seller's shop opens with their first product."""
    data = validate_product(name, description, price_cents, currency, stock, commission_bps,
                            image_count=len(media.chosen_files(images)), group_price_cents=group_price_cents,
                            group_size=group_size)
    shop = get_shop_of(session, seller) or open_shop(session, seller)
    stored = media.save_photos(media.chosen_files(images))
    try:
        with write_transaction(session):
            now = utcnow()
            product = Product(shop_id=shop.id, created_at=now, updated_at=now, **data.__dict__)
            product.images = [ProductImage(position=i, key=s.key, width=s.width, height=s.height)
                              for i, s in enumerate(stored)]
            session.add(product)
            session.flush()
            search.mark_product(session, product.id)
    except BaseException:
        media.discard_photos([s.key for s in stored])
        raise
    return get_product(session, product.id, seller)


UNSET = object()


def update_product(session: Session, actor: User, product: Product, *, name=UNSET, description=UNSET,
                   price_cents=UNSET, currency=UNSET, stock=UNSET, commission_bps=UNSET, is_listed=UNSET,
                   new_images=(), remove_image_ids=(), group_price_cents=UNSET, group_size=UNSET) -> Product:
    """Change what is given; fields left UNSET keep their value. Orders already placed keep the
    price and commission they were placed at, and open groups their group price and size."""
    if not can_sell(session, actor, product.shop_id):
        raise Forbidden(_l("Only the seller can change this product."))
    pick = lambda given, current: current if given is UNSET else given  # noqa: E731
    kept = [image for image in product.images if image.id not in set(remove_image_ids)]
    data = validate_product(
        pick(name, product.name), pick(description, product.description), pick(price_cents, product.price_cents),
        pick(currency, product.currency), pick(stock, product.stock), pick(commission_bps, product.commission_bps),
        image_count=len(kept) + len(media.chosen_files(new_images)),
        group_price_cents=pick(group_price_cents, product.group_price_cents),
        group_size=pick(group_size, product.group_size),
    )
    if is_listed is not UNSET and not isinstance(is_listed, bool):
        raise Invalid(_l("Listed is true or false."), fields={"is_listed": _l("Listed is true or false.")})
    stored = media.save_photos(media.chosen_files(new_images))
    removed = [image.key for image in product.images if image not in kept]
    try:
        with write_transaction(session):
            for field, value in data.__dict__.items():
                setattr(product, field, value)
            if is_listed is not UNSET:
                product.is_listed = is_listed
            product.updated_at = utcnow()
            search.mark_product(session, product.id, with_notes=True)
            for image in product.images:
                if image not in kept:
                    session.delete(image)
            session.flush()
            for position, image in enumerate(kept):
                image.position = 1000 + position
            session.flush()
            for position, image in enumerate(kept):
                image.position = position
            for offset, s in enumerate(stored):
                session.add(ProductImage(product_id=product.id, position=len(kept) + offset, key=s.key,
                                         width=s.width, height=s.height))
        session.expire(product, ["images"])
    except BaseException:
        media.discard_photos([s.key for s in stored])
        raise
    media.discard_photos(removed)
    return get_product(session, product.id, actor)


def product_query():
    return select(Product).options(
        selectinload(Product.shop).selectinload(Shop.owner), selectinload(Product.images)
    )


def visible_products(viewer: User | None):
    """Listed products of sellers in good standing; sellers also see their own unlisted ones."""
    public = (Product.is_listed == true()) & Product.shop_id.in_(
        select(Shop.id).join(User, User.id == Shop.owner_id).where(User.suspended_at.is_(None))
    )
    if viewer is None or not viewer.is_authenticated:
        return public
    return or_(public, works_for(viewer.id, Product.shop_id))


def get_product(session: Session, product_id: int, viewer: User | None) -> Product:
    product = session.scalar(product_query().where(Product.id == product_id, visible_products(viewer)))
    if product is None:
        raise NotFound(_l("This product does not exist or is not for sale."))
    return product


def get_own_product(session: Session, product_id: int, actor: User) -> Product:
    product = get_product(session, product_id, actor)
    if not can_sell(session, actor, product.shop_id):
        raise Forbidden(_l("Only the seller can change this product."))
    return product


def get_buyable_product(session: Session, product_id) -> Product:
    """A product a note can link and a buyer can order: listed, seller in good standing."""
    if not _is_int(product_id):
        raise Invalid(_l("Choose a product."), fields={"product": _l("Unknown product.")})
    product = session.scalar(product_query().where(Product.id == product_id, visible_products(None)))
    if product is None:
        raise NotFound(_l("This product does not exist or is not for sale."),
                       fields={"product": _l("Unknown product.")})
    return product


def list_products(session: Session, viewer: User | None, *, seller: str | None = None, q: str | None = None,
                  cursor: str | None = None, limit: int = 20) -> Page:
    """Newest first; ``seller`` is a username, ``q`` matches the name (the search issue indexes
    descriptions too)."""
    query = product_query().where(visible_products(viewer))
    if seller:
        owner = get_user(session, seller)
        query = query.where(Product.shop_id.in_(select(Shop.id).where(Shop.owner_id == owner.id)))
    if q:
        like = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")[:100] + "%"
        query = query.where(func.lower(Product.name).like(like.lower(), escape="\\"))
    return newest_by_id(session, query, Product.id, cursor, limit)


def ensure_not_own(session: Session, buyer: User, product: Product) -> None:
    if can_sell(session, buyer, product.shop_id):
        raise Conflict(_l("You cannot buy from your own shop."), code="own_product")
