"""Service hours (issue 19, item 9): outside the configured hours the chat page says so at once,
with the hours, and asks the citizen to leave a message; the hours are shown on the page."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hotline.config import Settings
from hotline.timeutil import utcnow
from tests.conftest import make_settings

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    local = utcnow().astimezone(ZoneInfo("Asia/Shanghai"))
    start, end = local + timedelta(hours=2), local + timedelta(hours=3)  # now is outside the hours
    return make_settings(tmp_path, database_url, chat_service_hours=f"{start:%H:%M}-{end:%H:%M}",
                         chat_off_hours_message="现在是非服务时间（服务时间：{hours}），请留言。")


def test_off_hours_notice_with_the_hours(live_server, settings, staff_users, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/chat")
        page.wait_for_selector("#conn-state.ok", timeout=15000)
        notice = page.locator("li.msg.system.off-hours")
        notice.wait_for(timeout=15000)  # a lawyer is on duty by the roster, but it is outside the hours
        assert settings.chat_service_hours in notice.inner_text()
        assert settings.chat_service_hours in page.inner_text("#service-hours")
    finally:
        context.close()


def test_bad_hours_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make_settings(tmp_path, "sqlite://", chat_service_hours="8-20")
