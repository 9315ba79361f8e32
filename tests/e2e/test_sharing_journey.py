"""Sharing and group buying on a phone (390×844, touch) and a desktop, real Chromium against the live server:
a creator shares a note and is rewarded exactly once for the new customer it brings; a group of
3 fills through its share link; an unfilled group expires and refunds its members. Screenshots go
to $SCREENSHOT_DIR (default test-artifacts/screenshots/) as sharing-<viewport>-<step>.png; a console
error or a 5xx fails the journey."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app.db import db, utcnow
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.conftest import VIEWPORTS, Journey, log_in

pytestmark = pytest.mark.browser

ADDRESS = {"checkout-name": "林阿美", "checkout-phone": "0912345678",
           "checkout-address": "台中市西屯區台灣大道三段99號"}


@pytest.fixture(params=list(VIEWPORTS))
def journey(request, browser, live_server):
    recorder = Journey(browser, live_server, "sharing", request.param)
    yield recorder
    recorder.close()
    recorder.check()


def _fill_address(page) -> None:
    for testid, value in ADDRESS.items():
        page.get_by_test_id(testid).fill(value)


def _pay_in_sandbox(page) -> int:
    page.wait_for_url(re.compile(r".*/orders/\d+/pay$"))
    page.get_by_test_id("pay-succeed").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "paid")
    return int(re.search(r"/orders/(\d+)$", page.url).group(1))


def _share_sheet_path(page) -> str:
    """Tap Share on the current page; returns the short link's path from the share sheet."""
    page.get_by_test_id("share-button").first.click()
    page.wait_for_url(re.compile(r".*/share/\w+$"))
    url = page.get_by_test_id("share-url").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/s/\w+", url), url
    return urlsplit(url).path


def _log_in_here(page, username) -> None:
    """Log in on the login page we were sent to, which then sends us on (its `next`)."""
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(DEFAULT_PASSWORD)
    page.get_by_test_id("submit").click()


def _order_statuses(app, ids) -> list[str]:
    from app.orders.models import Order

    with app.app_context():
        return [db.session.get(Order, order_id).status for order_id in ids]


def test_a_shared_note_brings_a_customer_and_the_creator_is_rewarded_once(journey, app, make_user, make_product,
                                                                          make_note):
    from app.accounts.service import find_user
    from app.orders import service as orders
    from app.sharing.service import settle_rewards

    make_user("camp_shop", display_name="山系小舖")
    make_user("camp_creator", display_name="露營達人阿杰")
    product = make_product("camp_shop", name="鈦金屬保溫杯", price_cents=12900, stock=5, commission_bps=500, images=1)
    note = make_note("camp_creator", title="爬山必帶的保溫杯", body="保溫十二小時 #登山", product_id=product, rating=5)

    creator = journey.new_page()
    log_in(creator, "camp_creator")
    creator.goto(f"/notes/{note}")
    expect(creator.get_by_test_id("share-button")).to_be_visible()
    journey.shot(creator, "note")
    short_path = _share_sheet_path(creator)                                      # 1. share the note
    poster = creator.get_by_test_id("poster")
    expect(poster).to_be_visible()
    assert creator.evaluate("(img) => img.complete && img.naturalWidth", poster.element_handle()) == 750
    expect(creator.get_by_test_id("download-poster")).to_have_attribute("download", re.compile(r".+\.png$"))
    copy = creator.get_by_test_id("copy-link")
    journey.press(copy)
    expect(copy).to_have_text(copy.get_attribute("data-copied-label"))           # says it copied
    journey.shot(creator, "share-sheet")

    newcomer = journey.new_page()                                                # 2. a stranger opens the link
    newcomer.goto(short_path)
    newcomer.wait_for_url(re.compile(rf".*/notes/{note}$"))
    expect(newcomer.get_by_test_id("note-title")).to_have_text("爬山必帶的保溫杯")
    journey.shot(newcomer, "newcomer-note")
    journey.press(newcomer.get_by_test_id("product-card").get_by_test_id("buy-button"))
    newcomer.wait_for_url(re.compile(r".*/login\?next=.*"))
    journey.press(newcomer.get_by_role("link", name="註冊").last)                # 3. signs up
    newcomer.wait_for_url(re.compile(r".*/register\?next=.*"))
    newcomer.get_by_test_id("username").fill("new_hiker")
    newcomer.get_by_test_id("display-name").fill("新手小美")
    newcomer.get_by_test_id("password").fill(DEFAULT_PASSWORD)
    journey.press(newcomer.get_by_test_id("submit"))
    newcomer.wait_for_url(re.compile(rf".*/products/{product}/buy\?note={note}$"))  # back to the purchase
    _fill_address(newcomer)
    journey.shot(newcomer, "newcomer-checkout")
    journey.press(newcomer.get_by_test_id("checkout-submit"))                    # 4. buys through the note
    order_id = _pay_in_sandbox(newcomer)

    with app.app_context():                                                      # 5. shipped, received
        orders.transition_order(db.session, find_user(db.session, "camp_shop"), order_id, "ship", tracking="SF123")
    newcomer.reload()
    journey.press(newcomer.get_by_test_id("action-confirm"))
    expect(newcomer.get_by_test_id("order-status")).to_have_attribute("data-status", "completed")
    expect(newcomer.get_by_test_id("refund-window")).to_be_visible()
    journey.shot(newcomer, "newcomer-completed")

    creator.goto("/me/referrals")                                                # inside the refund window: pending
    expect(creator.get_by_test_id("summary-referrals")).to_have_text("1")
    expect(creator.get_by_test_id("summary-pending")).not_to_have_attribute("data-cents", "0")
    expect(creator.get_by_test_id("reward")).to_have_count(0)
    with app.app_context():                                                      # 6. the refund window passes
        later = utcnow() + timedelta(days=app.config["REFUND_WINDOW_DAYS"], hours=1)
        assert settle_rewards(db.session, now=later) == 1
        assert settle_rewards(db.session, now=later) == 0  # a second run pays nothing
    creator.goto("/u/camp_creator")
    journey.press(creator.get_by_test_id("my-referrals"))
    creator.wait_for_url(re.compile(r".*/me/referrals$"))
    amount = str(app.config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"])
    expect(creator.get_by_test_id("reward")).to_have_count(1)                    # exactly once
    expect(creator.get_by_test_id("summary-paid")).to_have_attribute("data-cents", amount)
    expect(creator.get_by_test_id("summary-credit")).to_have_attribute("data-cents", amount)
    expect(creator.get_by_test_id("summary-customers")).to_have_text("1")
    link_row = creator.get_by_test_id("share-link")
    expect(link_row.get_by_test_id("link-visits")).to_have_text("1")
    expect(link_row.get_by_test_id("link-signups")).to_have_text("1")
    expect(link_row.get_by_test_id("link-buyers")).to_have_text("1")
    journey.shot(creator, "referrals")

    creator.goto(f"/products/{product}/buy")                                     # 7. spends the credit
    expect(creator.get_by_test_id("checkout-due")).to_be_hidden()
    creator.get_by_test_id("checkout-use-credit").check()
    expect(creator.get_by_test_id("checkout-due")).to_be_visible()
    expect(creator.get_by_test_id("checkout-due")).to_contain_text("109.00")     # 129.00 less 20.00 of credit
    _fill_address(creator)
    journey.shot(creator, "checkout-with-credit")
    journey.press(creator.get_by_test_id("checkout-submit"))
    _pay_in_sandbox(creator)
    expect(creator.get_by_test_id("order-credit")).to_have_attribute("data-cents", amount)
    expect(creator.get_by_test_id("order-amount-due")).to_have_attribute("data-cents", str(12900 - int(amount)))


def _start_group_and_share(journey, product) -> tuple[object, int, int, str]:
    leader = journey.new_page()
    log_in(leader, "leader")
    leader.goto(f"/products/{product}")
    expect(leader.get_by_test_id("no-open-groups")).to_be_visible()
    journey.shot(leader, "product-group-offer")
    journey.press(leader.get_by_test_id("start-group"))                          # start a group of 3
    leader.wait_for_url(re.compile(rf".*/products/{product}/buy\?start=1$"))
    expect(leader.get_by_test_id("checkout-total")).to_contain_text("99")        # the group price
    _fill_address(leader)
    journey.shot(leader, "group-checkout")
    journey.press(leader.get_by_test_id("checkout-submit"))
    order_id = _pay_in_sandbox(leader)
    journey.press(leader.get_by_test_id("order-group"))
    leader.wait_for_url(re.compile(r".*/groups/\d+$"))
    group_id = int(re.search(r"/groups/(\d+)$", leader.url).group(1))
    expect(leader.get_by_test_id("group-needed")).to_have_attribute("data-needed", "2")
    return leader, order_id, group_id, _share_sheet_path(leader)


def _join_through(journey, short_path, username, group_id) -> int:
    page = journey.new_page()
    page.goto(short_path)
    page.wait_for_url(re.compile(rf".*/groups/{group_id}$"))
    journey.press(page.get_by_test_id("join-group"))
    _log_in_here(page, username)
    page.wait_for_url(re.compile(rf".*/buy\?group={group_id}$"))
    expect(page.get_by_test_id("group-terms")).to_be_visible()
    _fill_address(page)
    journey.press(page.get_by_test_id("checkout-submit"))
    return _pay_in_sandbox(page)


@pytest.fixture
def group_world(make_user, make_product):
    make_user("fruit_shop", display_name="果園直送")
    for name, display in (("leader", "團長小林"), ("bee", "小蜜蜂"), ("cee", "阿西")):
        make_user(name, display_name=display)
    return make_product("fruit_shop", name="愛文芒果 5 斤", price_cents=15900, stock=10, commission_bps=0, images=1,
                        group_price_cents=9900, group_size=3)


def test_a_group_of_three_fills_through_its_share_link(journey, app, group_world):
    from app.orders import states

    product = group_world
    leader, first, group_id, short_path = _start_group_and_share(journey, product)
    journey.shot(leader, "group-share-sheet")
    leader.goto(f"/groups/{group_id}")
    expect(leader.get_by_test_id("countdown")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))  # the live countdown
    journey.shot(leader, "group-open")

    orders = [first] + [_join_through(journey, short_path, name, group_id) for name in ("bee", "cee")]
    leader.reload()
    group = leader.get_by_test_id("group")
    expect(group).to_have_attribute("data-status", "filled")
    expect(leader.get_by_test_id("group-filled")).to_be_visible()
    expect(leader.locator('[data-testid="group-member"][data-status="paid"]')).to_have_count(3)
    journey.shot(leader, "group-filled")
    assert _order_statuses(app, orders) == ["paid"] * 3

    seller = journey.new_page()                                                  # the seller may ship all three
    log_in(seller, "fruit_shop")
    for order_id in orders:
        seller.goto(f"/orders/{order_id}")
        expect(seller.get_by_test_id("action-ship")).to_be_visible()
    assert "ship" in states.allowed_actions("paid", states.SELLER, refund_requested=False)
    journey.shot(seller, "group-seller-order")


def test_an_unfilled_group_expires_and_refunds_its_members(journey, app, group_world):
    from app.sharing.models import GroupBuy

    product = group_world
    leader, first, group_id, short_path = _start_group_and_share(journey, product)
    second = _join_through(journey, short_path, "bee", group_id)
    leader.goto(f"/groups/{group_id}")
    expect(leader.get_by_test_id("group-needed")).to_have_attribute("data-needed", "1")
    with app.app_context():                                                      # the deadline passes
        db.session.get(GroupBuy, group_id).deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    leader.reload()
    expect(leader.get_by_test_id("group")).to_have_attribute("data-status", "expired")
    expect(leader.get_by_test_id("group-expired")).to_be_visible()
    expect(leader.locator('[data-testid="group-member"][data-status="refunded"]')).to_have_count(2)
    journey.shot(leader, "group-expired")
    assert _order_statuses(app, [first, second]) == ["refunded", "refunded"]
    leader.goto(f"/orders/{first}")
    expect(leader.get_by_test_id("order-status")).to_have_attribute("data-status", "refunded")
    leader.goto("/notifications")
    expect(leader.locator('[data-testid="notification"][data-kind="group_expired"]')).to_be_visible()
    journey.shot(leader, "group-expired-notification")
