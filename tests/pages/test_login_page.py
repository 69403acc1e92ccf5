"""The real login page in Chromium: a hostile `next` neither runs script nor leaves the site
(issue 18, item 1); a same-origin `next` is followed."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.pages.conftest import DEMO_PASSWORD, STAFF

HOSTILE = ["javascript:window.__pwned=1", "//example.invalid/", "/\\example.invalid/"]


def _sign_in(page, base: str, next_value: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login?next={quote(next_value, safe='')}")
    page.fill("#username", "lawyer1")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_next_lands_on_the_role_home(hotline, browser, value: str) -> None:  # noqa: ANN001
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    try:
        _sign_in(page, hotline.url, value)
        page.wait_for_url(f"{hotline.url}/console*")
        assert page.evaluate("window.__pwned === undefined")
    finally:
        ctx.close()


def test_login_script_itself_refuses_an_unsafe_next(hotline, browser) -> None:  # noqa: ANN001
    """Even if the server let one through, the page checks `next` before navigating."""
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(f"{hotline.url}/login")
        page.evaluate("document.getElementById('login-form').dataset.next = '//example.invalid/'")
        page.fill("#username", "lawyer1")
        page.fill("#password", DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(f"{hotline.url}/console*")
    finally:
        ctx.close()


def test_same_origin_next_is_followed(hotline, browser) -> None:  # noqa: ANN001
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    try:
        _sign_in(page, hotline.url, "/console/articles/x")
        page.wait_for_url(f"{hotline.url}/console/articles/x")
    finally:
        ctx.close()
