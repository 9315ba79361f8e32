"""GET /api/v1/search and /api/v1/search/suggest on the real database and a real index."""

from __future__ import annotations

import pytest

from app.accounts import service as accounts
from app.db import db
from app.search import outbox


@pytest.fixture
def drained(app):
    """Call after creating data through fixtures (outside a request, nothing drains it)."""

    def run():
        with app.app_context():
            outbox.drain(db.session)

    return run


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def search(client, status=200, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_simplified_finds_traditional_and_back_with_marked_snippets(client, make_user, make_note, drained):
    make_user("taipei", display_name="台北小林")
    make_user("shanghai")
    traditional = make_note("taipei", title="秋冬口紅推薦", body="今天分享三支顯白的口紅，黃皮也能駕馭")
    simplified = make_note("shanghai", title="防晒霜测评", body="夏天出门一定要涂防晒，这支很清爽")
    hostile = make_note("shanghai", title="<script>alert(1)</script>口红", body="<b>粗體</b>")
    drained()

    body = search(client, q="口红")
    assert set(ids(body)) == {traditional, hostile}
    item = next(i for i in body["items"] if i["id"] == traditional)
    assert item["title"] == "秋冬口紅推薦" and item["highlights"]["title"] == "秋冬<mark>口紅</mark>推薦"
    assert "<mark>口紅</mark>" in item["highlights"]["snippet"]
    assert item["author"]["username"] == "taipei" and "like_count" in item and "cover" in item
    evil = next(i for i in body["items"] if i["id"] == hostile)["highlights"]
    assert evil["title"] == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>口红</mark>"
    assert evil["snippet"] == "&lt;b&gt;粗體&lt;/b&gt;"

    assert ids(search(client, q="防曬")) == [simplified]  # Traditional query, Simplified note
    assert ids(search(client, q="顯白")) == [traditional]  # a word inside a sentence
    assert ids(search(client, q="台北小林")) == [traditional]  # the author's name
    assert search(client, q="口味")["items"] == []  # shares 口, not the word


def test_mixed_english_full_width_case_and_hashtags(client, make_user, make_note, drained):
    make_user("tech")
    phone = make_note("tech", title="iPhone15拍照心得", body="夜景模式進步很多", tags="3C,攝影")
    ysl = make_note("tech", title="ＹＳＬ小金條試色", body="YSL口紅顏色很正", tags="口紅")
    camping = make_note("tech", title="週末", body="去了很棒的地方", tags="露營")
    drained()
    for query in ("iphone 15", "IPHONE15", "ｉＰｈｏｎｅ１５", "iPhone15拍照"):
        assert ids(search(client, q=query)) == [phone], query
    assert ids(search(client, q="ysl 口红")) == [ysl]
    assert ids(search(client, q="#露营")) == [camping]  # a tag, in the other script
    assert ids(search(client, q="#3c")) == [phone]
    assert ids(search(client, q="露營", tag="露營")) == [camping]
    assert search(client, q="#拍照")["items"] == []  # a word in the title is not a tag


def test_filters_and_orders(client, make_user, make_note, make_product, api_token, drained):
    make_user("seller")
    make_user("buyer")
    cheap = make_product("seller", name="露營燈 小", price_cents=3900, stock=0, commission_bps=0)
    dear = make_product("seller", name="露營燈 大", price_cents=29900, stock=3, commission_bps=0)
    review = make_note("buyer", title="露營燈心得", body="很亮", product_id=dear, rating=5)
    other = make_note("seller", title="露營燈開箱", body="自己賣的", product_id=cheap, rating=4)
    drained()

    products = search(client, q="露营灯", type="products", sort="price_asc")
    assert ids(products) == [cheap, dear]
    assert products["items"][0]["price_cents"] == 3900 and products["items"][0]["title"] == "露營燈 小"
    assert ids(search(client, q="露营灯", type="products", sort="price_desc")) == [dear, cheap]
    assert ids(search(client, q="露营灯", type="products", in_stock="true")) == [dear]
    assert ids(search(client, q="露营灯", type="products", min_price_cents=5000)) == [dear]
    assert ids(search(client, q="露营灯", type="products", max_price_cents=5000)) == [cheap]
    assert ids(search(client, q="露营灯", min_price_cents=5000)) == [review]  # notes: the linked product's price

    assert search(client, q="露营灯", verified="1")["items"] == []
    buyer, seller = api_token("buyer"), api_token("seller")
    order = client.post("/api/v1/orders", headers=_auth(buyer), json={
        "product": dear, "shipping": {"name": "王小明", "phone": "0912345678", "address": "台北市信義區"}}).get_json()
    client.post(f"/api/v1/payments/sandbox/{order['id']}", headers=_auth(buyer), json={})
    client.post(f"/api/v1/orders/{order['id']}/ship", headers=_auth(seller))
    assert client.post(f"/api/v1/orders/{order['id']}/confirm", headers=_auth(buyer)).status_code == 200
    verified = search(client, q="露营灯", verified="1")
    assert ids(verified) == [review] and verified["items"][0]["verified_purchase"] is True
    # The stock the order took is reflected in the product filter at once.
    assert search(client, q="露营灯", type="products", in_stock="1")["items"][0]["stock"] == 2

    assert set(ids(search(client, q="露营灯"))) == {review, other}
    assert ids(search(client, q="露营灯", sort="newest")) == [other, review]


def test_most_liked_follows_likes_as_they_happen(client, make_user, make_note, api_token, drained):
    make_user("author")
    readers = [make_user(f"reader{i}") for i in range(2)]
    first = make_note("author", title="咖啡一號", body="好喝")
    second = make_note("author", title="咖啡二號", body="好喝")
    drained()
    assert ids(search(client, q="咖啡", sort="liked")) == [second, first]  # no likes: newest first
    for reader in readers:
        assert client.post(f"/api/v1/notes/{first}/like", headers=_auth(api_token(reader.username))).status_code == 200
    body = search(client, q="咖啡", sort="liked")
    assert ids(body) == [first, second] and body["items"][0]["like_count"] == 2


def test_people_search_and_follower_order(client, make_user, api_token, drained):
    make_user("coffee_lab", display_name="咖啡實驗室")
    make_user("coffee_fan", display_name="咖啡迷")
    make_user("fan1")
    client.post("/api/v1/users/coffee_fan/follow", headers=_auth(api_token("fan1")))
    drained()
    body = search(client, q="咖啡", type="users", sort="followers")
    assert [i["username"] for i in body["items"]] == ["coffee_fan", "coffee_lab"]
    assert body["items"][0]["highlights"]["title"] == "<mark>咖啡</mark>迷"
    assert [i["username"] for i in search(client, q="coffee lab", type="users")["items"]] == ["coffee_lab"]


def test_pages_never_repeat_or_skip(client, make_user, make_note, drained):
    make_user("prolific")
    made = {make_note("prolific", title=f"旅行日記 第{i}天", body="京都") for i in range(23)}
    drained()
    seen, cursor, pages = [], None, 0
    while True:
        body = search(client, q="旅行", limit=10, **({"cursor": cursor} if cursor else {}))
        seen += ids(body)
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 23 and set(seen) == made


def test_hidden_deleted_drafts_and_suspended_never_appear(app, client, make_user, make_note, api_token, drained):
    make_user("admin")
    with app.app_context():
        accounts.make_admin(db.session, "admin")
    make_user("author")
    make_user("spammer")
    hidden, deleted, kept = (make_note("author", title=f"抹茶{i}", body="宇治") for i in range(3))
    draft = make_note("author", title="抹茶草稿", body="宇治", draft=True)
    spam = make_note("spammer", title="抹茶便宜賣", body="宇治")
    drained()
    assert set(ids(search(client, q="抹茶"))) == {hidden, deleted, kept, spam}
    assert draft not in ids(search(client, q="抹茶"))

    admin, author = api_token("admin"), api_token("author")
    client.post("/api/v1/admin/hide", headers=_auth(admin), json={"target_type": "note", "target_id": hidden,
                                                                 "reason": "spam"})
    client.delete(f"/api/v1/notes/{deleted}", headers=_auth(author))
    client.post("/api/v1/admin/users/spammer/suspend", headers=_auth(admin), json={"reason": "水軍"})
    assert ids(search(client, q="抹茶")) == [kept]
    assert search(client, q="spammer", type="users")["items"] == []
    # Even the author does not find their own draft or hidden note in search.
    assert ids(client.get("/api/v1/search?q=抹茶", headers=_auth(author)).get_json()) == [kept]


def test_did_you_mean_offers_a_spelling_that_finds_something(client, make_user, make_note, drained):
    make_user("camper")
    make_note("camper", title="露營裝備清單", body="第一次露營的裝備推薦")
    make_note("camper", title="iPhone 拍星空", body="夜空")
    drained()
    body = search(client, q="露營裝被")
    assert body["items"] == [] and body["did_you_mean"] == "露營裝備"
    assert search(client, q=body["did_you_mean"])["items"]
    assert search(client, q="iphnoe")["did_you_mean"] == "iphone"
    assert search(client, q="露營")["did_you_mean"] is None
    assert search(client, q="完全不存在的東西")["did_you_mean"] is None


def test_suggestions_as_you_type(client, make_user, make_note, make_product, drained):
    make_user("camp_lin", display_name="露營小林")
    make_note("camp_lin", title="一", body="二", tags="露營,露營裝備")
    make_note("camp_lin", title="三", body="四", tags="露營")
    product = make_product("camp_lin", name="露營椅")
    drained()
    items = client.get("/api/v1/search/suggest?q=露").get_json()["items"]
    assert items[:2] == [{"text": "#露營", "type": "tag", "id": None}, {"text": "#露營裝備", "type": "tag", "id": None}]
    assert {"text": "露營椅", "type": "product", "id": product} in items
    assert any(i["type"] == "user" and "@camp_lin" in i["text"] for i in items)
    # Simplified readers get tags in their script; the username prefix finds the person.
    hans = client.get("/api/v1/search/suggest?q=露营", headers={"Accept-Language": "zh-Hans"}).get_json()["items"]
    assert hans[0] == {"text": "#露营", "type": "tag", "id": None}
    assert client.get("/api/v1/search/suggest?q=camp").get_json()["items"][0]["text"] == "露營小林 @camp_lin"
    assert client.get("/api/v1/search/suggest?q=").get_json() == {"items": []}


@pytest.mark.parametrize("params", [
    {"type": "posts"}, {"sort": "price_asc"}, {"type": "users", "sort": "liked"}, {"limit": "ten"},
    {"cursor": "not-a-cursor"}, {"min_price_cents": "-5"}, {"min_price_cents": "9" * 30},
    {"min_price_cents": "500", "max_price_cents": "100"}, {"in_stock": "maybe"},
])
def test_bad_parameters_are_a_clear_400(client, params):
    body = search(client, status=400, q="口紅", **params)
    assert body["error"]["code"] and body["error"]["message"]


@pytest.mark.parametrize("q", [
    "", " ", "a" * 10_000, "口紅" * 5_000, '"unbalanced', "title:*", "*a*", "\x00", "口\x00紅", "😀🔥", "?!，。",
    "#", "##", "AND OR NOT", "((", "\\", "%", "'; DROP TABLE notes; --", "\u202e反轉", "\ufeff",
])
def test_garbage_queries_are_answered(client, make_user, make_note, drained, q):
    make_user("someone")
    make_note("someone", title="口紅", body="title and stuff")
    drained()
    for kind in ("notes", "products", "users"):
        body = search(client, q=q, type=kind)
        assert isinstance(body["items"], list)
    assert client.get("/api/v1/search/suggest", query_string={"q": q}).status_code == 200


def test_a_page_costs_the_same_queries_for_3_or_20_results(client, make_user, make_note, count_queries, drained):
    make_user("many")
    for i in range(20):
        make_note("many", title=f"咖啡 {i}", body="好喝" if i < 3 else "普通")
    drained()
    search(client, q="好喝")  # warm-up
    before = count_queries.count
    assert len(search(client, q="好喝")["items"]) == 3
    few = count_queries.count - before
    before = count_queries.count
    assert len(search(client, q="咖啡", limit=20)["items"]) == 20
    assert count_queries.count - before == few


def test_the_search_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/search", "/api/v1/search/suggest"} <= set(paths)
