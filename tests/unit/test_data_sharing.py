"""Portable data, the sharing extension: referral and group records, and an order's ``group``."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from app.db import db, utcnow
from tests.conftest import _clean

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def sharing_records():
    users = [{"type": "user", "username": name, "created_at": f"2026-10-0{i}T00:00:00Z"}
             for i, name in enumerate(("mei", "lei", "ann", "bob", "cat", "dan"), 1)]
    return users + [
        {"type": "product", "ref": "lamp", "seller": "mei", "name": "露營燈", "price_cents": 10000, "stock": 4,
         "group_price_cents": 8000, "group_size": 3, "created_at": "2026-10-01T00:00:00Z"},
        {"type": "referral", "referrer": "lei", "referred": "ann", "created_at": "2026-10-03T00:00:00Z"},
        {"type": "referral", "referrer": "lei", "referred": "bob", "created_at": "2026-10-04T00:00:00Z"},
        {"type": "group", "ref": "full", "product": "lamp", "leader": "ann", "size": 3, "price_cents": 8000,
         "deadline": "2026-10-11T00:00:00Z", "status": "filled", "created_at": "2026-10-10T00:00:00Z"},
        {"type": "group", "ref": "waiting", "product": "lamp", "leader": "dan", "size": 3, "price_cents": 8000,
         "deadline": "2099-01-01T00:00:00Z", "created_at": "2026-10-12T00:00:00Z"},
        {"type": "group", "ref": "late", "product": "lamp", "leader": "cat", "size": 2, "price_cents": 7500,
         "deadline": "2026-10-14T00:00:00Z", "status": "expired", "created_at": "2026-10-13T00:00:00Z"},
        {"type": "order", "ref": "o1", "buyer": "ann", "product": "lamp", "quantity": 1, "group": "full",
         "referrer": "lei", "created_at": "2026-10-10T01:00:00Z"},
        {"type": "order", "ref": "o2", "buyer": "bob", "product": "lamp", "quantity": 1, "group": "full",
         "status": "paid", "created_at": "2026-10-10T02:00:00Z"},
        {"type": "order", "ref": "o3", "buyer": "cat", "product": "lamp", "quantity": 1, "group": "full",
         "created_at": "2026-10-10T03:00:00Z"},
        {"type": "order", "ref": "o4", "buyer": "dan", "product": "lamp", "quantity": 1, "group": "waiting",
         "status": "paid", "created_at": "2026-10-12T01:00:00Z"},
        {"type": "order", "ref": "o5", "buyer": "cat", "product": "lamp", "quantity": 1, "group": "late",
         "status": "refunded", "created_at": "2026-10-13T01:00:00Z"},
        {"type": "order", "ref": "o6", "buyer": "bob", "product": "lamp", "quantity": 1, "referrer": "lei"},
    ]


def test_referrals_and_groups_import_as_history(tmp_path, app, runner):
    from app.accounts.service import find_user
    from app.catalog.models import Product
    from app.orders.models import LedgerEntry, Order
    from app.sharing import groups
    from app.sharing.models import GroupBuy, GroupMember, Referral

    source = write_jsonl(tmp_path / "data.jsonl", sharing_records())
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = db.session
        lei, ann = find_user(session, "lei"), find_user(session, "ann")
        referrals = list(session.scalars(select(Referral).order_by(Referral.id)))
        assert [(r.referrer_id, r.link_id) for r in referrals] == [(lei.id, None)] * 2
        assert referrals[0].referred_id == ann.id and referrals[0].created_at.isoformat().startswith("2026-10-03")

        full, waiting, late = session.scalars(select(GroupBuy).order_by(GroupBuy.id)).all()
        assert [(g.status, g.seats_taken, g.paid_count, g.reserved_units) for g in (full, waiting, late)] == [
            ("filled", 3, 3, 0), ("open", 1, 1, 3), ("expired", 1, 1, 0)]
        assert (full.leader_id, full.unit_price_cents, full.currency) == (ann.id, 8000, "CNY")
        assert full.closed_at.isoformat().startswith("2026-10-10T03") and late.closed_at == late.deadline
        assert waiting.closed_at is None and waiting.needed == 2

        by_buyer = {(o.buyer_id, o.group_id): o for o in session.scalars(select(Order))}
        o1 = by_buyer[(ann.id, full.id)]
        assert (o1.unit_price_cents, o1.total_cents, o1.referrer_id, o1.status) == (8000, 8000, lei.id, "completed")
        assert by_buyer[(find_user(session, "cat").id, late.id)].unit_price_cents == 7500
        assert by_buyer[(find_user(session, "bob").id, None)].unit_price_cents == 10000
        members = session.execute(select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)).all()
        assert dict(members) == {full.id: 3, waiting.id: 1, late.id: 1}
        assert session.scalar(select(Product.stock)) == 4  # history leaves stock alone
        assert session.scalar(select(Product.sold_count)) == 5  # o1-o4 and o6 stand; o5 was refunded
        assert session.scalar(select(func.sum(LedgerEntry.amount_cents))) == 0

        # The imported group reads like a live one: members, and the open one still takes a seat.
        assert [(u.username, status) for u, status in groups.list_members(session, full)] == [
            ("ann", "completed"), ("bob", "paid"), ("cat", "completed")]
    from app.orders import service as orders

    with app.app_context():
        session = db.session
        order, _created = orders.place_order(session, find_user(session, "ann"), product_id=waiting.product_id,
                                             quantity=1, shipping=SHIPPING, extras=orders.Extras(group_id=waiting.id))
        assert session.get(GroupBuy, waiting.id).seats_taken == 2


def test_live_groups_and_referrals_round_trip(tmp_path, app, runner, make_user, make_product):
    from app.accounts.service import find_user
    from app.catalog.models import Product
    from app.orders import service as orders
    from app.sharing import service as sharing
    from app.sharing.models import GroupBuy

    for name in ("seller", "sharer", "amy", "bob", "cyd", "dee"):
        make_user(name)
    product_id = make_product("seller", price_cents=12900, stock=10)
    with app.test_request_context():  # the sandbox payment builds its page's URL
        session = db.session
        session.execute(update(Product).where(Product.id == product_id).values(group_price_cents=9900, group_size=3))
        session.commit()
        user = {name: find_user(session, name) for name in ("sharer", "amy", "bob", "cyd", "dee")}
        link = sharing.share(session, user["sharer"], "product", product_id)
        assert sharing.record_signup(session, user["dee"], sharing.Touch(link.code, utcnow())) is not None

        def buy(name, **extras):
            order, _created = orders.place_order(session, user[name], product_id=product_id, quantity=1,
                                                 shipping=SHIPPING, extras=orders.Extras(**extras))
            orders.pay_in_sandbox(session, user[name], order, succeed=True)
            return order

        first = buy("amy", start_group=True, share_link=link)
        buy("bob", group_id=first.group_id)
        buy("cyd", group_id=first.group_id)
        buy("dee", start_group=True)  # stays open
        orders.place_order(session, user["amy"], product_id=product_id, quantity=1, shipping=SHIPPING,
                           extras=orders.Extras(group_id=session.scalars(select(GroupBuy.id).order_by(
                               GroupBuy.id.desc())).first()))  # pending: not history, not exported
        session.commit()
        state = [(g.status, g.seats_taken, g.paid_count, g.reserved_units, g.unit_price_cents)
                 for g in session.scalars(select(GroupBuy).order_by(GroupBuy.id))]
        assert state == [("filled", 3, 3, 0, 9900), ("open", 2, 1, 3, 9900)]

    first_dir = tmp_path / "one"
    assert runner.invoke(args=["data", "export", str(first_dir)]).exit_code == 0
    exported = sorted((first_dir / "data.jsonl").read_text(encoding="utf-8").splitlines())
    records = [json.loads(line) for line in exported]
    assert [(r["referrer"], r["referred"]) for r in records if r["type"] == "referral"] == [("sharer", "dee")]
    group_records = sorted((r for r in records if r["type"] == "group"), key=lambda r: r["ref"])
    assert [(g["ref"], g["leader"], g["size"], g["price_cents"], g["status"]) for g in group_records] == [
        ("g1", "amy", 3, 9900, "filled"), ("g2", "dee", 3, 9900, "open")]
    members = sorted((r["buyer"], r.get("group"), r.get("referrer")) for r in records if r["type"] == "order")
    assert members == [("amy", "g1", "sharer"), ("bob", "g1", None), ("cyd", "g1", None), ("dee", "g2", None)]
    assert not any("unit_price_cents" in r for r in records if r["type"] == "order")  # the group's price

    _clean(app)
    result = runner.invoke(args=["data", "import", str(first_dir / "data.jsonl")])
    assert result.exit_code == 0, result.output
    second_dir = tmp_path / "two"
    assert runner.invoke(args=["data", "export", str(second_dir)]).exit_code == 0
    assert exported == sorted((second_dir / "data.jsonl").read_text(encoding="utf-8").splitlines())
    with app.app_context():
        state = [(g.status, g.seats_taken, g.paid_count, g.reserved_units, g.unit_price_cents)
                 for g in db.session.scalars(select(GroupBuy).order_by(GroupBuy.id))]
        assert state == [("filled", 3, 3, 0, 9900), ("open", 1, 1, 3, 9900)]  # the unpaid seat was not history


def test_sharing_records_are_validated_with_line_numbers(tmp_path, app, runner, make_user):
    from flask_babel import force_locale

    from app.accounts.service import find_user
    from app.data import service
    from app.orders.models import Order
    from app.sharing.models import GroupBuy, Referral

    make_user("Old_A")  # the file names them in lower case: usernames match case-insensitively
    make_user("Old_B")
    with app.app_context():
        a, b = find_user(db.session, "Old_A"), find_user(db.session, "Old_B")
        db.session.add(Referral(referrer_id=a.id, referred_id=b.id, created_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    group = {"type": "group", "product": "lamp", "leader": "ann", "size": 3, "price_cents": 8000,
             "deadline": "2026-10-11T00:00:00Z", "created_at": "2026-10-10T00:00:00Z"}
    order = {"type": "order", "product": "lamp", "quantity": 1}
    lines = [
        {"type": "user", "username": "mei"},  # 1
        {"type": "user", "username": "ann"},  # 2
        {"type": "user", "username": "bob"},  # 3
        {"type": "user", "username": "cat"},  # 4
        {"type": "product", "ref": "lamp", "seller": "mei", "name": "燈", "price_cents": 10000, "stock": 9},  # 5
        {"type": "product", "ref": "pot", "seller": "mei", "name": "鍋", "price_cents": 100, "stock": 9},  # 6
        {"type": "referral", "referrer": "ann", "referred": "bob"},  # 7 fine
        {"type": "referral", "referrer": "cat", "referred": "cat"},  # 8 self
        {"type": "referral", "referrer": "cat", "referred": "bob"},  # 9 bob referred twice
        {"type": "referral", "referrer": "nobody", "referred": "mei"},  # 10 unknown user
        {"type": "referral", "referrer": "bob", "referred": "ann"},  # 11 a cycle: bob was referred by ann
        {"type": "referral", "referrer": "ann", "referred": "old_b"},  # 12 already referred in the database
        {"type": "referral", "referrer": "old_b", "referred": "old_a"},  # 13 a cycle through the database
        {**group, "ref": "g1", "status": "filled"},  # 14 filled with 2 members
        {**group, "ref": "g1"},  # 15 duplicate ref
        {**group, "ref": "g2", "size": 1},  # 16 size too small
        {**group, "ref": "g3", "product": "nothing"},  # 17 unknown product
        {**group, "ref": "g4", "leader": "mei"},  # 18 the seller leads
        {**group, "ref": "g5", "deadline": "tomorrow"},  # 19 bad deadline
        {**group, "ref": "g6", "deadline": "2026-10-09T00:00:00Z"},  # 20 deadline before created_at
        {**group, "ref": "g7", "status": "done"},  # 21 unknown status
        {**group, "ref": "g8", "size": 2},  # 22 open with 2 of 2: should have filled
        {**group, "ref": "g9", "status": "expired"},  # 23 fine
        {**order, "ref": "o1", "buyer": "ann", "group": "g1"},  # 24 fine
        {**order, "ref": "o2", "buyer": "ann", "group": "g1", "status": "paid"},  # 25 ann twice in g1
        {**order, "ref": "o3", "buyer": "bob", "group": "g1", "quantity": 2},  # 26 quantity
        {**order, "ref": "o4", "buyer": "bob", "product": "pot", "group": "g8"},  # 27 wrong product
        {**order, "ref": "o5", "buyer": "cat", "group": "g8", "status": "paid"},  # 28 fine (line 22 reports)
        {**order, "ref": "o6", "buyer": "ann", "group": "g8", "status": "paid"},  # 29 fine
        {**order, "ref": "o7", "buyer": "cat", "group": "g9"},  # 30 expired but completed
        {**order, "ref": "o8", "buyer": "bob", "group": "nope"},  # 31 unknown group
        {**order, "ref": "o9", "buyer": "cat", "group": 5},  # 32 wrong kind
    ]
    bad = [8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 25, 26, 27, 30, 31, 32]
    already = 12  # reported against the database
    source = write_jsonl(tmp_path / "bad.jsonl", lines)
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    for line in [*bad, already]:
        assert f"bad.jsonl:line {line}:" in result.output, f"line {line} not reported:\n{result.output}"
    for line in set(range(1, len(lines) + 1)) - {*bad, already}:
        assert f"bad.jsonl:line {line}:" not in result.output, result.output

    with app.app_context(), force_locale("en"):
        try:
            service.import_file(db.session, source)
        except service.ImportFailed as failed:
            messages: dict[int, list[str]] = {}
            for error in failed.errors:
                messages.setdefault(error.line, []).append(str(error.message))
        said = {line: " | ".join(texts) for line, texts in messages.items()}
        assert "refer themselves" in said[8] and "duplicate referral 'bob'" in said[9] and "'nobody'" in said[10]
        assert "referred by someone they referred" in said[11] and "already exists" in said[12]
        assert "referred by someone they referred" in said[13]
        assert "filled group of 3 has 3 member orders, not 2" in said[14] and "duplicate group" in said[15]
        assert "size" in said[16] and "'nothing'" in said[17] and "cannot lead" in said[18]
        assert "deadline must be ISO" in said[19] and "after created_at" in said[20] and "status" in said[21]
        assert "unfilled group of 2" in said[22] and "already in group g1 (line 24)" in said[25]
        assert "quantity must be 1" in said[26] and "buys product lamp" in said[27]
        assert "expired" in said[30] and "'nope'" in said[31] and "wrong kind" in said[32]
        assert db.session.scalar(select(func.count()).select_from(GroupBuy)) == 0
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
        assert db.session.scalar(select(func.count()).select_from(Referral)) == 1  # the one made above
