"""Creator posts from a phone; a reader finds it on Discover, follows, likes, collects and
comments; the creator sees the notifications. Real Chromium, real photos."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import PHONE
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_post_discover_follow_like_collect_comment_notify(browser, live_server, make_user, tmp_path, artifacts_dir):
    make_user("cafe_creator", display_name="咖啡小姐")
    make_user("curious_reader", display_name="好奇讀者")
    photos = []
    for i, color in enumerate([(180, 120, 80), (90, 140, 200)]):
        path = tmp_path / f"photo{i}.jpg"
        Image.new("RGB", (900, 1200), color).save(path, "JPEG")
        photos.append(str(path))

    creator_ctx = browser.new_context(base_url=live_server, locale="zh-TW", **PHONE)
    creator = creator_ctx.new_page()
    log_in(creator, "cafe_creator")
    creator.get_by_test_id("tabbar").get_by_test_id("tab-post").click()
    creator.get_by_test_id("note-images").set_input_files(photos)
    creator.get_by_test_id("note-title").fill("大安區最好喝的拿鐵")
    creator.get_by_test_id("note-body").fill("週末發現的小店 #咖啡 \n奶泡超綿密，推薦給 @curious_reader")
    creator.get_by_test_id("note-tags").fill("台北, 拿鐵")
    creator.get_by_test_id("publish").click()
    creator.wait_for_url(re.compile(r".*/notes/\d+$"))
    assert creator.get_by_test_id("note-photo").count() == 2
    note_url = creator.url
    creator.screenshot(path=artifacts_dir / "notes-posted-phone.png", full_page=True)

    reader_ctx = browser.new_context(base_url=live_server, locale="zh-CN", **PHONE)
    reader = reader_ctx.new_page()
    log_in(reader, "curious_reader")
    reader.get_by_test_id("tabbar").get_by_test_id("tab-discover").click()
    card = reader.get_by_test_id("note-card").filter(has_text="大安區最好喝的拿鐵")
    cover = card.locator("img.note-card-cover")
    cover.wait_for()
    box = cover.bounding_box()
    assert box["height"] > box["width"]  # the 3:4 cover keeps its shape in the waterfall
    reader.screenshot(path=artifacts_dir / "notes-discover-phone.png")
    card.get_by_role("link").first.click()
    reader.wait_for_url(note_url)

    reader.get_by_test_id("author-card").get_by_test_id("follow-button").click()
    reader.get_by_test_id("like-button").click()
    reader.get_by_test_id("collect-button").click()
    # The buttons answer in place, without a page load.
    expect(reader.get_by_test_id("like-button-count")).to_have_text("1")
    expect(reader.get_by_test_id("collect-button-count")).to_have_text("1")
    expect(reader.get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")
    expect(reader.get_by_test_id("follow-button")).to_have_attribute("aria-pressed", "true")
    assert reader.url == note_url
    reader.get_by_test_id("comment-body").fill("看起来好好喝！周末去")
    reader.get_by_test_id("comment-submit").click()
    reader.wait_for_url(re.compile(r".*#comment-\d+$"))
    assert "看起来好好喝" in reader.get_by_test_id("comments").inner_text()
    reader.reload()
    assert reader.get_by_test_id("like-button").get_attribute("aria-pressed") == "true"  # it was saved
    reader.screenshot(path=artifacts_dir / "notes-reader-phone.png", full_page=True)

    creator.goto("/")
    badge = creator.get_by_test_id("tabbar").get_by_test_id("unread-badge")
    expect(badge).to_have_text("4")  # follow, like, collect, comment
    creator.get_by_test_id("tabbar").get_by_test_id("tab-notifications").click()
    kinds = [n.get_attribute("data-kind") for n in creator.get_by_test_id("notification").all()]
    assert sorted(kinds) == ["collect", "comment", "follow", "like"]
    assert "好奇讀者" in creator.get_by_test_id("notifications").inner_text()
    creator.screenshot(path=artifacts_dir / "notes-notifications-phone.png", full_page=True)
    # Seeing the list marks it read: the badge is gone on the next page.
    creator.wait_for_load_state("networkidle")
    creator.goto("/")
    expect(creator.get_by_test_id("tabbar").get_by_test_id("unread-badge")).to_have_count(0)

    reader_ctx.close()
    creator_ctx.close()


def test_hostile_upload_gets_a_clear_error_in_the_page(browser, live_server, make_user, tmp_path):
    make_user("careful_poster", locale="en")
    fake = tmp_path / "notes.jpg"
    fake.write_text("<html><script>alert(1)</script></html>")
    context = browser.new_context(base_url=live_server, locale="en-US", **PHONE)
    page = context.new_page()
    log_in(page, "careful_poster")
    page.goto("/notes/new")
    page.get_by_test_id("note-images").set_input_files(str(fake))
    page.get_by_test_id("note-title").fill("Should fail")
    page.get_by_test_id("publish").click()
    assert "JPEG, PNG, WebP or HEIC" in page.get_by_test_id("flash").inner_text()
    assert page.get_by_test_id("note-title").input_value() == "Should fail"  # the text survives the error
    context.close()


def test_waterfall_reads_left_to_right_and_infinite_scroll_adds_without_duplicates(
        browser, live_server, app, make_user, make_note, monkeypatch, artifacts_dir):
    monkeypatch.setitem(app.config, "FEED_PAGE_SIZE", 6)
    make_user("scroller")
    ids = [make_note("scroller", title=f"第 {i} 篇") for i in range(15)]
    context = browser.new_context(base_url=live_server, locale="zh-TW", **PHONE)
    page = context.new_page()
    page.goto("/discover")
    columns = page.locator(".masonry-column")
    expect(columns).to_have_count(2)
    # Newest first, in reading order: the two newest sit side by side at the top, left then right.
    first, second = (columns.nth(i).get_by_test_id("note-card").first for i in range(2))
    assert [int(c.get_attribute("data-note-id")) for c in (first, second)] == [ids[-1], ids[-2]]
    assert abs(first.bounding_box()["y"] - second.bounding_box()["y"]) < 2
    assert first.bounding_box()["x"] < second.bounding_box()["x"]
    for _ in range(6):
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(300)
    expect(page.get_by_test_id("note-card")).to_have_count(15)
    seen = [int(card.get_attribute("data-note-id")) for card in page.get_by_test_id("note-card").all()]
    assert sorted(seen) == sorted(ids)
    page.screenshot(path=artifacts_dir / "feed-scrolled-phone.png")
    context.close()


def test_desktop_carousel_arrows(browser, live_server, make_user, make_note):
    make_user("gallery")
    note_id = make_note("gallery", images=3)
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(f"/notes/{note_id}")
    carousel = page.get_by_test_id("carousel")
    assert carousel.evaluate("el => el.scrollLeft") == 0
    page.get_by_test_id("carousel-next").click()
    # Polled from Python: the page's CSP (no 'unsafe-eval') forbids wait_for_function's string eval.
    for _ in range(30):
        if carousel.evaluate("el => el.scrollLeft") > 0:
            break
        page.wait_for_timeout(100)
    assert carousel.evaluate("el => el.scrollLeft") > 0
    context.close()
