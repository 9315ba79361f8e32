"""Portable records of commerce: product and order (DATA-FORMAT.md).

A product record opens its seller's shop when the seller has none (named as a shop opened
from the site would be). An order record is history: it leaves stock alone (the product
record carries the current stock) but writes the order row, the ledger rows and the sold
count a live order in that state would have, with the same pure rules (app.orders.ledger).

Extension fields, all optional:
- product ``images``: paths like a note's (at most catalog.IMAGES_MAX); ``unlisted: true``.
- order ``unit_price_cents``, ``currency``, ``commission_bps``: the terms at the time of the
  order where they differ from the product's current ones, so a price change after a sale
  does not rewrite what was paid. ``commission_bps`` is the rate the note's author earned and
  is only given with a note.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.catalog import service as catalog
from app.catalog.models import Product, ProductImage, Shop, ShopStaff
from app.data.records import Field, RecordType, bulk_insert, bulk_insert_ids, format_time, parse_time, positional_refs
from app.data.records_notes import _usernames
from app.data.records_sharing import group_seats
from app.errors import Invalid
from app.notes.models import Note
from app.orders import ledger, states
from app.orders.models import LedgerEntry, Order
from app.sharing.models import GroupBuy

GROUP_SIZE_MIN, GROUP_SIZE_MAX = 2, 1000
AMOUNT_MAX = 2**31 - 1  # money columns are 32-bit integers
# The format's order states. A live order that is shipped is exported as "paid" (the same money
# has moved, nothing else in the format depends on shipping); pending and cancelled orders are
# not exported at all: nobody paid, so they are not purchases.
ORDER_STATUSES = ("paid", "completed", "refunded")
EXPORTED_AS = {"paid": "paid", "shipped": "paid", "completed": "completed", "refunded": "refunded"}
# catalog.validate_product's field names, as the format spells them.
PRODUCT_FIELDS = {"price": "price_cents", "commission": "commission_bps"}


def _int_range(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


class ProductRecord(RecordType):
    name = "product"
    fields = [
        Field("ref", str, required=True), Field("seller", str, required=True), Field("name", str, required=True),
        Field("description", str), Field("price_cents", int, required=True), Field("currency", str),
        Field("stock", int, required=True), Field("commission_bps", int),
        Field("group_price_cents", int, nullable=True), Field("group_size", int, nullable=True),
        Field("images", list, media=True), Field("unlisted", bool), Field("created_at", str),
    ]

    def refs(self, record):
        return [("user", record["seller"].lower())]

    def check(self, record):
        try:
            # The one validation of a product, the site's; kept on the record for insert.
            record["_valid"] = catalog.validate_product(
                record["name"], record.get("description"), record["price_cents"], record.get("currency"),
                record["stock"], record.get("commission_bps", 0), image_count=len(record.get("images") or []))
        except Invalid as invalid:
            return [f"{PRODUCT_FIELDS.get(name, name)}: {message}" for name, message in invalid.fields.items()]
        group_price, group_size = record.get("group_price_cents"), record.get("group_size")
        if (group_price is None) != (group_size is None):
            return [_l("group_price_cents and group_size are given together or not at all")]
        errors = []
        if group_size is not None and not GROUP_SIZE_MIN <= group_size <= GROUP_SIZE_MAX:
            errors.append(_l("group_size must be %(low)d-%(high)d", low=GROUP_SIZE_MIN, high=GROUP_SIZE_MAX))
        if group_price is not None and not 0 < group_price < record["price_cents"]:
            errors.append(_l("group_price_cents must be more than 0 and less than price_cents"))
        return errors

    def prepare(self, ctx, records):
        from app.data import media_io

        media_io.store_all(ctx, [(r, "_images", r["images"]) for r in records if r.get("images")],
                           "NOTE_IMAGE_SIZES")

    def insert(self, ctx, records):
        session, users = ctx.session, ctx.ids["user"]
        shops = self._shops(ctx, records)
        rows = []
        for r in records:
            valid, created = r["_valid"], parse_time(r.get("created_at"), ctx.now)
            rows.append({
                "shop_id": shops[users[r["seller"].lower()]], "name": valid.name, "description": valid.description,
                "price_cents": valid.price_cents, "currency": valid.currency, "stock": valid.stock,
                "commission_bps": valid.commission_bps, "sold_count": 0,
                "group_price_cents": r.get("group_price_cents"), "group_size": r.get("group_size"),
                "is_listed": not r.get("unlisted", False), "created_at": created, "updated_at": created,
            })
        ids = bulk_insert_ids(session, Product, rows)
        products = ctx.ids.setdefault(self.name, {})
        images = []
        for record, product_id in zip(records, ids, strict=True):
            products[record["ref"]] = product_id
            images.extend({"product_id": product_id, "position": position, "key": stored.key,
                           "width": stored.width, "height": stored.height}
                          for position, stored in enumerate(record.get("_images", [])))
        if images:
            bulk_insert(session, ProductImage, images)

    @staticmethod
    def _shops(ctx, records) -> dict[int, int]:
        """Seller id -> shop id, opening the shops sellers do not have yet."""
        session, users = ctx.session, ctx.ids["user"]
        opened: dict[int, datetime] = {}
        for r in records:
            seller_id, created = users[r["seller"].lower()], parse_time(r.get("created_at"), ctx.now)
            opened[seller_id] = min(opened.get(seller_id, created), created)
        shops = dict(session.execute(select(Shop.owner_id, Shop.id).where(Shop.owner_id.in_(opened))).all())
        missing = [seller_id for seller_id in opened if seller_id not in shops]
        if missing:
            sellers = session.scalars(select(User).where(User.id.in_(missing)).order_by(User.id))
            rows = [{"owner_id": u.id, "name": catalog.default_shop_name(u), "description": "",
                     "created_at": opened[u.id]} for u in sellers]
            shops.update(zip((row["owner_id"] for row in rows), bulk_insert_ids(session, Shop, rows), strict=True))
        return shops

    def export(self, session, media_dir):
        from app.data import media_io

        names = _usernames(session)
        query = (select(Product, Shop.owner_id).join(Shop, Shop.id == Product.shop_id)
                 .order_by(Product.id).options(selectinload(Product.images)))
        for position, (product, owner_id) in enumerate(session.execute(query), 1):
            ref = f"p{position}"  # the same refs as records.positional_refs(session, Product.id, "p")
            record = {
                "type": "product", "ref": ref, "seller": names[owner_id], "name": product.name,
                "description": product.description, "price_cents": product.price_cents,
                "currency": product.currency, "stock": product.stock, "commission_bps": product.commission_bps,
                "group_price_cents": product.group_price_cents, "group_size": product.group_size,
                "images": [media_io.export_file(i.key, "large", media_dir, f"product_{ref}_{i.position + 1}.webp")
                           for i in product.images],
                "created_at": format_time(product.created_at),
            }
            if not product.is_listed:
                record["unlisted"] = True
            yield record


class OrderRecord(RecordType):
    name = "order"
    fields = [
        Field("ref", str, required=True), Field("buyer", str, required=True), Field("product", str, required=True),
        Field("quantity", int, required=True), Field("note", str, nullable=True),
        Field("referrer", str, nullable=True), Field("status", str), Field("created_at", str),
        Field("unit_price_cents", int), Field("currency", str), Field("commission_bps", int),
        Field("group", str, nullable=True),
    ]

    def refs(self, record):
        refs = [("user", record["buyer"].lower()), ("product", record["product"])]
        if record.get("note") is not None:
            refs.append(("note", record["note"]))
        if record.get("referrer") is not None:
            refs.append(("user", record["referrer"].lower()))
        if record.get("group") is not None:
            refs.append(("group", record["group"]))
        return refs

    def check(self, record):
        errors = []
        if record.get("status", "completed") not in ORDER_STATUSES:
            errors.append(_l("status must be one of %(list)s", list=", ".join(ORDER_STATUSES)))
        if not 1 <= record["quantity"] <= catalog.STOCK_MAX:
            errors.append(_l("quantity must be %(low)d-%(high)d", low=1, high=catalog.STOCK_MAX))
        if (record.get("referrer") or "").lower() == record["buyer"].lower():
            errors.append(_l("a buyer cannot be their own referrer"))
        if "unit_price_cents" in record and not _int_range(record["unit_price_cents"], 1, catalog.PRICE_MAX_CENTS):
            errors.append(_l("unit_price_cents must be %(low)d-%(high)d", low=1, high=catalog.PRICE_MAX_CENTS))
        if "currency" in record and record["currency"] not in catalog.CURRENCIES:
            errors.append(_l("currency must be one of %(list)s", list=", ".join(catalog.CURRENCIES)))
        if "commission_bps" in record:
            if record.get("note") is None:
                errors.append(_l("commission_bps is only given with a note"))
            elif not _int_range(record["commission_bps"], 0, catalog.COMMISSION_MAX_BPS):
                errors.append(_l("commission_bps must be %(low)d-%(high)d", low=0, high=catalog.COMMISSION_MAX_BPS))
        return errors

    def check_links(self, ctx, records):
        orders = records.get(self.name)
        if not orders:
            return []
        products = {r["ref"]: r for r in records.get("product", ())}
        notes = {r["ref"]: r for r in records.get("note", ())}
        groups = {r["ref"]: r for r in records.get("group", ())}
        # Staff exist only for shops already in the database, so only those sellers are looked up.
        known = ctx.ids.get("user", {})
        staff = _staff_of_sellers(ctx.session, {known[s] for p in products.values()
                                                if (s := p["seller"].lower()) in known})
        errors = []
        for order in orders:
            product = products.get(order["product"])
            if product is None:
                continue  # reported already: a product refers to nothing outside its file
            line, buyer, seller = order["_line"], order["buyer"].lower(), product["seller"].lower()
            if buyer == seller or (known.get(seller), known.get(buyer)) in staff:
                errors.append((line, _l("%(buyer)s sells product %(product)s (its shop's owner or staff) and "
                                        "cannot buy it", buyer=order["buyer"], product=order["product"])))
            note = notes.get(order.get("note"))
            if note is not None and note.get("product") != order["product"]:
                errors.append((line, _l("note %(note)s does not link product %(product)s",
                                        note=order["note"], product=order["product"])))
            group = groups.get(order.get("group"))
            price = order.get("unit_price_cents", group["price_cents"] if group else product["price_cents"])
            if price * order["quantity"] > AMOUNT_MAX:
                errors.append((line, _l("the order's total is more than %(max)d cents", max=AMOUNT_MAX)))
        return errors

    def insert(self, ctx, records):
        session, users = ctx.session, ctx.ids["user"]
        product_ids, note_ids = ctx.ids["product"], ctx.ids.get("note", {})
        terms = {row.id: row for row in session.execute(
            select(Product.id, Product.shop_id, Shop.owner_id, Product.price_cents, Product.currency,
                   Product.commission_bps)
            .join(Shop, Shop.id == Product.shop_id)
            .where(Product.id.in_({product_ids[r["product"]] for r in records})))}
        authors = dict(session.execute(select(Note.id, Note.author_id).where(
            Note.id.in_({note_ids[r["note"]] for r in records if r.get("note") is not None}))).all())
        staff = _staff_of_sellers(session, {t.owner_id for t in terms.values()})
        group_ids = ctx.ids.get("group", {})
        group_terms = {row.id: row for row in session.execute(
            select(GroupBuy.id, GroupBuy.unit_price_cents, GroupBuy.currency)
            .where(GroupBuy.id.in_({group_ids[r["group"]] for r in records if r.get("group") is not None})))}
        fee_bps = current_app.config["PLATFORM_FEE_BPS"]
        rows, money_rows = [], []
        for r in records:
            product = terms[product_ids[r["product"]]]
            buyer_id = users[r["buyer"].lower()]
            note_id = note_ids[r["note"]] if r.get("note") is not None else None
            author_id = authors.get(note_id)
            author_sells = author_id == product.owner_id or (product.owner_id, author_id) in staff
            commission_bps = ledger.creator_commission_bps(
                r.get("commission_bps", product.commission_bps), author_id=author_id, buyer_id=buyer_id,
                author_sells=author_sells)
            # A group's member pays the group's price, in its currency, unless the record says otherwise.
            group = group_terms[group_ids[r["group"]]] if r.get("group") is not None else None
            unit_price = r.get("unit_price_cents", group.unit_price_cents if group else product.price_cents)
            currency = r.get("currency", group.currency if group else product.currency)
            money = ledger.split(unit_price, r["quantity"], commission_bps, fee_bps)
            status, created = r.get("status", "completed"), parse_time(r.get("created_at"), ctx.now)
            rows.append({
                "buyer_id": buyer_id, "product_id": product.id, "shop_id": product.shop_id, "note_id": note_id,
                "creator_id": author_id, "referrer_id": users[r["referrer"].lower()] if r.get("referrer") else None,
                "quantity": r["quantity"], "unit_price_cents": unit_price, "total_cents": money.total_cents,
                "currency": currency, "commission_bps": commission_bps, "group_id": group.id if group else None,
                "commission_cents": money.commission_cents, "platform_fee_cents": money.platform_fee_cents,
                "status": status, "created_at": created, "updated_at": created, "paid_at": created,
                "completed_at": created if status == "completed" else None,
                "refunded_at": created if status == "refunded" else None,
            })
            paid = ledger.payment_rows(buyer_id=buyer_id, seller_id=product.owner_id, creator_id=author_id,
                                       money=money)
            money_rows.append(paid + ledger.refund_rows(paid) if status == "refunded" else paid)
        ids = bulk_insert_ids(session, Order, rows)
        entries = [
            {"order_id": order_id, "user_id": row.user_id, "kind": row.kind, "amount_cents": row.amount_cents,
             "currency": order["currency"], "created_at": order["created_at"]}
            for order_id, order, ledger_rows in zip(ids, rows, money_rows, strict=True) for row in ledger_rows
        ]
        bulk_insert(session, LedgerEntry, entries)
        group_seats(ctx, ids, rows)
        ctx.ids.setdefault(self.name, {}).update(zip((r["ref"] for r in records), ids, strict=True))
        recount_sold(session, {row["product_id"] for row in rows})

    def export(self, session, media_dir):
        names = _usernames(session)
        product_refs = positional_refs(session, Product.id, "p")
        note_refs = positional_refs(session, Note.id, "n")
        group_refs = positional_refs(session, GroupBuy.id, "g")
        query = (
            select(Order.buyer_id, Order.product_id, Order.quantity, Order.note_id, Order.referrer_id, Order.status,
                   Order.unit_price_cents, Order.currency, Order.commission_bps, Order.created_at,
                   func.coalesce(GroupBuy.unit_price_cents, Product.price_cents),
                   func.coalesce(GroupBuy.currency, Product.currency), Product.commission_bps, Order.group_id)
            .join(Product, Product.id == Order.product_id)
            .outerjoin(GroupBuy, GroupBuy.id == Order.group_id)
            .where(Order.status.in_(tuple(EXPORTED_AS)))
            .order_by(Order.id)
        )
        for position, row in enumerate(session.execute(query), 1):
            # The price and currency compared are the group's for a group's member, else the product's.
            (buyer_id, product_id, quantity, note_id, referrer_id, status, unit_price, currency, commission_bps,
             created_at, product_price, product_currency, product_commission_bps, group_id) = row
            record = {
                "type": "order", "ref": f"o{position}", "buyer": names[buyer_id], "product": product_refs[product_id],
                "quantity": quantity, "note": note_refs[note_id] if note_id else None,
                "referrer": names[referrer_id] if referrer_id else None, "status": EXPORTED_AS[status],
                "created_at": format_time(created_at),
            }
            if unit_price != product_price:
                record["unit_price_cents"] = unit_price
            if currency != product_currency:
                record["currency"] = currency
            if note_id and commission_bps != product_commission_bps:
                record["commission_bps"] = commission_bps
            if group_id:
                record["group"] = group_refs[group_id]
            yield record


def _staff_of_sellers(session, owner_ids: set[int]) -> set[tuple[int, int]]:
    """(shop owner id, staff member id) for the shops of these owners."""
    if not owner_ids:
        return set()
    query = (select(Shop.owner_id, ShopStaff.user_id).join(ShopStaff, ShopStaff.shop_id == Shop.id)
             .where(Shop.owner_id.in_(owner_ids)))
    return {tuple(row) for row in session.execute(query)}


def recount_sold(session, product_ids: set[int]) -> None:
    """Set sold_count from the orders that stand, as the live order writes keep it."""
    if not product_ids:
        return
    units = (select(func.coalesce(func.sum(Order.quantity), 0))
             .where(Order.product_id == Product.id, Order.status.in_(states.SOLD)).scalar_subquery())
    session.execute(update(Product).where(Product.id.in_(product_ids)).values(sold_count=units),
                    execution_options={"synchronize_session": False})
