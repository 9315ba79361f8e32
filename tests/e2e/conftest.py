"""Helpers shared by the browser journeys: signing in through the form, the two viewports, and a
journey recorder that opens pages, saves screenshots and fails on console errors or 5xx answers.
The browser itself (Debian's chromium, never a download) and the live server are in tests/conftest.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_PASSWORD, PHONE

REPO_ROOT = Path(__file__).resolve().parents[2]

PHONE_USER_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
VIEWPORTS = {
    "phone": {**PHONE, "user_agent": PHONE_USER_AGENT},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}


def log_in(page, username, password=DEFAULT_PASSWORD):
    page.goto("/login")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("submit").click()
    page.wait_for_url(re.compile(r".*/$"))


def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR") or REPO_ROOT / "test-artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Journey:
    """One journey on one viewport. Every page it opens is watched: a console error, an uncaught
    exception or a response with status >= 500 fails the test (checked at each screenshot and at the end)."""

    def __init__(self, browser, base_url: str, name: str, viewport: str):
        self.browser, self.base_url, self.name, self.viewport = browser, base_url, name, viewport
        self.problems: list[str] = []
        self.contexts = []
        self.directory = screenshot_dir()

    @property
    def is_phone(self) -> bool:
        return self.viewport == "phone"

    def new_page(self, locale: str = "zh-TW"):
        context = self.browser.new_context(base_url=self.base_url, locale=locale, **VIEWPORTS[self.viewport])
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception on {page.url}: {error}"))
        page.on("response", lambda response: response.status >= 500 and self.problems.append(
            f"{response.status} from {response.request.method} {response.url}"))
        return page

    def _console(self, page, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error on {page.url}: {message.text}")

    def nav(self, page):
        """The navigation the reader sees: the bottom tab bar on a phone, the top bar on a desktop."""
        return page.get_by_test_id("tabbar" if self.is_phone else "topnav")

    def press(self, locator) -> None:
        """A tap on a phone (a touch screen), a click on a desktop (a mouse)."""
        if self.is_phone:
            locator.tap()
        else:
            locator.click()

    def shot(self, page, step: str) -> Path:
        path = self.directory / f"{self.name}-{self.viewport}-{step}.png"
        page.screenshot(path=path, full_page=True)
        self.check()
        return path

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(params=list(VIEWPORTS))
def journey(request, browser, live_server):
    """A Journey named after the test (test_reader_journey → "reader"), once per viewport."""
    name = request.node.originalname.removeprefix("test_").removesuffix("_journey")
    recorder = Journey(browser, live_server, name, request.param)
    yield recorder
    recorder.close()
    recorder.check()
