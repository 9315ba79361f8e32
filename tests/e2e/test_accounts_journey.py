"""A new user on a phone: register, log out, log in, switch language and back (real Chromium)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_register_login_and_switch_language_on_a_phone(phone_page, artifacts_dir):
    page = phone_page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"  # the browser asks for zh-TW
    assert page.get_by_test_id("tabbar").is_visible()  # the phone layout has the bottom tab bar

    page.get_by_test_id("register-link").click()
    page.get_by_test_id("username").fill("phone_user")
    page.get_by_test_id("display-name").fill("手機用戶")
    page.get_by_test_id("password").fill("s3cret-pass-word")
    page.get_by_test_id("submit").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert "手機用戶" in page.get_by_test_id("flash").inner_text()
    page.screenshot(path=artifacts_dir / "accounts-registered-phone.png", full_page=True)

    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-link").click()
    page.get_by_test_id("username").fill("phone_user")
    page.get_by_test_id("password").fill("wrong-password")
    page.get_by_test_id("submit").click()
    assert page.get_by_test_id("flash").is_visible()
    page.get_by_test_id("password").fill("s3cret-pass-word")
    page.get_by_test_id("submit").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert page.get_by_test_id("tabbar").get_by_test_id("tab-me").get_attribute("href") == "/u/phone_user"

    # The switcher submits itself on change (JavaScript); the page comes back in English.
    page.get_by_test_id("locale-select").select_option("en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Home" in page.get_by_test_id("tabbar").get_by_test_id("tab-home").inner_text()
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"  # saved on the account
    page.screenshot(path=artifacts_dir / "accounts-english-phone.png", full_page=True)

    page.get_by_test_id("locale-select").select_option("zh_Hant")
    page.wait_for_function("document.documentElement.lang === 'zh-Hant'")
    assert "首頁" in page.get_by_test_id("tabbar").get_by_test_id("tab-home").inner_text()


def test_language_switch_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-US",
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_test_id("locale-select").select_option("zh_Hans")
    page.get_by_test_id("locale-submit").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.url.endswith("/login")
    context.close()
