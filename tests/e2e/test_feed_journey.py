"""A reader on a phone asks a Discover card why it is there, then the note page, in Chinese; the
ring's brushed notes sit below the honest review. Real Chromium over the imported community."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api.test_ranked_feed import world  # noqa: F401  (the imported community fixture)

pytestmark = pytest.mark.browser


def test_why_you_see_this_on_card_and_note_page(phone_page, world, artifacts_dir):  # noqa: F811
    phone_page.goto("/discover")
    cards = phone_page.get_by_test_id("note-card")
    expect(cards.first).to_contain_text("輕量帳篷開箱")
    titles = cards.locator(".note-card-title").all_inner_texts()
    assert titles.index("輕量帳篷開箱") < min(titles.index(t) for t in titles if t.startswith("面霜"))

    menu = cards.first.get_by_test_id("why-menu")
    reasons = menu.locator("li")
    expect(reasons.first).to_be_hidden()
    menu.locator("summary").click()
    expect(menu).to_contain_text("為什麼看到這則")
    expect(menu.locator('[data-why="author_bought"]')).to_have_text("作者買過這件商品")
    expect(menu.locator('[data-why="trusted_likers"]')).to_be_visible()
    phone_page.screenshot(path=artifacts_dir / "feed-why-phone.png")

    cards.first.get_by_role("link").first.click()
    why = phone_page.get_by_test_id("why-note")
    why.locator("summary").click()
    expect(why.locator('[data-why="author_bought"]')).to_be_visible()
