"""A reader buys the product a note reviews, from inside the note, on a phone; the creator
sees the commission. Real Chromium, real database, the sandbox provider's signed webhook."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PHONE
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_buy_from_a_note_on_a_phone_and_the_creator_sees_the_commission(
        browser, live_server, make_user, make_product, make_note, artifacts_dir):
    make_user("tea_shop", display_name="山茶鋪")
    make_user("tea_creator", display_name="茶控小林")
    make_user("tea_reader", display_name="讀者阿美")
    product = make_product("tea_shop", name="阿里山高山烏龍 150g", price_cents=68000, stock=3, commission_bps=800,
                           images=1)
    note = make_note("tea_creator", title="今年喝過最好的烏龍", body="回甘很明顯 #烏龍茶", product_id=product, rating=5)

    reader_ctx = browser.new_context(base_url=live_server, locale="zh-TW", **PHONE)
    reader = reader_ctx.new_page()
    log_in(reader, "tea_reader")
    reader.goto(f"/notes/{note}")
    card = reader.get_by_test_id("product-card")
    expect(reader.get_by_test_id("ad-label")).to_be_visible()
    expect(card.get_by_test_id("commission-disclosure")).to_contain_text("8%")
    expect(card.get_by_test_id("product-price")).to_contain_text("680")
    reader.screenshot(path=artifacts_dir / "commerce-note-product-card-phone.png", full_page=True)

    card.get_by_test_id("buy-button").click()                                    # 1. Buy
    reader.wait_for_url(re.compile(r".*/products/\d+/buy\?note=\d+$"))
    reader.get_by_test_id("checkout-quantity").fill("2")                         # 2. quantity and address
    expect(reader.get_by_test_id("checkout-total")).to_contain_text("1,360")  # follows the quantity
    reader.get_by_test_id("checkout-name").fill("林阿美")
    reader.get_by_test_id("checkout-phone").fill("0912345678")
    reader.get_by_test_id("checkout-address").fill("台中市西屯區台灣大道三段99號")
    reader.screenshot(path=artifacts_dir / "commerce-checkout-phone.png", full_page=True)
    reader.get_by_test_id("checkout-submit").click()
    reader.wait_for_url(re.compile(r".*/orders/\d+/pay$"))
    expect(reader.get_by_test_id("sandbox-notice")).to_be_visible()              # honest about the sandbox
    submit = reader.get_by_test_id("pay-succeed")
    box = submit.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 44  # a thumb-sized pay button on a 390 px screen
    submit.click()                                                               # 3. pay
    reader.wait_for_url(re.compile(r".*/orders/\d+$"))                           # 4. done
    expect(reader.get_by_test_id("order-status")).to_have_attribute("data-status", "paid")
    expect(reader.get_by_test_id("order-total")).to_contain_text("1,360")
    commission_row = reader.locator('[data-testid="ledger-row"][data-kind="creator_commission"]')
    expect(commission_row).to_contain_text("@tea_creator")
    expect(commission_row).to_contain_text("108.80")  # 8% of 1,360.00, shown to the buyer too
    reader.screenshot(path=artifacts_dir / "commerce-order-paid-phone.png", full_page=True)

    creator_ctx = browser.new_context(base_url=live_server, locale="zh-TW", **PHONE)
    creator = creator_ctx.new_page()
    log_in(creator, "tea_creator")
    creator.goto("/u/tea_creator")
    creator.get_by_test_id("my-earnings").click()
    expect(creator.get_by_test_id("earned")).to_have_attribute("data-cents", "10880")
    expect(creator.locator('[data-testid="ledger-row"][data-kind="creator_commission"]')).to_contain_text("阿里山")
    creator.screenshot(path=artifacts_dir / "commerce-creator-earnings-phone.png", full_page=True)

    reader.goto(f"/notes/{note}")
    expect(reader.get_by_test_id("product-stock")).to_contain_text("1")  # 3 − 2
    reader_ctx.close()
    creator_ctx.close()
