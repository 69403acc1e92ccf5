"""Issue 19, item 15 in headless Chromium: dates in the hotline's zone and staff pages in Chinese.
A contact at 00:36 Beijing time (16:36 UTC the day before) gets a reference of the Beijing day and
shows up in the contacts CSV of that day with local times and whole seconds; the dashboard's plotly
charts carry the zh-CN toolbar and whole-number count axes; no developer text on the page, not even
in an error message."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.auth.service import get_user_by_username
from hotline.cases import service as cases
from hotline.contacts.models import Citizen, Contact
from hotline.database import get_engine, session_scope, upgrade
from hotline.demo import seed_demo
from hotline.queue import service as routing
from hotline.queue.models import Offer
from tests.conftest import LiveServer, make_settings, screenshot
from tests.pages.conftest import STAFF, PageErrors, login

AT = datetime(2026, 12, 3, 16, 36, 20, 250000, tzinfo=timezone.utc)  # 2026-12-04 00:36:20 in Beijing
DEV_TEXT = re.compile(r"docs/|\.md\b|\([A-Za-z][A-Za-z _-]+\)")


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path, sqlite_url)
    upgrade(settings)
    engine = get_engine(settings)
    with session_scope(engine) as s:
        seed_demo(s, settings)
    srv = LiveServer(settings).start()
    srv.engine = engine
    yield srv
    srv.stop()
    engine.dispose()


def contact_after_midnight(engine) -> str:  # noqa: ANN001
    """A chat that came in at 00:36 Beijing time, answered after 12.7 s; returns its reference."""
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        routing.set_presence(s, lawyer.id, "available", now=AT - timedelta(minutes=5))
        citizen = Citizen(chat_token="dates-test")
        s.add(citizen)
        s.flush()
        contact = Contact(channel="chat", citizen_id=citizen.id, started_at=AT, resume_token_hash="dates-test")
        s.add(contact)
        s.flush()
        case = cases.open_case(s, citizen_id=citizen.id, actor="test", received_at=AT, contact_id=contact.id)
        contact.case_id = case.id
        s.add(contact)
        routing.enqueue(s, contact.id, "labour", now=AT)
        routing.dispatch(s, now=AT + timedelta(seconds=1))
        offer = s.execute(select(Offer).where(Offer.contact_id == contact.id)).scalar_one()
        routing.accept(s, offer.id, lawyer.id, now=AT + timedelta(seconds=12.7))
        return case.reference


def test_references_exports_and_charts_in_the_hotlines_zone_and_language(server, browser) -> None:  # noqa: ANN001
    reference = contact_after_midnight(server.engine)
    assert reference.startswith("12348-20261204-"), reference  # the Beijing day, not 20261203 (UTC)

    ctx = browser.new_context(viewport=STAFF[1366], locale="en-US", accept_downloads=True)
    page = ctx.new_page()
    errors = PageErrors(page)
    try:
        login(page, server.url, "manager1", "/dashboard?start=2026-12-04&end=2026-12-04")
        page.wait_for_function("Number(document.body.dataset.reportLoaded || 0) >= 1")
        page.wait_for_selector("#chart-channel .ytick text")
        assert page.inner_text("#kpi-offered .value") == "1"

        # plotly in Chinese (the locale file served from the repo) and whole-number count axes
        titles = page.eval_on_selector_all(".modebar-btn", "els => els.map((e) => e.getAttribute('data-title'))")
        assert titles and "下载为 PNG 图片" in titles and "自动缩放" in titles, titles
        assert all(re.search(r"[\u4e00-\u9fff]", t or "") for t in titles), titles  # none left in English
        for selector in ("#chart-channel .ytick text", "#chart-category .ytick text", "#chart-staffing .y2tick text"):
            ticks = page.eval_on_selector_all(selector, "els => els.map((e) => e.textContent)")
            assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), (selector, ticks)

        # no developer text on the page or in an error shown to staff
        assert not DEV_TEXT.search(page.inner_text("main") if page.locator("main").count() else page.inner_text("body"))
        page.fill("#f-start", "2026-12-05")
        page.click("#refresh")
        toast = page.locator(".toast").last
        toast.wait_for()
        assert "开始日期不能晚于结束日期" in toast.inner_text() and not DEV_TEXT.search(toast.inner_text())
        page.fill("#f-start", "2026-12-04")
        page.click("#refresh")
        page.wait_for_function("Number(document.body.dataset.reportLoaded || 0) >= 2")
        screenshot(page, "dashboard-zh-cn")

        # the contacts CSV: the reference, local times, whole seconds
        with page.expect_download() as download:
            page.click("#export-contacts")
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        header, row = rows[0], rows[1]
        values = dict(zip(header, row))
        assert values["案件编号"] == reference
        assert values["进入队列时间"] == "2026-12-04 00:36:20"
        assert values["接通时间"] == "2026-12-04 00:36:32"
        assert values["排队等待(秒)"] == "13", values  # 12.7 s, in whole seconds

        # the service-levels CSV: the local days asked for, durations in whole seconds
        with page.expect_download() as download:
            page.click("#export-sl")
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert rows[0][:3] == ["统计区间", "2026-12-04", "2026-12-04"], rows[0]
        figures = {r[0]: r[1] for r in rows if len(r) == 2}
        assert figures["平均应答速度(秒)"] == "13", figures
        errors.check()
    finally:
        ctx.close()
