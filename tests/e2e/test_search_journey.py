"""A reader searches from the top bar on a phone: types Simplified, gets suggestions, lands on
the results, finds the Traditional note with the word marked, switches to products and filters
to what is in stock. Real Chromium, the real index, data made through the services."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from app.db import db
from app.search import outbox
from tests.conftest import DESKTOP

pytestmark = pytest.mark.browser


@pytest.fixture
def lipstick_world(app, make_user, make_product, make_note):
    make_user("beauty_shop", display_name="美妝小舖")
    make_user("lip_creator", display_name="口紅研究所")
    make_user("camper", display_name="露營阿明")
    in_stock = make_product("beauty_shop", name="絲絨霧面口紅 #520", price_cents=26000, stock=4, images=1,
                            description="持色一整天")
    sold_out = make_product("beauty_shop", name="水光唇釉口紅 限定色", price_cents=32000, stock=0, images=1)
    make_product("beauty_shop", name="保濕面霜", price_cents=59000, stock=9)
    note = make_note("lip_creator", title="秋冬必備口紅色號", body="這支口紅顯白又持久 #口紅 #秋冬",
                     product_id=in_stock, rating=5)
    other = make_note("camper", title="新手露營裝備", body="帳篷和睡袋怎麼挑 #露營")
    with app.app_context():  # fixtures write outside a request: apply the outbox as a request would
        outbox.drain(db.session)
    return {"in_stock": in_stock, "sold_out": sold_out, "note": note, "other": other}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_search_from_the_top_bar_on_a_phone(phone_page, lipstick_world, artifacts_dir):
    page = phone_page
    page.goto("/discover")
    box = page.get_by_test_id("topbar-search")
    expect(box).to_be_visible()
    box.click()
    box.press_sequentially("口红", delay=60)                                     # 1. types Simplified

    suggestions = page.locator("datalist#topbar-suggestions > option")         # 2. suggestions arrive
    expect(suggestions).not_to_have_count(0)
    labels = suggestions.evaluate_all("options => options.map(o => o.label || o.value)")
    assert "#口紅" in labels  # the tag, shown in Traditional to a zh-TW reader
    assert any("絲絨霧面口紅" in label for label in labels)  # and the product
    assert not any("面霜" in label for label in labels)
    page.screenshot(path=artifacts_dir / "search-suggestions-phone.png")

    box.press("Enter")                                                           # 3. searches
    page.wait_for_url(re.compile(r".*/search\?q=.*"))
    assert parse_qs(urlparse(page.url).query)["q"] == ["口红"]
    expect(page.get_by_test_id("search-input")).to_have_value("口红")
    results = page.get_by_test_id("search-results")
    card = results.locator(f'[data-testid="note-card"][data-note-id="{lipstick_world["note"]}"]')
    expect(card).to_be_visible()                                                 # 4. the Traditional note
    expect(results.get_by_test_id("note-card")).to_have_count(1)
    expect(card.locator("h3 mark")).to_have_text("口紅")
    expect(card.get_by_test_id("snippet")).to_contain_text("顯白又持久")
    expect(card.get_by_test_id("snippet").locator("mark").first).to_have_text("口紅")
    mark_colour = card.locator("h3 mark").evaluate("m => getComputedStyle(m).backgroundColor")
    title_colour = card.locator("h3").evaluate("h => getComputedStyle(h).backgroundColor")
    assert mark_colour != title_colour  # the match stands out
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts_dir / "search-notes-phone.png", full_page=True)

    page.get_by_test_id("search-kind-products").click()                          # 5. the Products tab
    page.wait_for_url(re.compile(r".*type=products.*"))
    expect(page.get_by_test_id("search-kind-products")).to_have_attribute("aria-current", "page")
    tiles = page.get_by_test_id("product-tile")
    expect(tiles).to_have_count(2)
    expect(tiles.filter(has_text="絲絨霧面")).to_have_count(1)
    expect(tiles.filter(has_text="水光唇釉")).to_have_count(1)
    expect(tiles.first.get_by_test_id("result-title").locator("mark")).to_have_text("口紅")

    form = page.get_by_test_id("search-form")                                    # 6. in stock only
    in_stock = page.get_by_test_id("filter-in-stock")
    expect(in_stock).to_be_hidden()  # filters start folded away on a small screen
    form.locator("details > summary").click()
    expect(in_stock).to_be_visible()
    in_stock.check()
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r".*in_stock=1.*"))
    query = parse_qs(urlparse(page.url).query)
    assert query["type"] == ["products"] and query["q"] == ["口红"]
    expect(tiles).to_have_count(1)
    expect(tiles.first).to_contain_text("絲絨霧面口紅")
    expect(tiles.first.locator("a")).to_have_attribute("href", f"/products/{lipstick_world['in_stock']}")
    expect(page.get_by_test_id("filter-in-stock")).to_be_checked()  # the form remembers, the panel stays open
    expect(page.get_by_test_id("filter-in-stock")).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts_dir / "search-products-in-stock-phone.png", full_page=True)

    tiles.first.locator("a").click()                                             # 7. and on to the product
    page.wait_for_url(re.compile(rf".*/products/{lipstick_world['in_stock']}$"))


def test_a_typo_on_a_phone_is_offered_a_correction(phone_page, lipstick_world):
    page = phone_page
    page.goto("/search?q=" + "露營裝被")
    expect(page.get_by_test_id("no-results")).to_be_visible()
    page.get_by_test_id("did-you-mean").get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/search\?.*"))
    expect(page.get_by_test_id("search-input")).to_have_value("露營裝備")
    expect(page.get_by_test_id("note-card")).to_have_count(1)
    expect(page.locator(f'[data-testid="note-card"][data-note-id="{lipstick_world["other"]}"]')).to_be_visible()


def test_results_page_on_a_desktop(browser, live_server, lipstick_world, artifacts_dir):
    context = browser.new_context(base_url=live_server, locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/search?q=" + "口紅")  # Traditional typed this time
        expect(page.get_by_test_id("search-page")).to_be_visible()
        expect(page.get_by_test_id("topbar-search")).to_have_count(0)  # one search box on the search page
        card = page.get_by_test_id("note-card")
        expect(card).to_have_count(1)
        expect(card.locator("h3 mark")).to_have_text("口紅")
        expect(page.get_by_test_id("search-input")).to_have_value("口紅")
        box = page.get_by_test_id("search-input").bounding_box()
        assert box["width"] >= 200
        _no_sideways_scroll(page)
        page.screenshot(path=artifacts_dir / "search-notes-desktop.png", full_page=True)

        page.get_by_test_id("search-kind-products").click()
        page.wait_for_url(re.compile(r".*type=products.*"))
        page.get_by_test_id("search-form").locator("details > summary").click()
        page.get_by_test_id("sort").select_option("price_desc")
        page.get_by_test_id("search-form").locator('button[type="submit"]').click()
        page.wait_for_url(re.compile(r".*sort=price_desc.*"))
        names = page.get_by_test_id("product-tile").get_by_test_id("result-title").all_inner_texts()
        assert [n[:4] for n in names] == ["水光唇釉", "絲絨霧面"]  # 320.00 before 260.00
        page.screenshot(path=artifacts_dir / "search-products-desktop.png", full_page=True)
    finally:
        context.close()
