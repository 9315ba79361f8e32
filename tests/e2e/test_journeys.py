"""Whole journeys through real Chromium, each on a phone and on a desktop: a reader browses,
searches in both scripts and follows; a creator posts photos with a product; a buyer buys from a
note and the creator sees the commission; the language switcher. Screenshots of every key step go
to $SCREENSHOT_DIR (default test-artifacts/screenshots/); a console error or a 5xx fails the test
(the `journey` fixture in tests/e2e/conftest.py)."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.db import db
from app.search import outbox
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def _drain_search_outbox(app) -> None:
    with app.app_context():  # fixtures write outside a request: apply the outbox as a request would
        outbox.drain(db.session)


def _card(scope, note_id):
    return scope.locator(f'[data-testid="note-card"][data-note-id="{note_id}"]')


def test_reader_journey(journey, app, make_user, make_note):
    make_user("hiker", display_name="山友阿傑")
    make_user("barista", display_name="咖啡師小周")
    make_user("reader", display_name="週末讀者")
    # Written in Traditional only: the Simplified query 露营 must find it through folding, not by chance.
    camping = make_note("hiker", title="新手露營裝備清單", body="第一次去露營要帶什麼？帳篷睡袋都在這 #戶外")
    coffee = make_note("barista", title="手沖咖啡入門", body="磨豆粗細怎麼選 #咖啡")
    _drain_search_outbox(app)

    page = journey.new_page()
    log_in(page, "reader")
    journey.nav(page).get_by_test_id("tab-discover").click()                      # 1. Discover
    page.wait_for_url(re.compile(r".*/discover$"))
    feed = page.get_by_test_id("feed")
    expect(feed).to_have_attribute("data-kind", "discover")
    expect(page.locator(".masonry-column").first).to_be_visible()  # the waterfall is laid out
    for note_id in (camping, coffee):
        card = _card(feed, note_id)
        expect(card).to_be_visible()
        expect(card.locator("img.note-card-cover")).to_be_visible()
    journey.shot(page, "discover")

    search_box = page.get_by_test_id("topbar-search")                             # 2. Traditional
    search_box.fill("露營")
    search_box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=.*"))
    results = page.get_by_test_id("search-results")
    expect(results.get_by_test_id("note-card")).to_have_count(1)
    expect(_card(results, camping)).to_be_visible()
    journey.shot(page, "search-traditional")

    page.get_by_test_id("search-input").fill("露营")                              # 3. Simplified
    page.get_by_test_id("search-input").press("Enter")
    page.wait_for_url(re.compile(r".*q=%E9%9C%B2%E8%90%A5.*"))
    expect(page.get_by_test_id("search-input")).to_have_value("露营")
    expect(results.get_by_test_id("note-card")).to_have_count(1)
    expect(_card(results, camping)).to_be_visible()  # the same note
    journey.shot(page, "search-simplified")

    _card(results, camping).get_by_test_id("note-card-author").click()           # 4. the creator's profile
    page.wait_for_url(re.compile(r".*/u/hiker$"))
    profile = page.get_by_test_id("profile")
    follow = profile.get_by_test_id("follow-button")
    expect(follow).to_have_attribute("aria-pressed", "false")
    label_before = follow.inner_text()
    follow.click()                                                                # 5. follow
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(follow).not_to_have_text(label_before)
    journey.shot(page, "followed")
    page.reload()
    expect(follow).to_have_attribute("aria-pressed", "true")  # saved, not just repainted
    expect(profile.get_by_test_id("followers-count").locator("strong")).to_have_text("1")

    journey.nav(page).get_by_test_id("tab-home").click()                          # 6. Home follows them
    page.wait_for_url(re.compile(r".*/$"))
    feed = page.get_by_test_id("feed")
    expect(feed).to_have_attribute("data-kind", "following")
    expect(_card(feed, camping)).to_be_visible()
    expect(_card(feed, coffee)).to_have_count(0)
    journey.shot(page, "home")


def test_creator_journey(journey, make_user, make_product, tmp_path):
    make_user("tea_shop", display_name="山茶鋪")
    make_user("tea_creator", display_name="茶控小林")
    product = make_product("tea_shop", name="阿里山高山烏龍 150g", price_cents=68000, stock=3, commission_bps=800,
                           images=1)
    png, jpeg = tmp_path / "leaves.png", tmp_path / "cup.jpg"
    Image.new("RGB", (900, 1200), (60, 140, 80)).save(png, "PNG")
    Image.new("RGB", (1200, 900), (200, 160, 90)).save(jpeg, "JPEG", quality=85)

    page = journey.new_page()
    log_in(page, "tea_creator")
    journey.nav(page).get_by_test_id("tab-post").click()                          # 1. the editor
    page.wait_for_url(re.compile(r".*/notes/new$"))
    page.get_by_test_id("note-images").set_input_files([str(png), str(jpeg)])
    page.get_by_test_id("note-title").fill("今年喝過最好的烏龍")
    page.get_by_test_id("note-body").fill("回甘很明顯，冷泡也好喝 #烏龍茶")
    page.get_by_test_id("note-tags").fill("台灣茶, 冷泡")
    page.get_by_test_id("note-product").fill(f"/products/{product}")             # 2. a product paying commission
    page.get_by_test_id("note-rating").select_option("5")
    journey.shot(page, "editor")
    page.get_by_test_id("publish").click()                                        # 3. publish

    page.wait_for_url(re.compile(r".*/notes/\d+$"))
    photos = page.get_by_test_id("note-photo")
    expect(photos).to_have_count(2)
    first = photos.first
    expect(first).to_be_visible()
    assert first.evaluate("img => img.complete && img.naturalWidth > 0")  # a real, decoded photo
    for src in photos.evaluate_all("imgs => imgs.map(i => i.src)"):
        response = page.request.get(src)
        assert response.status == 200 and response.headers["content-type"].startswith("image/")
    expect(page.get_by_test_id("note-title")).to_have_text("今年喝過最好的烏龍")
    expect(page.get_by_test_id("note-body").locator("a.hashtag")).to_have_text("#烏龍茶")
    expect(page.get_by_test_id("note-tag")).to_have_count(2)
    assert sorted(page.get_by_test_id("note-tag").all_inner_texts()) == sorted(["#台灣茶", "#冷泡"])
    expect(page.get_by_test_id("note-rating")).to_have_text("★★★★★")
    card = page.get_by_test_id("product-card")
    expect(card).to_have_attribute("data-product-id", str(product))
    expect(card.get_by_test_id("product-name")).to_have_text("阿里山高山烏龍 150g")
    expect(card.get_by_test_id("commission-disclosure")).to_contain_text("8%")
    expect(page.get_by_test_id("ad-label")).to_be_visible()  # the commission makes it an ad, automatically
    journey.shot(page, "note")


def test_buyer_commission_journey(journey, app, make_user, make_product, make_note):
    make_user("tea_shop", display_name="山茶鋪")
    make_user("tea_creator", display_name="茶控小林")
    make_user("tea_buyer", display_name="讀者阿美")
    product = make_product("tea_shop", name="阿里山高山烏龍 150g", price_cents=68000, stock=3, commission_bps=800,
                           images=1)
    note = make_note("tea_creator", title="今年喝過最好的烏龍", body="回甘很明顯 #烏龍茶", product_id=product, rating=5,
                     images=2)
    _drain_search_outbox(app)

    buyer = journey.new_page()
    log_in(buyer, "tea_buyer")
    journey.nav(buyer).get_by_test_id("tab-discover").click()                     # 1. finds the note
    _card(buyer.get_by_test_id("feed"), note).get_by_role("link").first.click()
    buyer.wait_for_url(re.compile(rf".*/notes/{note}$"))
    card = buyer.get_by_test_id("product-card")
    expect(card.get_by_test_id("commission-disclosure")).to_contain_text("8%")
    journey.shot(buyer, "note")

    card.get_by_test_id("buy-button").click()                                     # 2. Buy
    buyer.wait_for_url(re.compile(rf".*/products/{product}/buy\?note={note}$"))
    buyer.get_by_test_id("checkout-quantity").fill("2")                          # 3. quantity and address
    expect(buyer.get_by_test_id("checkout-total")).to_contain_text("1,360")
    buyer.get_by_test_id("checkout-name").fill("林阿美")
    buyer.get_by_test_id("checkout-phone").fill("0912345678")
    buyer.get_by_test_id("checkout-address").fill("台中市西屯區台灣大道三段99號")
    journey.shot(buyer, "checkout")
    buyer.get_by_test_id("checkout-submit").click()
    buyer.wait_for_url(re.compile(r".*/orders/\d+/pay$"))
    expect(buyer.get_by_test_id("sandbox-notice")).to_be_visible()
    journey.shot(buyer, "sandbox-pay")
    buyer.get_by_test_id("pay-succeed").click()                                   # 4. pay in the sandbox
    buyer.wait_for_url(re.compile(r".*/orders/\d+$"))
    expect(buyer.get_by_test_id("order-status")).to_have_attribute("data-status", "paid")
    expect(buyer.get_by_test_id("order-total")).to_contain_text("1,360")
    journey.shot(buyer, "paid")

    creator = journey.new_page()                                                  # 5. the creator is told
    log_in(creator, "tea_creator")
    nav = journey.nav(creator)
    expect(nav.get_by_test_id("unread-badge")).to_have_text("1")
    nav.get_by_test_id("tab-notifications").click()
    notification = creator.locator('[data-testid="notification"][data-kind="commission"]')
    expect(notification).to_contain_text("讀者阿美")
    journey.shot(creator, "notifications")
    notification.get_by_test_id("notification-earnings").click()                 # 6. and sees the money
    creator.wait_for_url(re.compile(r".*/earnings$"))
    expect(creator.get_by_test_id("earned")).to_have_attribute("data-cents", "10880")  # 8% of 1,360.00
    row = creator.locator('[data-testid="ledger-row"][data-kind="creator_commission"]')
    expect(row).to_contain_text("阿里山高山烏龍")
    expect(row).to_contain_text("108.80")
    journey.shot(creator, "earnings")


def test_language_journey(journey):
    page = journey.new_page(locale="zh-TW")
    page.goto("/discover")
    html, nav = page.locator("html"), journey.nav(page)
    expect(html).to_have_attribute("lang", "zh-Hant")  # what the browser asks for
    expect(nav.get_by_test_id("tab-home")).to_have_accessible_name("首頁")
    expect(nav.get_by_test_id("tab-discover")).to_have_accessible_name("探索")
    journey.shot(page, "traditional")

    page.get_by_test_id("locale-select").select_option("zh_Hans")                # 1. Simplified
    expect(html).to_have_attribute("lang", "zh-Hans")
    assert page.url.endswith("/discover")  # back on the same page
    expect(nav.get_by_test_id("tab-home")).to_have_accessible_name("首页")
    expect(nav.get_by_test_id("tab-discover")).to_have_accessible_name("发现")
    expect(page.get_by_test_id("login-link")).to_have_text("登录")
    expect(page.get_by_test_id("topbar-search")).to_have_attribute("placeholder", "搜索")
    journey.shot(page, "simplified")

    page.get_by_test_id("locale-select").select_option("en")                     # 2. English
    expect(html).to_have_attribute("lang", "en")
    expect(nav.get_by_test_id("tab-home")).to_have_accessible_name("Home")
    expect(nav.get_by_test_id("tab-discover")).to_have_accessible_name("Discover")
    expect(page.get_by_test_id("login-link")).to_have_text("Log in")
    expect(page.get_by_test_id("locale-select")).to_have_value("en")
    journey.shot(page, "english")

    nav.get_by_test_id("tab-home").click()                                        # 3. it sticks
    page.wait_for_url(re.compile(r".*/$"))
    expect(html).to_have_attribute("lang", "en")
    page.get_by_test_id("login-link").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("submit")).to_have_text("Log in")
    journey.shot(page, "english-after-navigation")
