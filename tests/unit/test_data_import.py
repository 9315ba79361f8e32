"""Portable data: import and export of users and follows, all or nothing."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import User
from app.db import db
from app.social.models import Follow


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Follow)),
        )


def good_records(tmp_path):
    avatar = tmp_path / "images" / "mei.png"
    avatar.parent.mkdir()
    Image.new("RGB", (80, 80), (255, 36, 66)).save(avatar)
    return [
        {"type": "user", "username": "mei", "display_name": "小美", "bio": "愛吃愛玩", "locale": "zh_Hant",
         "password": "demo-password", "avatar": "images/mei.png", "created_at": "2026-10-01T08:00:00Z"},
        {"type": "user", "username": "lei", "display_name": "阿磊", "locale": "zh_Hans", "password": "demo-password"},
        {"type": "user", "username": "ann", "display_name": "Ann", "locale": "en", "is_admin": True,
         "password": "demo-password"},
        {"type": "follow", "follower": "lei", "followee": "mei", "created_at": "2026-10-02T09:30:00Z"},
        {"type": "follow", "follower": "ann", "followee": "mei"},
    ]


def test_import_then_login_and_round_trip(tmp_path, app, runner, auth):
    source = write_jsonl(tmp_path / "data.jsonl", good_records(tmp_path))
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "Imported 5 records" in result.output
    assert counts(app) == (3, 2)
    assert auth.login("mei", "demo-password").status_code == 302

    first = tmp_path / "export1"
    assert runner.invoke(args=["data", "export", str(first)]).exit_code == 0
    exported = (first / "data.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in exported]
    mei = next(r for r in records if r.get("username") == "mei")
    assert mei["created_at"] == "2026-10-01T08:00:00Z"
    assert mei["password_hash"].startswith("$argon2id$")
    assert (first / mei["avatar"]).is_file()

    # Into an empty database, then out again: the same records.
    from tests.conftest import _clean

    _clean(app)
    assert runner.invoke(args=["data", "import", str(first / "data.jsonl")]).exit_code == 0
    second = tmp_path / "export2"
    assert runner.invoke(args=["data", "export", str(second)]).exit_code == 0
    assert sorted(exported) == sorted((second / "data.jsonl").read_text(encoding="utf-8").splitlines())
    assert auth.login("mei", "demo-password").status_code == 302  # the hash survived the trip


def test_bad_file_imports_nothing_and_names_every_line(tmp_path, app, runner, make_user):
    make_user("existing")
    lines = [
        json.dumps({"type": "user", "username": "ok_user", "password": "demo-password"}),  # 1 fine
        "{not json",  # 2
        json.dumps({"type": "spaceship", "ref": "x"}),  # 3 unknown type
        json.dumps({"type": "user", "display_name": "no username"}),  # 4 missing field
        json.dumps({"type": "user", "username": "ok_user", "password": "demo-password"}),  # 5 duplicate
        json.dumps({"type": "follow", "follower": "ok_user", "followee": "later_user"}),  # 6 defined later
        json.dumps({"type": "user", "username": "later_user", "is_admin": "yes"}),  # 7 wrong kind
        json.dumps({"type": "user", "username": "EXISTING", "password": "demo-password"}),  # 8 already in db
        json.dumps({"type": "user", "username": "bad name!", "password": "demo-password"}),  # 9 invalid
        json.dumps({"type": "follow", "follower": "ok_user", "followee": "ok_user"}),  # 10 self-follow
        json.dumps({"type": "user", "username": "pics", "avatar": "../../etc/passwd"}),  # 11 escapes folder
        json.dumps({"type": "user", "username": "when", "created_at": "yesterday"}),  # 12 bad time
        "[1, 2, 3]",  # 13 not an object
    ]
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    for line in range(2, 14):
        assert f"bad.jsonl:line {line}:" in result.output, f"line {line} not reported:\n{result.output}"
    assert "bad.jsonl:line 1:" not in result.output
    assert "Nothing was imported" in result.output
    assert counts(app) == (1, 0)


def test_a_bad_image_rolls_back_everything_and_leaves_no_files(tmp_path, app, runner):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "good.png").write_bytes(_png())
    (tmp_path / "images" / "evil.jpg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    source = write_jsonl(tmp_path / "data.jsonl", [
        {"type": "user", "username": "first", "avatar": "images/good.png"},
        {"type": "user", "username": "second", "avatar": "images/evil.jpg"},
    ])
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    assert "evil.jpg" in result.output
    assert counts(app) == (0, 0)
    from pathlib import Path

    media = Path(app.config["MEDIA_DIR"])
    assert not media.exists() or not any(media.iterdir())


def test_users_without_password_cannot_log_in(tmp_path, app, runner, auth):
    source = write_jsonl(tmp_path / "data.jsonl", [{"type": "user", "username": "nopass"}])
    assert runner.invoke(args=["data", "import", str(source)]).exit_code == 0
    assert auth.login("nopass", "anything-at-all").status_code == 400


def test_missing_file_is_a_clean_cli_error(runner, tmp_path):
    result = runner.invoke(args=["data", "import", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 128, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_notes_and_reactions_round_trip_with_photos(tmp_path, app, runner):
    from tests.conftest import _clean, image_bytes

    images = tmp_path / "images"
    images.mkdir()
    for i in range(3):
        (images / f"p{i}.jpg").write_bytes(image_bytes(size=(200 + i * 10, 300), color=(i * 60, 100, 150)))
    records = [
        {"type": "user", "username": "mei", "password": "demo-password"},
        {"type": "user", "username": "lei", "password": "demo-password"},
        {"type": "note", "ref": "n1", "author": "mei", "title": "台北咖啡地圖", "body": "大安區 #咖啡 推薦",
         "tags": ["咖啡", "台北"], "images": ["images/p0.jpg", "images/p1.jpg"], "product": None, "rating": None,
         "created_at": "2026-10-03T10:00:00Z"},
        {"type": "note", "ref": "n2", "author": "lei", "title": "上海早餐", "tags": [], "images": ["images/p2.jpg"]},
        {"type": "like", "user": "lei", "note": "n1"},
        {"type": "like", "user": "mei", "note": "n2"},
        {"type": "collect", "user": "lei", "note": "n1", "created_at": "2026-10-04T00:00:00Z"},
        {"type": "comment", "ref": "c1", "user": "lei", "note": "n1", "body": "收藏了！"},
        {"type": "comment", "ref": "c2", "user": "mei", "note": "n1", "body": "謝謝～", "parent": "c1"},
    ]
    source = write_jsonl(tmp_path / "data.jsonl", records)
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.notes.models import Note

        note = db.session.scalars(select(Note).where(Note.title == "台北咖啡地圖")).one()
        assert (note.like_count, note.collect_count, note.comment_count) == (1, 1, 2)
    first = tmp_path / "one"
    assert runner.invoke(args=["data", "export", str(first)]).exit_code == 0
    exported = sorted((first / "data.jsonl").read_text(encoding="utf-8").splitlines())
    note_line = json.loads(next(line for line in exported if '"台北咖啡地圖"' in line))
    assert note_line["images"] == ["media/note_n1_1.webp", "media/note_n1_2.webp"]
    assert note_line["created_at"] == "2026-10-03T10:00:00Z"
    _clean(app)
    assert runner.invoke(args=["data", "import", str(first / "data.jsonl")]).exit_code == 0
    second = tmp_path / "two"
    assert runner.invoke(args=["data", "export", str(second)]).exit_code == 0
    assert exported == sorted((second / "data.jsonl").read_text(encoding="utf-8").splitlines())


def test_note_records_are_validated(tmp_path, app, runner):
    lines = [
        {"type": "user", "username": "mei"},
        {"type": "note", "ref": "n1", "author": "mei", "title": "no photos", "images": []},  # 2
        {"type": "note", "ref": "n2", "author": "ghost", "title": "x", "images": ["a.jpg"]},  # 3 unknown author + file
        {"type": "note", "ref": "n3", "author": "mei", "title": "x", "product": "p1", "rating": 5, "images": []},  # 4
        {"type": "like", "user": "mei", "note": "n9"},  # 5 unknown note
        {"type": "comment", "ref": "c1", "user": "mei", "note": "n1", "body": ""},  # 6 empty body
    ]
    source = write_jsonl(tmp_path / "bad.jsonl", lines)
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    for line in (2, 3, 4, 5, 6):
        assert f"bad.jsonl:line {line}:" in result.output, result.output
    assert counts(app) == (0, 0)


def test_demo_load_makes_a_community(app, runner):
    result = runner.invoke(args=["demo", "load", "--small"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.catalog.models import Product, ProductImage, Shop
        from app.notes.models import Note
        from app.orders import service as orders
        from app.orders.models import LedgerEntry, Order

        session = db.session
        assert session.scalar(select(func.count()).select_from(User)) >= 12
        assert session.scalar(select(func.count()).select_from(Note)) >= 30
        # Commerce: shops with photographed products, orders with their money, reviews with ratings.
        assert session.scalar(select(func.count()).select_from(Shop)) >= 1
        products = list(session.scalars(select(Product)))
        assert products and all(p.price_cents > 0 for p in products)
        assert session.scalar(select(func.count(func.distinct(ProductImage.product_id)))) == len(products)
        assert session.scalar(select(func.count()).select_from(Order)) >= 1
        assert session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))) == 0
        assert sum(p.sold_count for p in products) > 0
        reviews = list(session.scalars(select(Note).where(Note.product_id.is_not(None))))
        assert reviews and all(1 <= n.rating <= 5 for n in reviews)
        assert orders.verified_note_ids(session, reviews)  # some reviewers bought what they review
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "already has users" in again.output


# ---- commerce: products and orders ----

def commerce_records(tmp_path):
    from tests.conftest import image_bytes

    (tmp_path / "images").mkdir(exist_ok=True)
    (tmp_path / "images" / "lamp.jpg").write_bytes(image_bytes(size=(300, 300), color=(250, 200, 80)))
    (tmp_path / "images" / "n.jpg").write_bytes(image_bytes())
    return [
        {"type": "user", "username": "mei", "display_name": "小美"},  # sells
        {"type": "user", "username": "lei", "display_name": "阿磊"},  # writes about it
        {"type": "user", "username": "ann", "display_name": "Ann"},  # buys
        {"type": "user", "username": "bob", "display_name": "Bob"},  # buys
        {"type": "product", "ref": "lamp", "seller": "mei", "name": "露營燈", "description": "三種色溫",
         "price_cents": 10000, "stock": 5, "commission_bps": 1000, "group_price_cents": 8000, "group_size": 3,
         "images": ["images/lamp.jpg"], "created_at": "2026-10-01T00:00:00Z"},
        {"type": "product", "ref": "tea", "seller": "mei", "name": "凍頂烏龍", "price_cents": 2999,
         "currency": "TWD", "stock": 0, "unlisted": True},
        {"type": "note", "ref": "review", "author": "lei", "title": "露營燈開箱", "images": ["images/n.jpg"],
         "product": "lamp", "rating": 4},
        {"type": "note", "ref": "bought", "author": "ann", "title": "買了不後悔", "images": ["images/n.jpg"],
         "product": "lamp", "rating": 5, "created_at": "2026-10-05T00:00:00Z"},
        # through lei's note: lei earns 10%
        {"type": "order", "ref": "o1", "buyer": "ann", "product": "lamp", "quantity": 2, "note": "review",
         "status": "completed", "created_at": "2026-10-02T00:00:00Z"},
        {"type": "order", "ref": "o2", "buyer": "bob", "product": "lamp", "quantity": 1, "note": "review",
         "referrer": "ann", "status": "refunded"},
        {"type": "order", "ref": "o3", "buyer": "bob", "product": "tea", "quantity": 3, "status": "paid"},
        # bought before a price change, at the older price
        {"type": "order", "ref": "o4", "buyer": "bob", "product": "lamp", "quantity": 1, "note": "review",
         "unit_price_cents": 9000},
    ]


def _ledger(session):
    from app.orders.models import LedgerEntry, Order

    rows = session.execute(select(Order.id, Order.status, LedgerEntry.user_id, LedgerEntry.kind,
                                  LedgerEntry.amount_cents).join(LedgerEntry, LedgerEntry.order_id == Order.id))
    by_order: dict[int, list] = {}
    for order_id, status, user_id, kind, amount in rows:
        by_order.setdefault(order_id, []).append((status, user_id, kind, amount))
    return by_order


def _net(rows, user_id):
    return sum(amount for _status, uid, _kind, amount in rows if uid == user_id)


def test_products_and_orders_import_with_ledger_shop_and_verified_reviews(tmp_path, app, runner, monkeypatch):
    from app.accounts.service import find_user
    from app.catalog.models import Product, Shop
    from app.notes.models import Note
    from app.orders import service as orders
    from app.orders.models import Order

    monkeypatch.setitem(app.config, "PLATFORM_FEE_BPS", 500)
    source = write_jsonl(tmp_path / "data.jsonl", commerce_records(tmp_path))
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = db.session
        mei, lei, ann, bob = (find_user(session, name) for name in ("mei", "lei", "ann", "bob"))
        shop = session.scalars(select(Shop)).one()
        assert (shop.owner_id, shop.name) == (mei.id, "小美的小店")
        lamp = session.scalars(select(Product).where(Product.name == "露營燈")).one()
        tea = session.scalars(select(Product).where(Product.name == "凍頂烏龍")).one()
        assert (lamp.stock, tea.stock) == (5, 0)  # history does not touch stock
        assert (lamp.sold_count, tea.sold_count) == (3, 3)  # o1 + o4; the refunded o2 does not count
        assert (lamp.is_listed, tea.is_listed, tea.currency) == (True, False, "TWD")
        assert (lamp.group_price_cents, lamp.group_size) == (8000, 3)

        by_ref = {o.quantity * 10 + (o.unit_price_cents == 9000): o for o in session.scalars(select(Order))}
        o1, o2, o3, o4 = by_ref[20], by_ref[10], by_ref[30], by_ref[11]
        assert (o1.status, o2.status, o3.status, o4.status) == ("completed", "refunded", "paid", "completed")
        assert (o1.creator_id, o1.commission_bps, o1.commission_cents, o1.platform_fee_cents) == (lei.id, 1000, 2000,
                                                                                                  1000)
        assert (o2.referrer_id, o3.creator_id, o3.commission_cents, o3.currency) == (ann.id, None, 0, "TWD")
        assert (o4.total_cents, o4.commission_cents) == (9000, 900)
        assert o1.paid_at == o1.completed_at == o1.created_at and o2.refunded_at is not None

        ledger = _ledger(session)
        assert all(sum(amount for *_rest, amount in rows) == 0 for rows in ledger.values())
        assert _net(ledger[o1.id], ann.id) == -20000
        assert (_net(ledger[o1.id], mei.id), _net(ledger[o1.id], lei.id), _net(ledger[o1.id], None)) == (
            17000, 2000, 1000)
        assert len(ledger[o2.id]) == 8 and all(_net(ledger[o2.id], u) == 0 for u in (mei.id, lei.id, bob.id, None))
        assert {kind for _s, _u, kind, _a in ledger[o3.id]} == {"buyer_payment", "seller_revenue", "platform_fee"}

        lei_cny = orders.get_balances(session, lei)
        assert [(b.currency, b.earned_cents, b.pending_cents) for b in lei_cny] == [("CNY", 2900, 0)]
        mei_balances = {b.currency: b for b in orders.get_balances(session, mei)}
        assert mei_balances["CNY"].earned_cents == 17000 + 7650
        assert mei_balances["TWD"].pending_cents == 8997 - 449  # paid, not yet completed
        assert [(b.currency, b.spent_cents) for b in orders.get_balances(session, bob)] == [("CNY", 9000),
                                                                                         ("TWD", 8997)]
        notes = list(session.scalars(select(Note).order_by(Note.id)))
        assert [(n.rating, n.product_id) for n in notes] == [(4, lamp.id), (5, lamp.id)]
        assert orders.verified_note_ids(session, notes) == {notes[1].id}  # ann bought and kept it


def test_commerce_round_trip_exports_shipped_as_paid_and_skips_unpaid_orders(tmp_path, app, runner):
    from app.db import utcnow
    from app.notes.models import Note
    from app.orders import service as orders
    from app.orders.models import Order
    from tests.conftest import _clean

    records = commerce_records(tmp_path)
    # A note deleted after the import leaves a gap in the ids: exported refs must not depend on them.
    records.insert(7, {"type": "note", "ref": "gone", "author": "bob", "title": "刪掉的筆記",
                       "images": ["images/n.jpg"]})
    records.append({"type": "like", "user": "lei", "note": "bought"})
    source = write_jsonl(tmp_path / "data.jsonl", records)
    assert runner.invoke(args=["data", "import", str(source)]).exit_code == 0
    with app.app_context():
        session = db.session
        session.delete(session.scalars(select(Note).where(Note.title == "刪掉的筆記")).one())
        live = session.scalars(select(Order).where(Order.quantity == 3)).one()
        live.status, live.shipped_at = "shipped", utcnow()
        template = {c: getattr(live, c) for c in ("buyer_id", "product_id", "shop_id", "quantity",
                                                  "unit_price_cents", "total_cents", "currency")}
        session.add_all([Order(**template, status="pending"), Order(**template, status="cancelled")])
        session.commit()
        balances = {u: orders.get_balances(session, u) for u in session.scalars(select(User).order_by(User.id))}
        before = {u.username: [(b.currency, b.earned_cents, b.spent_cents) for b in bs] for u, bs in balances.items()}

    first = tmp_path / "one"
    assert runner.invoke(args=["data", "export", str(first)]).exit_code == 0
    exported = sorted((first / "data.jsonl").read_text(encoding="utf-8").splitlines())
    records = [json.loads(line) for line in exported]
    orders_out = sorted((r for r in records if r["type"] == "order"), key=lambda r: r["ref"])
    assert [(o["ref"], o["status"]) for o in orders_out] == [
        ("o1", "completed"), ("o2", "refunded"), ("o3", "paid"), ("o4", "completed")]
    assert orders_out[3]["unit_price_cents"] == 9000 and "unit_price_cents" not in orders_out[0]
    lamp = next(r for r in records if r["type"] == "product" and r["name"] == "露營燈")
    assert lamp["images"] == ["media/product_p1_1.webp"] and (first / lamp["images"][0]).is_file()
    assert next(r for r in records if r["type"] == "product" and r["name"] == "凍頂烏龍")["unlisted"] is True
    assert {r["product"] for r in records if r["type"] == "note"} == {"p1"}
    assert sorted(r["ref"] for r in records if r["type"] == "note") == ["n1", "n2"]
    assert [r["note"] for r in records if r["type"] == "like"] == ["n2"]

    _clean(app)
    result = runner.invoke(args=["data", "import", str(first / "data.jsonl")])
    assert result.exit_code == 0, result.output
    second = tmp_path / "two"
    assert runner.invoke(args=["data", "export", str(second)]).exit_code == 0
    assert exported == sorted((second / "data.jsonl").read_text(encoding="utf-8").splitlines())
    with app.app_context():
        users = db.session.scalars(select(User).order_by(User.id))
        after = {u.username: [(b.currency, b.earned_cents, b.spent_cents) for b in orders.get_balances(db.session, u)]
                 for u in users}
    assert after == before  # the same money moved


def test_commerce_records_are_validated_with_line_numbers(tmp_path, app, runner, make_user):
    from flask_babel import force_locale

    from app.accounts.service import find_user
    from app.catalog import service as catalog
    from app.catalog.models import Product
    from app.data import service
    from app.orders.models import LedgerEntry, Order

    make_user("owner")
    make_user("helper")
    with app.app_context():
        owner = find_user(db.session, "owner")
        catalog.add_staff(db.session, owner, catalog.open_shop(db.session, owner), "helper")
    (tmp_path / "n.jpg").write_bytes(_png())
    lines = [
        {"type": "user", "username": "mei"},  # 1
        {"type": "user", "username": "ann"},  # 2
        {"type": "product", "ref": "p1", "seller": "mei", "name": "燈", "price_cents": 1000, "stock": 1},  # 3 fine
        {"type": "product", "ref": "p2", "seller": "mei", "name": "燈", "price_cents": 1000, "stock": 1},  # 4 fine
        {"type": "note", "ref": "n1", "author": "ann", "title": "燈", "images": ["n.jpg"], "product": "p1"},  # 5
        {"type": "product", "ref": "bad", "seller": "mei", "name": "x", "price_cents": -5, "stock": 1},  # 6
        {"type": "product", "ref": "eur", "seller": "mei", "name": "x", "price_cents": 5, "stock": 1,
         "currency": "EUR"},  # 7
        {"type": "product", "ref": "greedy", "seller": "mei", "name": "x", "price_cents": 5, "stock": 1,
         "commission_bps": 6000},  # 8
        {"type": "product", "ref": "half", "seller": "mei", "name": "x", "price_cents": 5, "stock": 1,
         "group_size": 3},  # 9
        {"type": "product", "ref": "ghost", "seller": "nobody", "name": "x", "price_cents": 5, "stock": 1},  # 10
        {"type": "order", "ref": "o1", "buyer": "ann", "product": "p9", "quantity": 1},  # 11 unknown product
        {"type": "order", "ref": "o2", "buyer": "ann", "product": "p2", "quantity": 1, "note": "n1"},  # 12
        {"type": "order", "ref": "o3", "buyer": "mei", "product": "p1", "quantity": 1},  # 13 buyer is seller
        {"type": "order", "ref": "o4", "buyer": "ann", "product": "p1", "quantity": 1, "status": "shipped"},  # 14
        {"type": "order", "ref": "o5", "buyer": "ann", "product": "p1", "quantity": 0},  # 15
        {"type": "order", "ref": "o6", "buyer": "ann", "product": "p1", "quantity": 1, "referrer": "ANN"},  # 16
        {"type": "product", "ref": "shop", "seller": "owner", "name": "x", "price_cents": 5, "stock": 1},  # 17 fine
        {"type": "order", "ref": "o7", "buyer": "helper", "product": "shop", "quantity": 1},  # 18 staff buys
        {"type": "product", "ref": "dear", "seller": "mei", "name": "x", "price_cents": catalog.PRICE_MAX_CENTS,
         "stock": 1},  # 19 fine
        {"type": "order", "ref": "o8", "buyer": "ann", "product": "dear", "quantity": 3},  # 20 total too large
        {"type": "order", "ref": "o9", "buyer": "ann", "product": "p1", "quantity": 1, "commission_bps": 100},  # 21
        {"type": "note", "ref": "n2", "author": "ann", "title": "x", "images": ["n.jpg"], "product": "p1",
         "rating": 6},  # 22
        {"type": "order", "ref": "o1", "buyer": "ann", "product": "p1", "quantity": "2"},  # 23 wrong kind
        {"type": "order", "ref": "o10", "buyer": "ann", "product": "p1", "quantity": 1},  # 24 fine
    ]
    bad = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 21, 22, 23]
    source = write_jsonl(tmp_path / "bad.jsonl", lines)
    result = runner.invoke(args=["data", "import", str(source)])
    assert result.exit_code == 1
    for line in bad:
        assert f"bad.jsonl:line {line}:" in result.output, f"line {line} not reported:\n{result.output}"
    for line in set(range(1, len(lines) + 1)) - set(bad):
        assert f"bad.jsonl:line {line}:" not in result.output, result.output

    with app.app_context(), force_locale("en"):
        try:
            service.import_file(db.session, source)
        except service.ImportFailed as failed:
            messages = {error.line: str(error.message) for error in failed.errors}
        assert "price_cents" in messages[6] and "currency" in messages[7] and "commission_bps" in messages[8]
        assert "group_size" in messages[9] and "nobody" in messages[10] and "'p9'" in messages[11]
        assert "does not link product p2" in messages[12] and "cannot buy" in messages[13]
        assert "status" in messages[14] and "quantity" in messages[15] and "referrer" in messages[16]
        assert "helper sells" in messages[18] and "total" in messages[20] and "with a note" in messages[21]
        assert "rating" in messages[22] and "quantity" in messages[23]
        assert db.session.scalar(select(func.count()).select_from(Product)) == 0
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
