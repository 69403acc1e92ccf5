"""Issue 19, item 17 in headless Chromium: contrast of grey secondary text and the orange badges
(WCAG 2 ratio >= 4.5:1, computed from the page's computed styles), the dashboard at phone width
(no sideways overflow, a menu that never wraps one character per line) and the console at phone
width (the conversation before the case panel)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.auth.service import get_user_by_username
from hotline.database import get_engine, session_scope, upgrade
from hotline.demo import seed_demo
from hotline.queue import service as routing
from tests.conftest import LiveServer, make_settings, screenshot
from tests.pages.conftest import STAFF, PageErrors, login

PHONE = {"width": 390, "height": 844}

# the lowest contrast among the visible elements matching a selector, against the first opaque
# background behind each (WCAG 2 relative luminance)
CONTRAST_JS = """(selector) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).slice(0, 3).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = (el) => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
    const v = rgb(c); if (v.length === 3 || (v.length === 4 && v[3] > 0)) return c; } return 'rgb(255, 255, 255)'; };
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.textContent.trim() || !el.getClientRects().length) continue;
    const a = lum(getComputedStyle(el).color), b = lum(background(el));
    out.push({ text: el.textContent.trim().slice(0, 20), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) });
  }
  return out;
}"""


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path, sqlite_url)
    upgrade(settings)
    engine = get_engine(settings)
    with session_scope(engine) as s:
        seed_demo(s, settings)
        routing.set_presence(s, get_user_by_username(s, "lawyer1").id, "break")  # an orange 小休 badge on the wall
    srv = LiveServer(settings).start()
    yield srv
    srv.stop()
    engine.dispose()


def low_contrast(page, selector: str) -> list[dict]:  # noqa: ANN001
    return [r for r in page.evaluate(CONTRAST_JS, selector) if r["ratio"] < 4.5]


def test_contrast_and_phone_layouts(server, browser) -> None:  # noqa: ANN001
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    errors = PageErrors(page)
    try:
        login(page, server.url, "manager1", "/dashboard")
        page.wait_for_function("Number(document.body.dataset.reportLoaded || 0) >= 1")
        page.locator("#wall-lawyers .badge.state-break").wait_for()
        page.evaluate("""() => { const b = document.createElement('span'); b.className = 'badge warn'; b.id = 't-warn';
          b.textContent = '待补充'; document.getElementById('kpi-note').append(b); }""")
        assert page.evaluate(CONTRAST_JS, ".muted, .kpi .label, .kpi .sub, .empty")  # there is grey text to check
        assert not low_contrast(page, ".muted, .kpi .label, .kpi .sub, .empty")
        assert not low_contrast(page, ".badge.state-break, .badge.warn")
        errors.check()

        # the dashboard on a phone
        page.set_viewport_size(PHONE)
        page.click("#refresh")
        page.wait_for_function("Number(document.body.dataset.reportLoaded || 0) >= 2")
        page.wait_for_timeout(300)
        screenshot(page, "dashboard-phone")
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width  # nothing sticks out sideways
        links = page.eval_on_selector_all(".staff-nav a", """els => els.map((a) => { const r = a.getBoundingClientRect();
          return { text: a.textContent, h: r.height, w: r.width, font: parseFloat(getComputedStyle(a).fontSize) }; })""")
        assert len(links) >= 5
        for link in links:  # one line each, as wide as its characters
            assert link["h"] < 2 * link["font"] + 8 and link["w"] >= len(link["text"]) * link["font"] * 0.9, link
    finally:
        ctx.close()

    # the console on a phone: the conversation comes before the case panel
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = ctx.new_page()
    errors = PageErrors(page)
    try:
        login(page, server.url, "lawyer1", "/console")
        page.wait_for_selector("#conn-dot.up")
        tops = page.evaluate("""() => ['#contact-list', '#conversation', '#case-panel'].map((s) =>
          document.querySelector(s).getBoundingClientRect().top + window.scrollY)""")
        assert tops[0] < tops[1] < tops[2], tops
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
        assert not low_contrast(page, ".muted, .empty")
        screenshot(page, "console-phone")
        errors.check()
    finally:
        ctx.close()
