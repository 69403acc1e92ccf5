"""Silence while waiting (issue 19, item 9), in headless Debian Chromium at a phone's size: the
citizen is greeted on arrival; while a lawyer is on duty but not free, the page says 正在为您转接
with the place in the queue and a wait estimate from the queue and the recent handle times, and
updates both live when someone ahead leaves."""
from __future__ import annotations

from datetime import timedelta

from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.timeutil import utcnow
from tests.conftest import screenshot, agree_to_consent
from tests.core.chat_client import ChatClient

PHONE = {"width": 390, "height": 844}


def _handled_chats(engine, minutes: float, count: int = 2) -> None:  # noqa: ANN001
    """Answered chats that ended, each `minutes` long: the recent handle time."""
    with session_scope(engine) as session:
        for k in range(count):
            contact, _ = contacts.start_chat(session)
            end = utcnow() - timedelta(minutes=k + 1)
            contact.answered_at, contact.ended_at = end - timedelta(minutes=minutes), end
            contact.status, contact.outcome = "ended", "answered"
            session.add(contact)


def test_waiting_citizen_sees_greeting_place_and_estimate_live(live_server, engine, staff_users,  # noqa: ANN001
                                                               browser) -> None:  # noqa: ANN001
    _handled_chats(engine, minutes=10)  # lawyer1 is on duty all day (demo shift) but not signed in
    ahead = ChatClient(live_server.ws_url)
    ahead.say("公司拖欠我两个月工资，怎么办？")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/chat")
        agree_to_consent(page)
        page.wait_for_selector("#conn-state.ok", timeout=15000)
        page.locator("li.msg.system", has_text="欢迎咨询 12348").wait_for(timeout=15000)  # the greeting
        page.fill("#message", "邻居装修把我家墙面弄裂了，要怎么索赔？")
        page.click("#send")
        waiting = page.locator("#waiting:not(.hidden)")
        waiting.wait_for(timeout=15000)
        # 2nd in the queue, one lawyer on duty, 10-minute chats: 1.5 handle times
        page.locator("#waiting-text", has_text="前面还有 1 位").wait_for(timeout=15000)
        assert "正在为您转接" in page.inner_text("#waiting-text")
        assert "预计等待约 15 分钟" in page.inner_text("#waiting-text")
        assert waiting.is_visible()
        screenshot(page, "chat-waiting-position")

        ahead.send({"type": "end"})  # the citizen ahead gives up: the place and estimate follow
        page.locator("#waiting-text", has_text="您是下一位").wait_for(timeout=15000)
        assert "预计等待约 5 分钟" in page.inner_text("#waiting-text")
        screenshot(page, "chat-waiting-next")
    finally:
        ahead.close()
        context.close()
