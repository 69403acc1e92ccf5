"""The roster page's staffing heat map in headless Debian Chromium: calls logged a week ago on a
weekday at 10:00 make the Erlang C need exceed the one rostered lawyer there (a red cell), an
hour without calls shows the spare lawyer; the CSV export holds the same numbers."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.audit import service as audit
from hotline.contacts import service as contacts
from hotline.database import session_scope
from routing import staffing
from tests.conftest import screenshot
from tests.pages.conftest import STAFF, PageErrors, login

TZ = ZoneInfo("Asia/Shanghai")


def test_heat_map_shows_the_gap_in_red_and_exports(live_server, staff_users, engine, browser) -> None:  # noqa: ANN001
    day = datetime.now(TZ).date() - timedelta(days=7)
    at = datetime.combine(day, time(10, 5), TZ)
    with session_scope(engine) as s:
        for i in range(80):
            contact = contacts.start_call(s, phone=f"+86139000{i:05d}", call_sid=f"CAheat{i:04d}", started_at=at)
            audit.record(s, action="routing.enqueued", actor="routing", entity="contact", entity_id=contact.id,
                         contact_id=contact.id, occurred_at=at + timedelta(seconds=i),
                         data={"channel": "call", "skill": "labour"})
    expected = staffing.required(40, 300, staffing.Target(level=0.8, answer_s=20, shrinkage=0.3, max_occupancy=0.85))

    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN", timezone_id="UTC")
    try:
        page = ctx.new_page()
        errors = PageErrors(page)
        login(page, live_server.url, "manager1", "/admin/roster")
        page.wait_for_function("Number(document.body.dataset.staffingLoaded || 0) >= 1")
        page.fill("#st-weeks", "2")
        page.click("#st-refresh")
        page.wait_for_function("Number(document.body.dataset.staffingLoaded || 0) >= 2")
        w = day.weekday()
        cell = page.locator(f"#staffing-heatmap td[data-day='{w}'][data-slot='20']")  # 10:00-10:30 local
        assert cell.get_attribute("data-need") == str(expected.rostered) and cell.get_attribute("data-have") == "1"
        assert "gap" in cell.get_attribute("class")
        color = cell.evaluate("el => getComputedStyle(el).backgroundColor")
        assert color == "rgb(224, 65, 58)"  # red
        quiet = page.locator(f"#staffing-heatmap td[data-day='{w}'][data-slot='40']")  # 20:00, no calls
        assert "spare" in quiet.get_attribute("class") and quiet.get_attribute("data-need") == "0"
        assert "缺口时段 1 个" in page.inner_text("#staffing-note")
        screenshot(page, "roster-staffing-heatmap")
        href = page.get_attribute("#st-csv", "href")
        assert "weeks=2" in href
        errors.check()
    finally:
        ctx.close()
    manager = live_server.login(*staff_users["manager"])
    text = manager.get(href).text.lstrip("\ufeff")
    rows = [r for r in csv.reader(io.StringIO(text)) if r[1] == "10:00"]
    weekday_names = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    row = next(r for r in rows if r[0] == weekday_names[day.weekday()])
    assert row[2] == "40.0" and row[4] == str(expected.rostered) and row[5] == "1" and int(row[6]) < 0
