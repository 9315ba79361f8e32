"""Sharing pages through the test client: share links and their sheet, following a link (first
touch), sign-ups that become referrals, the poster, group pages, checkout with credit and vouchers."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from app.db import db, utcnow
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


@pytest.fixture
def world(make_user, make_product, make_note):
    make_user("seller", display_name="山系小舖")
    make_user("creator", display_name="露營達人")
    make_user("other", display_name="路人乙")
    product = make_product("seller", images=1, group_price_cents=9900, group_size=3)
    cheap = make_product("seller", name="登山扣", price_cents=1500, commission_bps=0)
    note = make_note("creator", title="保溫杯開箱", product_id=product, rating=5)
    return {"product": product, "cheap": cheap, "note": note}


def _share(client, kind, target_id) -> str:
    response = client.post("/share", data={"kind": kind, "id": str(target_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/share/([0-9A-Za-z]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _link(app, code):
    from app.sharing.models import ShareLink

    with app.app_context():
        link = db.session.scalar(select(ShareLink).where(ShareLink.code == code))
        db.session.expunge_all()
        return link


def _register(client, username, display_name=None):
    response = client.post("/register", data={"username": username, "display_name": display_name or username,
                                              "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _checkout(client, product, query="", **overrides):
    page = client.get(f"/products/{product}/buy{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True))
    data = {"quantity": 1, "idempotency_key": key.group(1), **SHIPPING, **overrides}
    return client.post(f"/products/{product}/buy{query}", data=data)


def _order_id(location: str) -> int:
    return int(re.search(r"/orders/(\d+)", location).group(1))


def _pay(client, order_id):
    response = client.post(f"/orders/{order_id}/pay", data={"outcome": "succeed"})
    assert response.status_code == 302


def _ref(client):
    """The touch the visitor's own signed cookie carries."""
    from app.sharing.views import TOUCH_COOKIE, _touch_signer

    cookie = client.get_cookie(TOUCH_COOKIE)
    if cookie is None:
        return None
    with client.application.app_context():
        return _touch_signer().loads(cookie.value)


def _set_ref(client, value) -> None:
    from app.sharing.views import TOUCH_COOKIE, _touch_signer

    with client.application.app_context():
        client.set_cookie(TOUCH_COOKIE, _touch_signer().dumps(value))


# ---- share links ----

def test_share_makes_one_link_per_thing_and_only_the_sharer_sees_its_sheet(app, client, auth, world):
    auth.login("creator")
    code = _share(client, "note", world["note"])
    assert _share(client, "note", world["note"]) == code  # the same link again: its counts add up
    sheet = client.get(f"/share/{code}")
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200
    assert f'value="http://localhost/s/{code}"' in html
    assert f'src="/s/{code}/poster.png"' in html and 'data-testid="download-poster"' in html
    web_share = re.search(r"<button[^>]*data-web-share[^>]*>", html).group(0)
    assert "hidden" in web_share and 'data-testid="web-share"' in web_share  # shown by the script where supported
    for name in ("visits", "signups", "buyers"):
        assert re.search(rf'data-testid="count-{name}">0<', html)
    assert "<script src=\"/static/js/sharing.js" in html and "<script>" not in html  # CSP: no inline script
    auth.logout()
    auth.login("other")
    assert client.get(f"/share/{code}").status_code == 404
    assert _share(client, "note", world["note"]) != code  # their own link to the same note


def test_share_buttons_on_note_product_profile_and_anonymous_goes_to_login(client, auth, world):
    for path in (f"/notes/{world['note']}", f"/products/{world['product']}", "/u/creator"):
        html = client.get(path).get_data(as_text=True)
        button = re.search(r'<a[^>]*data-testid="share-button"[^>]*>', html)
        assert button and f'href="/login?next={path}"' in button.group(0), path
    auth.login("other")
    for path, kind in ((f"/notes/{world['note']}", "note"), (f"/products/{world['product']}", "product"),
                       ("/u/creator", "profile")):
        html = client.get(path).get_data(as_text=True)
        assert f'name="kind" value="{kind}"' in html and 'action="/share"' in html, path


def test_anonymous_share_post_goes_to_login_with_a_safe_next(client, world):
    response = client.post("/share", data={"kind": "note", "id": world["note"]},
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/"
    response = client.post("/share", data={"kind": "note", "id": world["note"]},
                           headers={"Referer": f"http://localhost/notes/{world['note']}"})
    assert response.headers["Location"] == f"/login?next=/notes/{world['note']}"


@pytest.mark.parametrize("data", [{"kind": "cat", "id": "1"}, {"kind": "note", "id": "abc"}, {"kind": "note"},
                                  {"kind": "note", "id": "99999999"}])
def test_bad_share_requests_are_4xx(client, auth, world, data):
    auth.login("other")
    assert client.post("/share", data=data).status_code in (400, 404)


def test_share_requires_csrf(client, auth, world, csrf_enabled):
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "other", "password": DEFAULT_PASSWORD,
                                "csrf_token": csrf_token_from(login_page)})
    assert client.post("/share", data={"kind": "note", "id": world["note"]}).status_code == 400
    token = csrf_token_from(client.get(f"/notes/{world['note']}").get_data(as_text=True))
    response = client.post("/share", data={"kind": "note", "id": world["note"], "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/share/")


# ---- following a link ----

def test_a_link_redirects_to_its_target_keeps_the_touch_and_counts_the_visit(app, client, auth, world):
    auth.login("creator")
    note_code = _share(client, "note", world["note"])
    product_code = _share(client, "product", world["product"])
    profile_code = _share(client, "profile", _link(app, note_code).sharer_id)
    auth.logout()
    visitor = app.test_client()
    response = visitor.get(f"/s/{note_code}?next=https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == f"/notes/{world['note']}"
    assert _ref(visitor)["code"] == note_code
    assert visitor.get(f"/s/{product_code}").headers["Location"] == f"/products/{world['product']}"
    assert visitor.get(f"/s/{profile_code}").headers["Location"] == "/u/creator"
    assert _ref(visitor)["code"] == note_code  # the first touch stays
    assert _link(app, note_code).visit_count == 1
    assert _link(app, product_code).visit_count == 1


def test_unknown_links_are_404_pages(client, auth, world):
    for path in ("/s/nope2345", "/s/nope2345/poster.png", "/groups/999999", "/s/" + "x" * 40):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["Content-Type"]
    assert client.get("/share/nope2345").status_code == 302  # log in first
    auth.login("other")
    assert client.get("/share/nope2345").status_code == 404


def test_first_touch_is_replaced_after_the_window(app, client, auth, world):
    auth.login("creator")
    first = _share(client, "note", world["note"])
    auth.logout()
    auth.login("other")
    second = _share(client, "product", world["product"])
    auth.logout()
    visitor = app.test_client()
    cookie = visitor.get(f"/s/{first}").headers["Set-Cookie"]
    # Its own cookie, lasting the window, so closing the browser does not forget who brought them.
    assert f"Max-Age={app.config['REFERRAL_WINDOW_DAYS'] * 86400}" in cookie and "HttpOnly" in cookie
    visitor.get(f"/s/{second}")
    assert _ref(visitor)["code"] == first
    days = app.config["REFERRAL_WINDOW_DAYS"]  # the touch is REFERRAL_WINDOW_DAYS + 1 hour old now
    _set_ref(visitor, {**_ref(visitor), "at": (utcnow() - timedelta(days=days, hours=1)).isoformat()})
    visitor.get(f"/s/{second}")
    assert _ref(visitor)["code"] == second
    visitor.set_cookie("zc_ref", "forged." + _ref(visitor)["code"])  # a cookie not signed by us counts nothing
    visitor.get(f"/s/{first}")
    assert _ref(visitor)["code"] == first


def test_the_sharers_own_visit_neither_counts_nor_touches(app, client, auth, world):
    auth.login("creator")
    code = _share(client, "note", world["note"])
    assert client.get(f"/s/{code}").status_code == 302
    assert _link(app, code).visit_count == 0
    assert _ref(client) is None


def test_sign_up_through_a_link_makes_a_referral_shown_to_the_referrer(app, client, auth, world):
    from app.sharing.models import Referral

    auth.login("creator")
    code = _share(client, "note", world["note"])
    auth.logout()
    newcomer = app.test_client()
    newcomer.get(f"/s/{code}")
    _register(newcomer, "newbie", "新朋友")
    plain = app.test_client()  # no link followed: no referral
    _register(plain, "walkin")
    with app.app_context():
        rows = db.session.execute(select(Referral.referred_id, Referral.link_id)).all()
    assert len(rows) == 1 and rows[0][1] == _link(app, code).id
    html = client.get("/me/referrals")
    assert html.status_code == 302  # logged out
    auth.login("creator")
    html = client.get("/me/referrals").get_data(as_text=True)
    assert re.search(r'data-testid="summary-referrals">1<', html)
    assert 'data-username="newbie"' in html and "新朋友" in html
    assert re.search(r'data-testid="link-visits">1<', html) and re.search(r'data-testid="link-signups">1<', html)
    sheet = client.get(f"/share/{code}").get_data(as_text=True)
    assert re.search(r'data-testid="count-signups">1<', sheet)
    assert 'data-testid="my-referrals"' in client.get("/u/creator").get_data(as_text=True)


# ---- poster ----

def test_the_poster_is_a_png_whose_qr_code_is_the_short_link(app, client, auth, world):
    auth.login("creator")
    code = _share(client, "note", world["note"])
    auth.logout()
    response = client.get(f"/s/{code}/poster.png")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG" and image.size == (750, 1334)
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [f"http://localhost/s/{code}"]
    # The note's photo (made by make_note in (0, 120, 200)) is the cover, not the placeholder.
    red, green, blue = image.convert("RGB").getpixel((375, 300))
    assert red < 30 and 100 < green < 140 and blue > 170
    assert _link(app, code).visit_count == 0  # fetching the poster is not a visit


def test_a_poster_of_a_hidden_target_is_a_404(app, client, auth, world):
    from app.notes.models import Note

    auth.login("creator")
    code = _share(client, "note", world["note"])
    with app.app_context():
        db.session.get(Note, world["note"]).hidden_at = utcnow()
        db.session.commit()
    assert client.get(f"/s/{code}/poster.png").status_code == 404


# ---- groups ----

def _start_group(client, product) -> tuple[int, int]:
    response = _checkout(client, product, "?start=1")
    assert response.status_code == 302, response.get_data(as_text=True)
    order_id = _order_id(response.headers["Location"])
    html = client.get(f"/orders/{order_id}").get_data(as_text=True)
    group_id = int(re.search(r'href="/groups/(\d+)" data-testid="order-group"', html).group(1))
    return order_id, group_id


def test_group_page_shows_needed_members_and_deadline_and_fills(app, client, auth, world, make_user):
    make_user("bob", display_name="小波")
    make_user("cat", display_name="阿貓")
    auth.login("creator")
    product_page = client.get(f"/products/{world['product']}").get_data(as_text=True)
    assert 'data-testid="start-group"' in product_page and 'data-testid="no-open-groups"' in product_page
    checkout = client.get(f"/products/{world['product']}/buy?start=1").get_data(as_text=True)
    assert 'data-cents="9900"' in checkout and 'name="quantity" value="1"' in checkout
    order_id, group_id = _start_group(client, world["product"])
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)
    assert re.search(r'data-testid="group-needed" data-needed="3"', page)
    assert re.search(r'data-username="creator" data-status="pending"', page)
    deadline = re.search(r'<time datetime="([^"]+)" data-countdown', page).group(1)
    assert abs(_parse(deadline) - (utcnow() + timedelta(hours=app.config["GROUP_BUY_HOURS"]))) < timedelta(minutes=1)
    assert 'data-testid="pay-seat"' in page and 'data-testid="join-group"' not in page
    _pay(client, order_id)
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)
    assert 'data-needed="2"' in page and 'data-username="creator" data-status="paid"' in page
    assert f'data-group-id="{group_id}"' in client.get(f"/products/{world['product']}").get_data(as_text=True)

    orders = [order_id]
    for name in ("bob", "cat"):
        auth.logout()
        auth.login(name)
        page = client.get(f"/groups/{group_id}").get_data(as_text=True)
        assert f'href="/products/{world["product"]}/buy?group={group_id}"' in page
        response = _checkout(client, world["product"], f"?group={group_id}")
        assert response.status_code == 302, response.get_data(as_text=True)
        orders.append(_order_id(response.headers["Location"]))
        _pay(client, orders[-1])
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)
    assert 'data-status="filled"' in page and 'data-testid="group-filled"' in page
    assert page.count('data-testid="group-member"') == 3 and 'data-status="pending"' not in page
    notes = client.get("/notifications").get_data(as_text=True)
    assert 'data-kind="group_filled"' in notes
    # Joining a full group is refused with a page that says so, not a 500.
    auth.logout()
    auth.login("other")
    closed = client.get(f"/products/{world['product']}/buy?group={group_id}")
    assert closed.status_code == 200 and 'data-testid="group-closed"' in closed.get_data(as_text=True)
    assert _checkout_post_only(client, world["product"], f"?group={group_id}").status_code == 409


def _checkout_post_only(client, product, query):
    page = client.get(f"/products/{product}/buy")
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True))
    return client.post(f"/products/{product}/buy{query}", data={"quantity": 1, "idempotency_key": key.group(1),
                                                                **SHIPPING})


def _parse(value):
    from datetime import datetime

    return datetime.fromisoformat(value)


def test_an_expired_group_shows_it_and_refunds_its_members(app, client, auth, world):
    from app.sharing.models import GroupBuy

    auth.login("creator")
    order_id, group_id = _start_group(client, world["product"])
    _pay(client, order_id)
    with app.app_context():
        db.session.get(GroupBuy, group_id).deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)  # the lazy half of expiry
    assert 'data-status="expired"' in page and 'data-testid="group-expired"' in page
    assert 'data-username="creator" data-status="refunded"' in page
    assert 'data-status="refunded"' in client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-kind="group_expired"' in client.get("/notifications").get_data(as_text=True)


def test_a_group_of_another_product_is_a_404(client, auth, world):
    auth.login("creator")
    _order, group_id = _start_group(client, world["product"])
    assert client.get(f"/products/{world['cheap']}/buy?group={group_id}").status_code == 404


# ---- credit and vouchers ----

def _earn_reward(app, client, auth, world, monkeypatch) -> None:
    """creator refers newbie; newbie buys the cheap product, it completes and the window passes."""
    from app.sharing.service import settle_rewards

    monkeypatch.setitem(app.config, "REFERRAL_VOUCHER_EVERY", 1)
    auth.login("creator")
    code = _share(client, "note", world["note"])
    auth.logout()
    buyer = app.test_client()
    buyer.get(f"/s/{code}")
    _register(buyer, "newbie")
    response = _checkout(buyer, world["cheap"])
    order_id = _order_id(response.headers["Location"])
    _pay(buyer, order_id)
    seller = app.test_client()
    seller.post("/login", data={"username": "seller", "password": DEFAULT_PASSWORD})
    assert seller.post(f"/orders/{order_id}/ship", data={"tracking_number": "SF1"}).status_code == 302
    assert buyer.post(f"/orders/{order_id}/confirm").status_code == 302
    html = buyer.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-testid="refund-window"' in html
    with app.app_context():
        assert settle_rewards(db.session) == 0  # still inside the refund window
        later = utcnow() + timedelta(days=app.config["REFUND_WINDOW_DAYS"], hours=1)
        assert settle_rewards(db.session, now=later) == 1
        assert settle_rewards(db.session, now=later) == 0  # exactly once


def test_referrals_page_shows_the_reward_credit_and_voucher(app, client, auth, world, monkeypatch):
    _earn_reward(app, client, auth, world, monkeypatch)
    auth.login("creator")
    html = client.get("/me/referrals").get_data(as_text=True)
    amount = app.config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"]
    assert html.count('data-testid="reward"') == 1
    assert f'data-testid="summary-paid" data-cents="{amount}"' in html
    assert f'data-testid="summary-credit" data-cents="{amount}"' in html
    assert re.search(r'data-testid="summary-customers">1<', html)
    assert 'data-testid="voucher" data-state="unused"' in html
    assert re.search(r'data-testid="link-buyers">1<', html)
    assert 'data-kind="referral_reward"' in client.get("/notifications").get_data(as_text=True)


def test_checkout_with_credit_and_a_voucher(app, client, auth, world, monkeypatch):
    from app.sharing.models import Voucher

    _earn_reward(app, client, auth, world, monkeypatch)
    auth.login("creator")
    page = client.get(f"/products/{world['product']}/buy").get_data(as_text=True)
    credit = app.config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"]
    assert 'data-testid="credit-available"' in page and f'data-credit-cents="{credit}"' in page
    with app.app_context():
        voucher = db.session.scalar(select(Voucher))
    assert f'<option value="{voucher.id}" data-amount="{voucher.amount_cents}"' in page
    response = _checkout(client, world["product"], use_credit="y", voucher=str(voucher.id))
    assert response.status_code == 302 and "/pay" in response.headers["Location"]
    order_id = _order_id(response.headers["Location"])
    html = client.get(f"/orders/{order_id}").get_data(as_text=True)
    due = 12900 - voucher.amount_cents - credit
    assert f'data-testid="order-credit" data-cents="{credit}"' in html
    assert f'data-testid="order-discount" data-cents="{voucher.amount_cents}"' in html
    assert f'data-testid="order-amount-due" data-cents="{due}"' in html
    _pay(client, order_id)
    assert 'data-status="paid"' in client.get(f"/orders/{order_id}").get_data(as_text=True)
    # The voucher is used and the credit spent.
    page = client.get(f"/products/{world['product']}/buy").get_data(as_text=True)
    assert 'data-testid="credit-available"' not in page and f'<option value="{voucher.id}"' not in page


def test_credit_that_covers_the_order_pays_it_at_once(app, client, auth, world, monkeypatch):
    _earn_reward(app, client, auth, world, monkeypatch)
    auth.login("creator")
    response = _checkout(client, world["cheap"], use_credit="y")  # 15.00, credit 20.00
    assert response.status_code == 302 and "/pay" not in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-status="paid"' in html and 'data-testid="order-amount-due" data-cents="0"' in html


def test_an_unusable_voucher_is_a_field_error(app, client, auth, world):
    auth.login("creator")
    response = _checkout(client, world["product"], voucher="12345")
    assert response.status_code == 400
    assert "data-testid=\"field-error\"" in response.get_data(as_text=True)


# ---- group offer on the product form ----

@pytest.mark.parametrize(("group_price", "group_size", "field"), [
    ("29.90", "", "group_size"), ("", "3", "group_price"), ("39.90", "3", "group_price"),
    ("0", "3", "group_price"), ("29.90", "1", "group_size"), ("29.90", "99", "group_size"),
    ("abc", "3", "group_price"), ("29.90", "x", "group_size"),
])
def test_group_offer_is_both_or_neither_and_below_the_price(client, auth, world, group_price, group_size, field):
    auth.login("seller")
    response = client.post("/products/new", data={"name": "營燈", "price": "39.90", "currency": "CNY", "stock": "5",
                                                 "commission": "0", "group_price": group_price,
                                                 "group_size": group_size})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'data-testid="product-{field.replace("_", "-")}"[^>]*aria-invalid="true"|'
                     rf'aria-invalid="true"[^>]*data-testid="product-{field.replace("_", "-")}"', html), html[:3000]


def test_seller_sets_and_clears_a_group_offer(app, client, auth, world):
    from app.catalog.models import Product

    auth.login("seller")
    response = client.post("/products/new", data={"name": "營燈", "price": "39.90", "currency": "CNY", "stock": "5",
                                                 "commission": "0", "group_price": "29.90", "group_size": "3"})
    assert response.status_code == 302
    product_id = int(re.search(r"/products/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert (product.group_price_cents, product.group_size) == (2990, 3)
    form = client.get(f"/products/{product_id}/edit").get_data(as_text=True)
    assert 'value="29.90"' in form
    assert re.search(r'name="group_size"[^>]*value="3"|value="3"[^>]*name="group_size"', form)
    response = client.post(f"/products/{product_id}/edit", data={
        "name": "營燈", "price": "39.90", "currency": "CNY", "stock": "5", "commission": "0", "is_listed": "y",
        "group_price": "", "group_size": ""})
    assert response.status_code == 302
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert (product.group_price_cents, product.group_size) == (None, None)
