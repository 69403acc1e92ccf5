"""The chat on a phone (issue 19, item 13), in headless Debian Chromium: the end of a long reply is
not hidden behind the sticky input, bubbles carry their time, the rating form opens in view, and
after 开始新的咨询 the earlier conversation is still shown."""
from __future__ import annotations

import re
import time

from sqlalchemy import select

from hotline.auth.service import get_user_by_username
from hotline.contacts.models import Contact
from hotline.contacts.service import mark_answered
from hotline.database import get_engine, session_scope
from tests.conftest import agree_to_consent, screenshot

PHONE = {"width": 390, "height": 844}


def test_long_reply_rating_times_and_earlier_conversation(live_server, settings, staff_users, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/chat")
        agree_to_consent(page)
        page.fill("#message", "公司拖欠我三个月工资，我该怎么办？")
        page.click("#send")
        page.locator("li.msg.citizen .status", has_text="已送达").wait_for(timeout=15000)
        engine = get_engine(settings)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # routing has queued it
            with session_scope(engine) as session:
                contact = session.execute(select(Contact)).scalar_one()
                if contact.status != "open":
                    break
            time.sleep(0.1)
        with session_scope(engine) as session:
            contact = session.execute(select(Contact)).scalar_one()
            mark_answered(session, contact, get_user_by_username(session, staff_users["lawyer"][0]).id)
            contact_id = contact.id
        lawyer = live_server.login(*staff_users["lawyer"])
        long = "您可以先与单位协商，协商不成可以申请劳动仲裁。" * 40 + "最后一句：请保留工资条。"
        assert lawyer.post(f"/api/contacts/{contact_id}/messages", json={"text": long}).status_code == 200
        reply = page.locator("li.msg.lawyer")
        reply.wait_for(timeout=15000)
        page.wait_for_timeout(300)
        body, composer = reply.locator(".body").bounding_box(), page.locator("#composer").bounding_box()
        assert body["y"] + body["height"] <= composer["y"] + 1, (body, composer)  # its end above the input
        assert re.fullmatch(r"\s*\d{2}:\d{2}", reply.locator("time.at").inner_text())
        assert page.locator("li.msg.citizen time.at").count() == 1
        screenshot(page, "chat-phone-long-reply")

        page.click("#end-chat")
        rating = page.locator("#rating:not(.hidden)")
        rating.wait_for(timeout=15000)
        page.wait_for_timeout(300)
        box = rating.bounding_box()
        assert 0 <= box["y"] < PHONE["height"], box  # in view, not below the fold
        page.click("label[for=score-5]")
        page.click("#rate-submit")
        page.locator("#rating-done:not(.hidden)").wait_for(timeout=15000)
        page.click("#new-chat")
        page.locator("#earlier:not(.hidden)").wait_for(timeout=15000)
        assert "公司拖欠我三个月工资" in page.inner_text("#earlier")
        assert "最后一句：请保留工资条" in page.inner_text("#earlier")
        screenshot(page, "chat-phone-earlier")
    finally:
        context.close()
