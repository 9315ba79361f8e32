"""Portable records of sharing: referral and group (an extension of DATA-FORMAT.md, see README).

- ``referral`` {**referrer**, **referred** (usernames), created_at}: ``referred`` signed up through
  ``referrer``'s link. One referrer per person (the key is ``referred``), never oneself, no cycles.
- ``group`` {**ref**, **product** (product ref), **leader** (username), **size**, **price_cents**,
  **deadline**, status (``open``, ``filled``, ``expired``; default ``open``), currency (where it
  differs from the product's), created_at}: a group buy. Its members are the order records that
  name it in their optional ``group`` field: one order of one unit of the group's product per
  member. Seats and paid counts are derived from those orders, so they are checked against the
  group's status: a filled group has exactly ``size`` members; an open or expired one fewer; an
  expired group's orders were all refunded.

History, like orders: an open group's reserve (``size`` units) is recorded but not taken from
stock again (the product record carries the current stock, already net of it). Rewards are not
records: they are derived, and the settlement job pays those due after an import, once each.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog import service as catalog
from app.catalog.models import Product
from app.data.records import (
    ISO_Z,
    Field,
    RecordType,
    bulk_insert,
    bulk_insert_ids,
    format_time,
    parse_time,
    positional_refs,
)
from app.data.records_notes import _usernames
from app.sharing.models import GroupBuy, GroupMember, Referral

GROUP_SIZE_MIN, GROUP_SIZE_MAX = 2, 1000
GROUP_STATUSES = ("open", "filled", "expired")


class ReferralRecord(RecordType):
    name = "referral"
    fields = [Field("referrer", str, required=True), Field("referred", str, required=True), Field("created_at", str)]

    def key(self, record):
        # One referrer per person: a second referral of the same user is a duplicate.
        return record["referred"].lower()

    def refs(self, record):
        return [("user", record["referrer"].lower()), ("user", record["referred"].lower())]

    def check(self, record):
        if record["referrer"].lower() == record["referred"].lower():
            return [_l("a user cannot refer themselves")]
        return []

    def existing_keys(self, session, keys):
        rows = session.execute(select(User.username, Referral.id).join(Referral, Referral.referred_id == User.id)
                               .where(func.lower(User.username).in_(keys)))
        return {username.lower(): id_ for username, id_ in rows}

    def check_links(self, ctx, records):
        """No cycles (a referred the referrer, directly or further up), counting the database's referrals."""
        mine = records.get(self.name)
        if not mine:
            return []
        referrer_of: dict[str, str] = {}
        if ctx.session.scalar(select(Referral.id).limit(1)) is not None:
            referrer, referred = User.__table__.alias("referrer"), User.__table__.alias("referred")
            referrer_of.update((b.lower(), a.lower()) for a, b in ctx.session.execute(
                select(referrer.c.username, referred.c.username)
                .join(Referral, Referral.referrer_id == referrer.c.id)
                .join(referred, referred.c.id == Referral.referred_id)))
        errors = []
        # In file order: the line that would close a cycle is the one reported.
        for record in sorted(mine, key=lambda r: r["_line"]):
            start, current = record["referred"].lower(), record["referrer"].lower()
            if start in referrer_of:
                continue  # referred already in the database: reported as such
            seen = set()
            while current in referrer_of and current != start and current not in seen:
                seen.add(current)
                current = referrer_of[current]
            if current == start:
                errors.append((record["_line"], _l("%(referred)s would be referred by someone they referred",
                                                   referred=record["referred"])))
            else:
                referrer_of[start] = record["referrer"].lower()
        return errors

    def insert(self, ctx, records):
        users = ctx.ids["user"]
        bulk_insert(ctx.session, Referral, [
            {"referrer_id": users[r["referrer"].lower()], "referred_id": users[r["referred"].lower()],
             "link_id": None, "created_at": parse_time(r.get("created_at"), ctx.now)} for r in records])

    def export(self, session, media_dir):
        names = _usernames(session)
        query = select(Referral.referrer_id, Referral.referred_id, Referral.created_at).order_by(Referral.id)
        for referrer_id, referred_id, created_at in session.execute(query):
            yield {"type": "referral", "referrer": names[referrer_id], "referred": names[referred_id],
                   "created_at": format_time(created_at)}


class GroupRecord(RecordType):
    name = "group"
    fields = [
        Field("ref", str, required=True), Field("product", str, required=True), Field("leader", str, required=True),
        Field("size", int, required=True), Field("price_cents", int, required=True),
        Field("deadline", str, required=True), Field("status", str), Field("currency", str),
        Field("created_at", str),
    ]

    def refs(self, record):
        return [("user", record["leader"].lower()), ("product", record["product"])]

    def check(self, record):
        errors = []
        if not GROUP_SIZE_MIN <= record["size"] <= GROUP_SIZE_MAX:
            errors.append(_l("size must be %(low)d-%(high)d", low=GROUP_SIZE_MIN, high=GROUP_SIZE_MAX))
        if not 1 <= record["price_cents"] <= catalog.PRICE_MAX_CENTS:
            errors.append(_l("price_cents must be %(low)d-%(high)d", low=1, high=catalog.PRICE_MAX_CENTS))
        if record.get("status", "open") not in GROUP_STATUSES:
            errors.append(_l("status must be one of %(list)s", list=", ".join(GROUP_STATUSES)))
        if "currency" in record and record["currency"] not in catalog.CURRENCIES:
            errors.append(_l("currency must be one of %(list)s", list=", ".join(catalog.CURRENCIES)))
        if not ISO_Z.match(record["deadline"]):
            errors.append(_l("deadline must be ISO 8601 in UTC, like 2026-11-01T08:30:00Z"))
        elif isinstance(record.get("created_at"), str) and ISO_Z.match(record["created_at"]) and (
                parse_time(record["deadline"], None) <= parse_time(record["created_at"], None)):
            errors.append(_l("deadline must be after created_at"))
        return errors

    def check_links(self, ctx, records):
        """The group against its product and its members (the orders naming it)."""
        groups = {r["ref"]: r for r in records.get(self.name, ())}
        if not groups:
            return []
        products = {r["ref"]: r for r in records.get("product", ())}
        errors = []
        for group in groups.values():
            product = products.get(group["product"])
            if product is not None and group["leader"].lower() == product["seller"].lower():
                errors.append((group["_line"], _l("%(leader)s sells product %(product)s and cannot lead a group "
                                                  "buying it", leader=group["leader"], product=group["product"])))
        members: dict[str, list[dict]] = defaultdict(list)
        seen: dict[tuple[str, str], int] = {}
        for order in records.get("order", ()):
            group = groups.get(order.get("group"))
            if group is None:
                continue  # no group, or an unknown one (reported as an unresolved reference)
            line, status = order["_line"], order.get("status", "completed")
            if order["product"] != group["product"]:
                errors.append((line, _l("group %(group)s buys product %(product)s", group=group["ref"],
                                        product=group["product"])))
            if order["quantity"] != 1:
                errors.append((line, _l("a group buy is one item per member: quantity must be 1")))
            member = (group["ref"], order["buyer"].lower())
            if member in seen:
                errors.append((line, _l("%(buyer)s is already in group %(group)s (line %(first)d)",
                                        buyer=order["buyer"], group=group["ref"], first=seen[member])))
                continue
            seen[member] = line
            group_status = group.get("status", "open")
            if group_status == "expired" and status != "refunded":
                errors.append((line, _l("group %(group)s expired: its orders were refunded", group=group["ref"])))
            elif group_status == "open" and status == "completed":
                errors.append((line, _l("group %(group)s is still open: its orders cannot be completed yet",
                                        group=group["ref"])))
            members[group["ref"]].append(order)
        for ref, group in groups.items():
            count, status = len(members[ref]), group.get("status", "open")
            if status == "filled" and count != group["size"]:
                errors.append((group["_line"], _l("a filled group of %(size)d has %(size)d member orders, not "
                                                  "%(count)d", size=group["size"], count=count)))
            elif status != "filled" and count >= group["size"]:
                errors.append((group["_line"], _l("an unfilled group of %(size)d has fewer than %(size)d member "
                                                  "orders, not %(count)d", size=group["size"], count=count)))
            group["_members"] = members[ref]
        return errors

    def insert(self, ctx, records):
        users, product_ids = ctx.ids["user"], ctx.ids["product"]
        currencies = dict(ctx.session.execute(select(Product.id, Product.currency).where(
            Product.id.in_({product_ids[r["product"]] for r in records}))).all())
        rows = []
        for r in records:
            status, created = r.get("status", "open"), parse_time(r.get("created_at"), ctx.now)
            deadline = parse_time(r["deadline"], ctx.now)
            members = r.get("_members", [])
            joined = [parse_time(o.get("created_at"), ctx.now) for o in members]
            product_id = product_ids[r["product"]]
            rows.append({
                "product_id": product_id, "leader_id": users[r["leader"].lower()], "size": r["size"],
                "unit_price_cents": r["price_cents"], "currency": r.get("currency", currencies[product_id]),
                "status": status, "seats_taken": len(members), "paid_count": len(members),
                "reserved_units": r["size"] if status == "open" else 0, "deadline": deadline, "created_at": created,
                "closed_at": None if status == "open" else (max(joined, default=created) if status == "filled"
                                                            else deadline),
            })
        ids = bulk_insert_ids(ctx.session, GroupBuy, rows)
        ctx.ids.setdefault(self.name, {}).update(zip((r["ref"] for r in records), ids, strict=True))

    def export(self, session, media_dir):
        names = _usernames(session)
        product_refs = positional_refs(session, Product.id, "p")
        query = (select(GroupBuy, Product.currency).join(Product, Product.id == GroupBuy.product_id)
                 .order_by(GroupBuy.id))
        for position, (group, product_currency) in enumerate(session.execute(query), 1):
            record = {
                "type": "group", "ref": f"g{position}", "product": product_refs[group.product_id],
                "leader": names[group.leader_id], "size": group.size, "price_cents": group.unit_price_cents,
                "deadline": format_time(group.deadline), "status": group.status,
                "created_at": format_time(group.created_at),
            }
            if group.currency != product_currency:
                record["currency"] = group.currency
            yield record


def group_seats(ctx, order_ids: list[int], rows: list[dict]) -> None:
    """The group_members rows of imported orders that name a group."""
    seats = [{"group_id": row["group_id"], "user_id": row["buyer_id"], "order_id": order_id,
              "created_at": row["created_at"]}
             for order_id, row in zip(order_ids, rows, strict=True) if row.get("group_id")]
    if seats:
        bulk_insert(ctx.session, GroupMember, seats)
