"""Share links, group buys, credit, vouchers and referrals through /api/v1, on the real database.

Responses are also checked against the OpenAPI document, so the document cannot drift from them."""

from __future__ import annotations

from datetime import timedelta

import jsonschema_rs
import pytest
from sqlalchemy import select, update

from app.db import db, utcnow

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}
PEOPLE = ("seller", "sharer", "amy", "bob", "cyd", "dee")


def _auth(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def market(app, make_user, api_token, client):
    """A seller with a cup (12900, or 9900 in a group of 3) and a pot with no group offer; a sharer
    and four buyers; everyone's token."""
    for name in PEOPLE:
        make_user(name)
    tokens = {name: api_token(name) for name in PEOPLE}
    ids = {}
    for name, price, group in (("山系保溫杯", 12900, {"group_price_cents": 9900, "group_size": 3}),
                               ("露營鍋", 1500, {})):
        response = client.post("/api/v1/products", headers=_auth(tokens["seller"]),
                               json={"name": name, "price_cents": price, "stock": 10, "commission_bps": 1000, **group})
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]
    return {"tokens": tokens, "cup": ids["山系保溫杯"], "pot": ids["露營鍋"]}


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def conforms(spec: dict, body, schema_name: str | None = None, *, path: str = "", method: str = "",
             status: int = 200):
    """Validate a response body against the document: a named schema or an operation's response."""
    if schema_name:
        schema = {"$ref": f"#/components/schemas/{schema_name}"}
    else:
        schema = spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})
    validator.validate(body)
    return body


def _order(client, token, key=None, **body):
    headers = _auth(token, **({"Idempotency-Key": key} if key else {}))
    return client.post("/api/v1/orders", headers=headers, json={"quantity": 1, "shipping": SHIPPING, **body})


def _share(client, token, kind, target_id):
    return client.post("/api/v1/shares", headers=_auth(token), json={"kind": kind, "id": target_id})


def _pay(client, token, order_id):
    response = client.post(f"/api/v1/payments/sandbox/{order_id}", headers=_auth(token), json={})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _complete(client, tokens, buyer, order_id):
    _pay(client, tokens[buyer], order_id)
    shipped = client.post(f"/api/v1/orders/{order_id}/ship", headers=_auth(tokens["seller"]),
                          json={"tracking_number": "SF123"})
    assert shipped.status_code == 200, shipped.get_json()
    done = client.post(f"/api/v1/orders/{order_id}/confirm", headers=_auth(tokens[buyer]), json={})
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def _refer(app, referrer_code: str, username: str):
    """The referred user signed up through the link (what following /s/<code> does in a browser)."""
    from app.accounts.service import find_user
    from app.sharing import service as sharing

    with app.app_context():
        referral = sharing.record_signup(db.session, find_user(db.session, username),
                                         sharing.Touch(referrer_code, utcnow()))
        assert referral is not None


def _settle(app, days: int = 8) -> int:
    from app.sharing import service as sharing

    with app.app_context():
        return sharing.settle_rewards(db.session, utcnow() + timedelta(days=days))


# ---- products with a group offer ----

def test_products_take_a_group_offer_through_json_and_forms(client, market, spec):
    tokens, seller = market["tokens"], _auth(market["tokens"]["seller"])
    cup = conforms(spec, client.get(f"/api/v1/products/{market['cup']}").get_json(), "Product")
    assert (cup["group_price_cents"], cup["group_size"]) == (9900, 3)
    pot = client.get(f"/api/v1/products/{market['pot']}").get_json()
    assert (pot["group_price_cents"], pot["group_size"]) == (None, None)

    for bad in ({"group_price_cents": 1000}, {"group_price_cents": 1500, "group_size": 3},
                {"group_price_cents": 1000, "group_size": 1}, {"group_price_cents": "x", "group_size": 3},
                {"group_price_cents": 1000, "group_size": 2**70}):
        response = client.patch(f"/api/v1/products/{market['pot']}", headers=seller, json=bad)
        assert response.status_code == 400, (bad, response.get_json())
    offered = client.patch(f"/api/v1/products/{market['pot']}", headers=seller,
                           json={"group_price_cents": 1200, "group_size": 2})
    assert offered.status_code == 200 and offered.get_json()["group_size"] == 2
    form = client.patch(f"/api/v1/products/{market['pot']}", headers=seller,
                        data={"group_price_cents": "", "group_size": ""})
    assert form.status_code == 200, form.get_json()
    assert (form.get_json()["group_price_cents"], form.get_json()["group_size"]) == (None, None)
    made = client.post("/api/v1/products", headers=seller, data={
        "name": "營燈", "price_cents": "5000", "stock": "4", "group_price_cents": "4000", "group_size": "2"})
    assert made.status_code == 201 and (made.get_json()["group_price_cents"], made.get_json()["group_size"]) == (
        4000, 2)
    assert client.patch(f"/api/v1/products/{market['pot']}", headers=_auth(tokens["amy"]),
                        json={"group_size": 2}).status_code == 403


# ---- auth ----

@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/shares"), ("get", "/api/v1/shares"), ("get", "/api/v1/shares/abcdefgh"),
    ("post", "/api/v1/groups/1/join"), ("post", "/api/v1/products/1/groups"), ("get", "/api/v1/me/referrals"),
])
def test_sharing_operations_need_a_token(client, method, path):
    response = getattr(client, method)(path, json={"kind": "note", "id": 1})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    bad = getattr(client, method)(path, json={}, headers=_auth("not-a-token"))
    assert bad.status_code == 401


# ---- share links ----

def test_share_once_then_the_same_link_and_only_the_owner_sees_it(client, market, make_note, spec):
    tokens = market["tokens"]
    note_id = make_note("sharer", title="保溫杯開箱", product_id=market["cup"], rating=5)
    first = _share(client, tokens["sharer"], "note", note_id)
    assert first.status_code == 201, first.get_json()
    link = conforms(spec, first.get_json(), "Share")
    assert (link["kind"], link["id"], link["visits"], link["signups"], link["buyers"]) == ("note", note_id, 0, 0, 0)
    assert link["url"] == f"http://localhost/s/{link['code']}"
    assert link["poster_url"].startswith("http://localhost/") and link["code"] in link["poster_url"]

    again = _share(client, tokens["sharer"], "note", note_id)
    assert again.status_code == 200 and again.get_json()["code"] == link["code"]
    other = _share(client, tokens["amy"], "note", note_id)
    assert other.status_code == 201 and other.get_json()["code"] != link["code"]
    product = _share(client, tokens["sharer"], "product", market["cup"]).get_json()

    mine = client.get("/api/v1/shares?limit=1", headers=_auth(tokens["sharer"])).get_json()
    conforms(spec, mine, path="/api/v1/shares", method="get")
    assert [item["code"] for item in mine["items"]] == [product["code"]] and mine["next_cursor"]
    rest = client.get(f"/api/v1/shares?limit=1&cursor={mine['next_cursor']}", headers=_auth(tokens["sharer"]))
    assert [item["code"] for item in rest.get_json()["items"]] == [link["code"]]

    assert client.get(f"/api/v1/shares/{link['code']}", headers=_auth(tokens["sharer"])).get_json() == link
    for token, code in ((tokens["amy"], link["code"]), (tokens["sharer"], "nosuchcd"), (tokens["sharer"], "x" * 40)):
        missing = client.get(f"/api/v1/shares/{code}", headers=_auth(token))
        assert missing.status_code == 404 and conforms(spec, missing.get_json(), "Error")


@pytest.mark.parametrize("body, status", [
    ({"kind": "video", "id": 1}, 400), ({"kind": "note"}, 400), ({"kind": "note", "id": True}, 400),
    ({"kind": "note", "id": 2**70}, 400), ({"kind": "product", "id": 999999}, 404),
    ({"kind": "profile", "id": 999999}, 404), ({"kind": "group", "id": 999999}, 404), ([1, 2], 400),
])
def test_bad_share_requests_are_clear_4xx(client, market, body, status):
    response = client.post("/api/v1/shares", headers=_auth(market["tokens"]["sharer"]), json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"]


# ---- orders through share links, with credit and vouchers ----

def test_order_with_a_share_code_credits_the_sharer(app, client, market, spec):
    from app.orders.models import Order

    tokens = market["tokens"]
    link = _share(client, tokens["sharer"], "product", market["cup"]).get_json()
    response = _order(client, tokens["amy"], product=market["cup"], share_code=link["code"])
    assert response.status_code == 201, response.get_json()
    order = conforms(spec, response.get_json(), "Order")
    assert order["share_code"] == link["code"] and order["referrer"]["username"] == "sharer"
    assert (order["credit_cents"], order["discount_cents"], order["amount_due_cents"]) == (0, 0, 12900)
    assert order["group"] is None and order["refund_window_closes_at"] is None
    with app.app_context():
        row = db.session.get(Order, order["id"])
        assert row.share_link_id is not None and row.referrer_id is not None

    seller_view = client.get(f"/api/v1/orders/{order['id']}", headers=_auth(tokens["seller"])).get_json()
    assert seller_view["share_code"] == link["code"]
    listed = client.get("/api/v1/orders", headers=_auth(tokens["amy"])).get_json()["items"]
    assert [(o["share_code"], o["referrer"]["username"]) for o in listed] == [(link["code"], "sharer")]

    done = _complete(client, tokens, "amy", order["id"])
    assert done["status"] == "completed" and done["refund_window_closes_at"] > done["completed_at"]
    assert client.get(f"/api/v1/shares/{link['code']}", headers=_auth(tokens["sharer"])).get_json()["buyers"] == 1

    own = _order(client, tokens["sharer"], product=market["cup"], share_code=link["code"]).get_json()
    assert (own["share_code"], own["referrer"]) == (None, None)  # one's own link earns nothing
    unknown = _order(client, tokens["bob"], product=market["cup"], share_code="nosuchcd")
    assert unknown.status_code == 400 and "share_code" in unknown.get_json()["error"]["fields"]
    assert _order(client, tokens["bob"], product=market["cup"], share_code=12).status_code == 400


def test_credit_and_voucher_pay_part_and_then_all_of_an_order(app, client, market, monkeypatch, spec):
    monkeypatch.setitem(app.config, "REFERRAL_VOUCHER_EVERY", 1)  # a voucher for the first customer
    tokens = market["tokens"]
    with app.app_context():
        from app.accounts.service import find_user

        sharer_id = find_user(db.session, "sharer").id
    link = _share(client, tokens["sharer"], "profile", sharer_id).get_json()
    assert link["kind"] == "profile"
    _refer(app, link["code"], "amy")
    first = _order(client, tokens["amy"], product=market["cup"]).get_json()
    _complete(client, tokens, "amy", first["id"])
    assert _settle(app, days=3) == 0  # still inside the refund window
    assert _settle(app) == 1
    assert _settle(app) == 0  # once

    mine = client.get("/api/v1/me/referrals", headers=_auth(tokens["sharer"])).get_json()
    [voucher] = mine["vouchers"]
    assert (voucher["amount_cents"], voucher["min_spend_cents"], voucher["usable"]) == (1000, 5000, True)
    assert mine["summary"]["credit_cents"] == 2000

    order = _order(client, tokens["sharer"], product=market["cup"], use_credit=True, voucher=voucher["id"])
    assert order.status_code == 201, order.get_json()
    order = conforms(spec, order.get_json(), "Order")
    assert (order["total_cents"], order["credit_cents"], order["discount_cents"], order["amount_due_cents"]) == (
        12900, 2000, 1000, 9900)
    again = _order(client, tokens["sharer"], product=market["cup"], voucher=voucher["id"])
    assert again.status_code == 400 and again.get_json()["error"]["code"] == "voucher_unusable"
    held = client.get("/api/v1/me/referrals", headers=_auth(tokens["sharer"])).get_json()
    assert held["summary"]["credit_cents"] == 0 and held["vouchers"][0]["used"] is True  # held while pending

    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=_auth(tokens["sharer"]), json={})
    assert cancelled.status_code == 200
    covered = _order(client, tokens["sharer"], product=market["pot"], use_credit=True).get_json()
    assert (covered["credit_cents"], covered["amount_due_cents"]) == (1500, 0)
    pay = client.post(f"/api/v1/orders/{covered['id']}/pay", headers=_auth(tokens["sharer"]), json={})
    assert pay.status_code == 200 and pay.get_json()["pay_url"] is None
    paid = client.get(f"/api/v1/orders/{covered['id']}", headers=_auth(tokens["sharer"])).get_json()
    assert paid["status"] == "paid"
    assert ("credit_spent", -1500) in {(e["kind"], e["amount_cents"]) for e in paid["ledger"]}
    assert client.get("/api/v1/me/referrals", headers=_auth(tokens["sharer"])).get_json()["summary"][
        "credit_cents"] == 500
    ledger = client.get("/api/v1/ledger", headers=_auth(tokens["sharer"])).get_json()
    conforms(spec, ledger, path="/api/v1/ledger", method="get")
    assert {"referral_reward", "credit_spent"} <= {e["kind"] for e in ledger["items"]}


@pytest.mark.parametrize("extra", [{"use_credit": "yes"}, {"voucher": "abc"}, {"voucher": 0}, {"group": -1},
                                   {"start_group": 1}, {"start_group": True, "group": 1},
                                   {"start_group": True, "quantity": 2}])
def test_bad_sharing_fields_on_an_order_are_400(client, market, extra):
    response = _order(client, market["tokens"]["amy"], product=market["cup"], **extra)
    assert response.status_code == 400, response.get_json()


# ---- group buys ----

def test_a_group_starts_fills_through_joins_and_refuses_the_rest(app, client, market, spec):
    from app.catalog.models import Product

    tokens, cup = market["tokens"], market["cup"]
    started = client.post(f"/api/v1/products/{cup}/groups", headers=_auth(tokens["amy"], **{"Idempotency-Key": "g1"}),
                          json={"shipping": SHIPPING})
    assert started.status_code == 201, started.get_json()
    body = conforms(spec, started.get_json(), "GroupOrder")
    group, order = body["group"], body["order"]
    assert (order["group"], order["unit_price_cents"], order["total_cents"]) == (group["id"], 9900, 9900)
    assert (group["size"], group["needed"], group["seats_left"], group["status"]) == (3, 3, 2, "open")
    assert group["members"] == [{"username": "amy", "display_name": "amy", "paid": False}]
    assert group["my_order"] == order["id"] and group["deadline"].endswith("Z")
    with app.app_context():
        assert db.session.scalar(select(Product.stock).where(Product.id == cup)) == 7  # a whole group reserved
    replay = client.post(f"/api/v1/products/{cup}/groups", headers=_auth(tokens["amy"], **{"Idempotency-Key": "g1"}),
                         json={"shipping": SHIPPING})
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.get_json()["order"]["id"] == order["id"]

    listed = client.get(f"/api/v1/products/{cup}/groups").get_json()
    conforms(spec, listed, path="/api/v1/products/{product_id}/groups", method="get")
    assert [g["id"] for g in listed["items"]] == [group["id"]]

    join = f"/api/v1/groups/{group['id']}/join"
    bo = client.post(join, headers=_auth(tokens["bob"]), json={"shipping": SHIPPING})
    assert bo.status_code == 201, bo.get_json()
    assert bo.get_json()["group"]["seats_left"] == 1
    twice = client.post(join, headers=_auth(tokens["bob"]), json={"shipping": SHIPPING})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_in_group"
    via_orders = _order(client, tokens["cyd"], product=cup, group=group["id"])
    assert via_orders.status_code == 201 and via_orders.get_json()["group"] == group["id"]
    full = client.post(join, headers=_auth(tokens["dee"]))
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "group_full"
    assert conforms(spec, full.get_json(), "Error")
    assert client.get(f"/api/v1/products/{cup}/groups").get_json()["items"] == []  # no seat left to take
    own = client.post(join, headers=_auth(tokens["seller"]))
    assert own.status_code == 409  # the seller cannot buy their own product

    for name, order_id in (("amy", order["id"]), ("bob", bo.get_json()["order"]["id"]),
                           ("cyd", via_orders.get_json()["id"])):
        _pay(client, tokens[name], order_id)
    filled = conforms(spec, client.get(f"/api/v1/groups/{group['id']}").get_json(), "Group")
    assert (filled["status"], filled["needed"], filled["seats_left"], filled["my_order"]) == ("filled", 0, 0, None)
    assert [(m["username"], m["paid"]) for m in filled["members"]] == [("amy", True), ("bob", True), ("cyd", True)]
    closed = client.post(join, headers=_auth(tokens["dee"]))
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] in ("group_closed", "group_full")
    shipped = client.post(f"/api/v1/orders/{order['id']}/ship", headers=_auth(tokens["seller"]), json={})
    assert shipped.status_code == 200  # a filled group's orders go through


def test_an_unfilled_group_expires_on_read_and_refuses_joins(app, client, market, spec):
    from app.catalog.models import Product
    from app.sharing.models import GroupBuy

    tokens, cup = market["tokens"], market["cup"]
    body = client.post(f"/api/v1/products/{cup}/groups", headers=_auth(tokens["amy"]), json={}).get_json()
    group_id = body["group"]["id"]
    _pay(client, tokens["amy"], body["order"]["id"])
    with app.app_context():
        db.session.execute(update(GroupBuy).where(GroupBuy.id == group_id)
                           .values(deadline=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    seen = conforms(spec, client.get(f"/api/v1/groups/{group_id}").get_json(), "Group")
    assert (seen["status"], seen["needed"], seen["seats_left"]) == ("expired", 0, 0)
    amy = client.get(f"/api/v1/orders/{body['order']['id']}", headers=_auth(tokens["amy"])).get_json()
    assert amy["status"] == "refunded"
    late = client.post(f"/api/v1/groups/{group_id}/join", headers=_auth(tokens["bob"]), json={})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "group_closed"
    with app.app_context():
        assert db.session.scalar(select(Product.stock).where(Product.id == cup)) == 10  # the reserve came back


def test_group_errors_are_clear(client, market):
    tokens = market["tokens"]
    no_offer = client.post(f"/api/v1/products/{market['pot']}/groups", headers=_auth(tokens["amy"]), json={})
    assert no_offer.status_code == 400 and no_offer.get_json()["error"]["code"] == "no_group_offer"
    assert client.post("/api/v1/products/999999/groups", headers=_auth(tokens["amy"]), json={}).status_code == 404
    assert client.post("/api/v1/groups/999999/join", headers=_auth(tokens["amy"]), json={}).status_code == 404
    assert client.get("/api/v1/groups/999999").status_code == 404
    assert client.get("/api/v1/products/999999/groups").status_code == 404
    not_json = client.post(f"/api/v1/products/{market['cup']}/groups", headers=_auth(tokens["amy"]),
                           data="x", content_type="text/plain")
    assert not_json.status_code == 400
    wrong = _order(client, tokens["amy"], product=market["pot"], group=1)
    assert wrong.status_code == 404  # no such group of that product


# ---- referrals ----

def test_referrals_json_after_settlement(app, client, market, make_note, spec, monkeypatch):
    monkeypatch.setitem(app.config, "REFERRAL_VOUCHER_EVERY", 2)
    tokens = market["tokens"]
    note_id = make_note("sharer", title="保溫杯開箱", product_id=market["cup"], rating=5)
    code = _share(client, tokens["sharer"], "note", note_id).get_json()["code"]
    for name in ("amy", "bob", "cyd"):
        _refer(app, code, name)
    for name in ("amy", "bob"):
        order = _order(client, tokens[name], product=market["cup"], share_code=code).get_json()
        _complete(client, tokens, name, order["id"])
    _pay(client, tokens["cyd"], _order(client, tokens["cyd"], product=market["pot"]).get_json()["id"])

    before = client.get("/api/v1/me/referrals", headers=_auth(tokens["sharer"])).get_json()
    assert before["summary"]["pending_cents"] == 3 * 2000 and before["rewards"] == []
    assert _settle(app) == 2
    body = client.get("/api/v1/me/referrals?limit=2", headers=_auth(tokens["sharer"])).get_json()
    conforms(spec, body, path="/api/v1/me/referrals", method="get")
    assert body["summary"] == {"referrals": 3, "customers": 2, "pending_cents": 2000, "paid_cents": 4000,
                               "credit_cents": 4000, "currency": "CNY"}
    assert [r["user"]["username"] for r in body["referrals"]] == ["cyd", "bob"] and body["next_cursor"]
    rest = client.get(f"/api/v1/me/referrals?cursor={body['next_cursor']}", headers=_auth(tokens["sharer"]))
    assert [r["user"]["username"] for r in rest.get_json()["referrals"]] == ["amy"]
    assert [(r["kind"], r["amount_cents"]) for r in body["rewards"]] == [("first_order", 2000)] * 2
    assert len(body["vouchers"]) == 1 and body["vouchers"][0]["usable"]
    share = client.get(f"/api/v1/shares/{code}", headers=_auth(tokens["sharer"])).get_json()
    assert (share["signups"], share["buyers"]) == (3, 2)
    amy = client.get("/api/v1/me/referrals", headers=_auth(tokens["amy"])).get_json()
    assert amy["referrals"] == [] and amy["summary"]["paid_cents"] == 0  # one level: nothing for the referred
    assert client.get("/api/v1/me/referrals?cursor=bad", headers=_auth(tokens["sharer"])).status_code == 400
