"""Products, orders, payments and the ledger through /api/v1, on the real database."""

from __future__ import annotations

import pytest


@pytest.fixture
def shop(make_user, api_token, client):
    """A seller with one product, a creator with a note about it, and a buyer; their tokens."""
    make_user("seller")
    make_user("creator")
    make_user("buyer")
    tokens = {name: api_token(name) for name in ("seller", "creator", "buyer")}
    response = client.post("/api/v1/products", headers=_auth(tokens["seller"]), json={
        "name": "山系保溫杯", "description": "露營必備", "price_cents": 12900, "stock": 5, "commission_bps": 1000,
    })
    assert response.status_code == 201, response.get_json()
    return {"tokens": tokens, "product": response.get_json()}


def _auth(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def note_about(make_note, shop):
    return make_note("creator", title="保溫杯開箱", product_id=shop["product"]["id"], rating=5)


SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


def _buy(client, token, product_id, note_id=None, quantity=1, key=None, **extra):
    headers = _auth(token, **({"Idempotency-Key": key} if key else {}))
    return client.post("/api/v1/orders", headers=headers,
                       json={"product": product_id, "quantity": quantity, "note": note_id, "shipping": SHIPPING,
                             **extra})


def test_product_listing_shape_and_filters(client, shop):
    body = client.get("/api/v1/products?seller=seller").get_json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert {k: item[k] for k in ("id", "name", "price_cents", "currency", "stock")} == {
        "id": shop["product"]["id"], "name": "山系保溫杯", "price_cents": 12900, "currency": "CNY", "stock": 5}
    assert item["seller"]["username"] == "seller"
    assert client.get("/api/v1/products?q=保溫").get_json()["items"][0]["id"] == item["id"]
    assert client.get("/api/v1/products?q=手機").get_json()["items"] == []
    assert client.get("/api/v1/products?seller=nobody").status_code == 404


def test_buy_through_a_note_pays_the_creator_commission(client, shop, note_about):
    tokens, product = shop["tokens"], shop["product"]
    response = _buy(client, tokens["buyer"], product["id"], note_about, quantity=2,
                    price_cents=1, total_cents=1, commission_cents=999999)  # tampered amounts are ignored
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert (order["status"], order["total_cents"], order["unit_price_cents"]) == ("pending", 25800, 12900)
    assert (order["commission_bps"], order["commission_cents"]) == (1000, 2580)
    assert order["creator"]["username"] == "creator" and order["note"] == note_about
    assert client.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 3  # held while pending

    paid = client.post(f"/api/v1/payments/sandbox/{order['id']}", headers=_auth(tokens["buyer"]), json={})
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"

    creator = client.get("/api/v1/ledger", headers=_auth(tokens["creator"])).get_json()
    assert [(e["kind"], e["amount_cents"]) for e in creator["items"]] == [("creator_commission", 2580)]
    assert creator["balances"][0]["earned_cents"] == 2580
    seller = client.get("/api/v1/ledger", headers=_auth(tokens["seller"])).get_json()
    assert seller["balances"][0]["earned_cents"] == 25800 - 2580
    buyer = client.get("/api/v1/ledger", headers=_auth(tokens["buyer"])).get_json()
    assert buyer["balances"][0]["spent_cents"] == 25800
    detail = client.get(f"/api/v1/orders/{order['id']}", headers=_auth(tokens["buyer"])).get_json()
    assert {(e["kind"], e["user"]["username"] if e["user"] else None) for e in detail["ledger"]} >= {
        ("creator_commission", "creator")}
    assert sum(e["amount_cents"] for e in detail["ledger"]) == 0


def test_sold_out_is_a_clean_409_and_stock_never_negative(client, shop):
    tokens, product = shop["tokens"], shop["product"]
    assert _buy(client, tokens["buyer"], product["id"], quantity=5).status_code == 201
    response = _buy(client, tokens["creator"], product["id"])
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "out_of_stock"
    assert client.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 0


def test_idempotency_key_replays_and_refuses_a_different_body(client, shop):
    tokens, product = shop["tokens"], shop["product"]
    first = _buy(client, tokens["buyer"], product["id"], key="k-1")
    again = _buy(client, tokens["buyer"], product["id"], key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    different = _buy(client, tokens["buyer"], product["id"], quantity=2, key="k-1")
    assert different.status_code == 422 and different.get_json()["error"]["code"] == "idempotency_key_reused"
    orders = client.get("/api/v1/orders", headers=_auth(tokens["buyer"])).get_json()["items"]
    assert len(orders) == 1
    assert client.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 4


def test_illegal_transitions_are_refused(client, shop):
    tokens, product = shop["tokens"], shop["product"]
    order = _buy(client, tokens["buyer"], product["id"]).get_json()
    path = f"/api/v1/orders/{order['id']}"
    for token, action, status in (("seller", "ship", 409), ("buyer", "confirm", 409), ("seller", "refund", 409),
                                  ("buyer", "ship", 403), ("seller", "request_refund", 403)):
        response = client.post(f"{path}/{action}", headers=_auth(tokens[token]))
        assert response.status_code == status, (token, action)  # wrong state 409; not your move 403
        assert response.get_json()["error"]["code"] == "illegal_transition"
    assert client.post(f"{path}/ship", headers=_auth(tokens["creator"])).status_code == 404  # not theirs
    assert client.post(f"{path}/explode", headers=_auth(tokens["buyer"])).status_code == 404
    client.post(f"/api/v1/payments/sandbox/{order['id']}", headers=_auth(tokens["buyer"]), json={})
    assert client.post(f"{path}/cancel", headers=_auth(tokens["buyer"])).status_code == 409  # paid: refund instead
    shipped = client.post(f"{path}/ship", headers=_auth(tokens["seller"]), json={"tracking_number": "SF123"})
    assert shipped.get_json()["status"] == "shipped" and shipped.get_json()["tracking_number"] == "SF123"
    done = client.post(f"{path}/confirm", headers=_auth(tokens["buyer"]))
    assert done.get_json()["status"] == "completed" and done.get_json()["actions"] == ["request_refund"]


def test_refund_writes_compensating_rows(client, shop, note_about):
    tokens, product = shop["tokens"], shop["product"]
    order = _buy(client, tokens["buyer"], product["id"], note_about).get_json()
    path = f"/api/v1/orders/{order['id']}"
    client.post(f"/api/v1/payments/sandbox/{order['id']}", headers=_auth(tokens["buyer"]), json={})
    asked = client.post(f"{path}/request_refund", headers=_auth(tokens["buyer"]), json={"reason": "買錯顏色"})
    assert asked.get_json()["refund_requested"] is True
    assert client.post(f"{path}/ship", headers=_auth(tokens["seller"])).status_code == 409  # answer the request first
    refunded = client.post(f"{path}/refund", headers=_auth(tokens["seller"])).get_json()
    assert refunded["status"] == "refunded"
    for name in ("buyer", "seller", "creator"):
        balances = client.get("/api/v1/ledger", headers=_auth(tokens[name])).get_json()["balances"]
        assert balances[0]["earned_cents"] == 0 and balances[0]["spent_cents"] == 0, name
    assert client.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 5  # refunded before shipping


def test_no_commission_when_buying_through_ones_own_note(client, shop, make_note):
    tokens, product = shop["tokens"], shop["product"]
    own = make_note("buyer", product_id=product["id"])
    order = _buy(client, tokens["buyer"], product["id"], own).get_json()
    assert order["commission_cents"] == 0 and order["creator"]["username"] == "buyer"


def test_seller_cannot_buy_own_product_and_note_must_link_it(client, shop, make_note):
    tokens, product = shop["tokens"], shop["product"]
    response = _buy(client, tokens["seller"], product["id"])
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "own_product"
    unrelated = make_note("creator")
    assert _buy(client, tokens["buyer"], product["id"], unrelated).status_code == 400


@pytest.mark.parametrize("body", [
    {"product": "abc"}, {"product": 1, "quantity": 0}, {"product": 1, "quantity": -3}, {"product": 1, "quantity": 1.5},
    {"product": 1, "quantity": 10**6}, {"product": True}, {"product": 2**70},
])
def test_bad_order_bodies_are_400(client, shop, body):
    response = client.post("/api/v1/orders", headers=_auth(shop["tokens"]["buyer"]), json=body)
    assert response.status_code == 400, response.get_json()


def test_products_are_edited_by_their_seller_only(client, shop):
    tokens, product = shop["tokens"], shop["product"]
    path = f"/api/v1/products/{product['id']}"
    assert client.patch(path, headers=_auth(tokens["buyer"]), json={"price_cents": 1}).status_code == 403
    changed = client.patch(path, headers=_auth(tokens["seller"]), json={"price_cents": 9900, "stock": 7})
    assert changed.status_code == 200 and (changed.get_json()["price_cents"], changed.get_json()["stock"]) == (9900, 7)
    bad = client.patch(path, headers=_auth(tokens["seller"]), json={"price_cents": -5, "commission_bps": 9000})
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"price", "commission"}
    hidden = client.patch(path, headers=_auth(tokens["seller"]), json={"is_listed": False})
    assert hidden.get_json()["is_listed"] is False
    assert client.get(path).status_code == 404  # unlisted: gone for buyers
    assert client.get(path, headers=_auth(tokens["seller"])).status_code == 200


def test_feed_cards_say_which_notes_are_ads_and_verified(client, shop, note_about, make_note):
    tokens, product = shop["tokens"], shop["product"]
    order = _buy(client, tokens["buyer"], product["id"]).get_json()
    client.post(f"/api/v1/payments/sandbox/{order['id']}", headers=_auth(tokens["buyer"]), json={})
    client.post(f"/api/v1/orders/{order['id']}/ship", headers=_auth(tokens["seller"]))
    client.post(f"/api/v1/orders/{order['id']}/confirm", headers=_auth(tokens["buyer"]))
    review = make_note("buyer", title="買了之後", product_id=product["id"], rating=4)
    items = {i["id"]: i for i in client.get("/api/v1/feed?kind=discover").get_json()["items"]}
    assert (items[note_about]["sponsored"], items[note_about]["verified_purchase"]) == (True, False)
    assert (items[review]["sponsored"], items[review]["verified_purchase"]) == (True, True)
    assert items[review]["product"] == product["id"]


def test_products_and_ledger_page_with_cursors(client, shop, make_product):
    for name in ("第二件", "第三件"):
        make_product("seller", name=name)
    first = client.get("/api/v1/products?limit=2").get_json()
    assert [p["name"] for p in first["items"]] == ["第三件", "第二件"] and first["next_cursor"]
    second = client.get(f"/api/v1/products?limit=2&cursor={first['next_cursor']}").get_json()
    assert [p["name"] for p in second["items"]] == ["山系保溫杯"] and second["next_cursor"] is None
    assert client.get("/api/v1/products?cursor=not-a-cursor").status_code == 400
