"""Shop, product, checkout and order pages: what buyers, creators and sellers see and may do."""

from __future__ import annotations

import re

import pytest

from app.db import db
from tests.conftest import csrf_token_from

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


@pytest.fixture
def world(make_user, make_product, make_note):
    for name in ("seller", "creator", "buyer", "stranger"):
        make_user(name)
    product = make_product("seller", images=1)
    note = make_note("creator", title="保溫杯開箱", product_id=product, rating=5)
    return {"product": product, "note": note}


def _checkout(client, product, note=None, **overrides):
    page = client.get(f"/products/{product}/buy" + (f"?note={note}" if note else ""))
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True))
    data = {"quantity": 1, "note": note or "", "idempotency_key": key.group(1), **SHIPPING, **overrides}
    return client.post(f"/products/{product}/buy", data=data), data


def _order_id(location: str) -> int:
    return int(re.search(r"/orders/(\d+)", location).group(1))


def test_note_shows_the_product_card_with_the_commission_disclosure(client, world):
    html = client.get(f"/notes/{world['note']}").get_data(as_text=True)
    assert 'data-testid="product-card"' in html and 'data-testid="buy-button"' in html
    assert 'data-testid="ad-label"' in html
    assert "10%" in re.search(r'data-testid="commission-disclosure">(.*?)</p>', html, re.S).group(1)
    feed = client.get("/discover").get_data(as_text=True)
    assert 'data-testid="ad-label"' in feed  # the label follows the note onto its card


def test_no_ad_label_without_earnings_but_always_for_the_sellers_staff(client, app, make_product, make_note, world,
                                                                       auth):
    free = make_product("seller", name="無佣金商品", commission_bps=0)
    plain = make_note("creator", product_id=free)
    assert 'data-testid="ad-label"' not in client.get(f"/notes/{plain}").get_data(as_text=True)
    from app.accounts.service import find_user
    from app.catalog import service

    with app.app_context():
        seller = find_user(db.session, "seller")
        service.add_staff(db.session, seller, service.get_shop_of(db.session, seller), "creator")
    html = client.get(f"/notes/{plain}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-testid="ad-label"' in html and "works for its seller" in html


def test_buy_from_a_note_pay_and_the_creator_sees_the_commission(client, auth, world):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"], world["note"], quantity=2)
    assert response.status_code == 302 and "/pay" in response.headers["Location"]
    order_id = _order_id(response.headers["Location"])
    pay_page = client.get(f"/orders/{order_id}/pay").get_data(as_text=True)
    assert 'data-testid="sandbox-notice"' in pay_page
    paid = client.post(f"/orders/{order_id}/pay", data={"outcome": "succeed"}, follow_redirects=True)
    html = paid.get_data(as_text=True)
    assert 'data-status="paid"' in html and 'data-kind="creator_commission"' in html and "@creator" in html
    auth.logout()
    auth.login("creator")
    earnings = client.get("/earnings").get_data(as_text=True)
    assert 'data-cents="2580"' in earnings  # 10% of 2 × 129.00


def test_a_double_submitted_checkout_makes_one_order(client, auth, world, app):
    auth.login("buyer")
    first, data = _checkout(client, world["product"])
    again = client.post(f"/products/{world['product']}/buy", data=data)
    assert _order_id(first.headers["Location"]) == _order_id(again.headers["Location"])
    from app.orders.models import Order

    with app.app_context():
        assert db.session.query(Order).count() == 1


def test_checkout_without_an_address_says_so_and_orders_nothing(client, auth, world, app):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"], address="", phone="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count('data-testid="field-error"') >= 2
    from app.orders.models import Order

    with app.app_context():
        assert db.session.query(Order).count() == 0


def test_sold_out_checkout_is_a_409_page(client, auth, world):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"], quantity=6)
    assert response.status_code == 409
    assert "5" in response.get_data(as_text=True)


def test_orders_are_private_to_buyer_and_seller(client, auth, world):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"])
    order_id = _order_id(response.headers["Location"])
    auth.logout()
    auth.login("stranger")
    assert client.get(f"/orders/{order_id}").status_code == 404
    assert client.post(f"/orders/{order_id}/cancel").status_code == 404
    assert client.post(f"/orders/{order_id}/pay", data={"outcome": "succeed"}).status_code == 404
    assert client.get(f"/products/{world['product']}/edit").status_code == 403
    auth.logout()
    auth.login("seller")
    assert 'data-testid="action-cancel"' in client.get(f"/orders/{order_id}").get_data(as_text=True)


def test_seller_ships_buyer_confirms_and_the_review_becomes_verified(client, auth, make_note, world):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"])
    order_id = _order_id(response.headers["Location"])
    client.post(f"/orders/{order_id}/pay", data={"outcome": "succeed"})
    review = make_note("buyer", title="真的好用", product_id=world["product"], rating=4)
    assert 'data-testid="verified-badge"' not in client.get(f"/notes/{review}").get_data(as_text=True)
    auth.logout()
    auth.login("seller")
    client.post(f"/orders/{order_id}/ship", data={"tracking_number": "SF1234567"})
    auth.logout()
    auth.login("buyer")
    html = client.post(f"/orders/{order_id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert 'data-status="completed"' in html
    assert 'data-testid="verified-badge"' in client.get(f"/notes/{review}").get_data(as_text=True)
    product_page = client.get(f"/products/{world['product']}").get_data(as_text=True)
    verified = re.search(r'data-testid="rating-verified">(.*?)</div>', product_page, re.S).group(1)
    other = re.search(r'data-testid="rating-other">(.*?)</div>', product_page, re.S).group(1)
    assert "4.0" in verified and "5.0" in other  # the creator's unverified 5 stars stay apart


def test_open_a_shop_and_sell_a_product_from_the_forms(client, auth, make_user):
    make_user("newseller")
    auth.login("newseller")
    client.post("/shop", data={"name": "小美的雜貨店", "description": "手作"})
    bad = client.post("/products/new", data={"name": "", "price": "abc", "stock": 3, "commission": "80",
                                             "currency": "CNY"})
    assert bad.status_code == 400
    assert bad.get_data(as_text=True).count('data-testid="field-error"') >= 3  # name, price, commission at once
    good = client.post("/products/new", data={"name": "手作香皂", "price": "39.90", "stock": 3, "commission": "12.5",
                                              "currency": "CNY"})
    assert good.status_code == 302
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "手作香皂" in page and "39.90" in page and "12.5%" in page
    dashboard = client.get("/shop").get_data(as_text=True)
    assert "小美的雜貨店" in dashboard and 'data-testid="row-stock">3<' in dashboard


def test_link_a_product_in_the_note_editor(client, auth, world):
    auth.login("buyer")
    form = client.get(f"/notes/new?product={world['product']}").get_data(as_text=True)
    assert f'value="{world["product"]}"' in form
    from tests.conftest import upload

    response = client.post("/notes/new", data={
        "title": "用了一週", "body": "保溫很好", "tags": "", "product": f"http://localhost/products/{world['product']}",
        "rating": "4", "images": [upload()], "action": "publish"}, content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="product-card"' in html and 'data-testid="note-rating"' in html
    bad = client.post("/notes/new", data={"title": "x", "body": "y", "product": "999999", "images": [upload()],
                                          "action": "publish"}, content_type="multipart/form-data")
    assert bad.status_code == 400


def test_commerce_forms_carry_csrf_tokens(client, auth, world, csrf_enabled):
    auth.login("seller", csrf_token=csrf_token_from(client.get("/login").get_data(as_text=True)))
    for path in ("/shop", "/products/new", f"/products/{world['product']}/edit"):
        html = client.get(path).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.S | re.I)
        assert forms and all('name="csrf_token"' in form for form in forms), path
    assert client.post("/shop", data={"name": "x"}).status_code == 400


def test_order_moves_notify_the_other_side(client, auth, world):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"], world["note"])
    order_id = _order_id(response.headers["Location"])
    client.post(f"/orders/{order_id}/pay", data={"outcome": "succeed"})
    client.post(f"/orders/{order_id}/request_refund", data={"reason": "尺寸不合"})
    auth.logout()

    def kinds(user):
        auth.login(user)
        html = client.get("/notifications").get_data(as_text=True)
        auth.logout()
        return re.findall(r'data-testid="notification" data-kind="(\w+)"', html)

    assert kinds("seller") == ["refund_requested", "order_paid"]
    assert kinds("creator") == ["commission"]
    auth.login("seller")
    declined = client.post(f"/orders/{order_id}/decline_refund", follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="flash"' in declined
    auth.logout()
    assert kinds("buyer") == ["refund_declined"]


def test_checkout_offers_the_unpaid_order_instead_of_a_second_one(client, auth, world):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"])
    order_id = _order_id(response.headers["Location"])
    page = client.get(f"/products/{world['product']}/buy").get_data(as_text=True)
    assert f'href="/orders/{order_id}/pay" data-testid="pay-unpaid"' in page
    client.post(f"/orders/{order_id}/cancel")
    stale = client.post(f"/orders/{order_id}/pay", data={"outcome": "succeed"}, follow_redirects=True)
    assert 'data-status="cancelled"' in stale.get_data(as_text=True)  # a stale pay tab pays nothing


@pytest.mark.parametrize("price", ["1e400", "1e30", "NaN", "12,50", "-5", "9" * 31, "0.001"])
def test_odd_prices_are_field_errors_not_500s(client, auth, make_user, price):
    make_user("pricey")
    auth.login("pricey")
    response = client.post("/products/new", data={"name": "測試", "price": price, "stock": "1", "commission": "0",
                                                  "currency": "CNY"})
    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.get_data(as_text=True)


def test_bad_phone_and_quantity_are_explained_in_the_ui_language(client, auth, world):
    auth.login("buyer")
    response, _data = _checkout(client, world["product"], phone="abc", quantity="abc")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "請輸入物流人員聯絡得到的電話號碼" in html and "須介於 1 到 99" in html  # both at once, in zh-Hant
    assert "不是有效的整数" not in html  # not WTForms' Simplified fallback
