"""The citizen chat page in headless Debian Chromium, at a phone's size: a message typed and
sent is acknowledged (stored before the ack), survives a reload, and an over-long one is
refused with a clear message while the page stays usable."""
from __future__ import annotations

from sqlalchemy import select

from hotline.contacts.models import Utterance
from hotline.database import get_engine, session_scope
from tests.conftest import screenshot, agree_to_consent

PHONE = {"width": 390, "height": 844}


def test_citizen_sends_a_message_and_sees_it_acknowledged(live_server, settings, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/chat")
        agree_to_consent(page)
        page.wait_for_selector("#conn-state.ok", timeout=15000)
        page.wait_for_function("document.getElementById('case-ref').textContent.includes('12348-')")
        text = "老板拖欠我三个月工资，一共两万四千块，我该怎么办？"
        page.fill("#message", text)
        page.click("#send")
        mine = page.locator("li.msg.citizen", has_text="两万四千块")
        mine.locator(".status", has_text="已送达").wait_for(timeout=15000)
        screenshot(page, "chat-page-acknowledged")

        with session_scope(get_engine(settings)) as session:  # the ack means it is stored
            stored = session.execute(select(Utterance.text).where(Utterance.speaker == "citizen")).scalars().all()
        assert stored == [text]

        page.reload()  # the resume token brings the same consultation back
        page.wait_for_selector("#conn-state.ok", timeout=15000)
        page.locator("li.msg.citizen", has_text="两万四千块").locator(".status", has_text="已送达").wait_for()
        assert page.locator("li.msg.citizen").count() == 1

        # the textarea's maxlength stops a person; a script (or an old browser) can still send more
        page.evaluate(f"document.getElementById('message').value = '长'.repeat({settings.chat_max_chars + 5})")
        page.click("#send")
        page.locator("#chat-error", has_text="消息过长").wait_for(timeout=15000)
        page.fill("#message", "请问劳动仲裁要准备什么材料？")
        page.click("#send")
        page.locator("li.msg.citizen", has_text="劳动仲裁").locator(".status", has_text="已送达").wait_for()
        screenshot(page, "chat-page-after-error")
        with session_scope(get_engine(settings)) as session:
            assert len(session.execute(select(Utterance.id).where(Utterance.speaker == "citizen")).all()) == 2
    finally:
        context.close()
