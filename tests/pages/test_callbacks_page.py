"""The callback list (待回电 / 留言) in the lawyer console, in headless Debian Chromium against a
running hotline:

nobody is on duty (the demo lawyer is on leave today) when a citizen writes on the chat page, so
the chat lands in the callback list; then two lawyers come on duty. The first lawyer's console
lists it with the citizen's words (the phone number in them redacted); a voice message left
while the console is open appears by itself, with a link to its recording. The first lawyer
claims the chat; the second lawyer's console shows it as claimed, and claiming it there anyway
gives the server's Chinese refusal. The first lawyer marks it done with the keyboard (an outcome
is required) and it disappears from both lists; the second lawyer handles the voice message."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

import hotline.roster.models  # noqa: F401 - registers the hooks that bump the roster revision on writes
from hotline.auth.models import StaffUser
from hotline.auth.service import create_user
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.voice import service as voice
from hotline.queue.models import Callback
from hotline.roster.models import LawyerProfile, RosterException, Shift
from tests.conftest import screenshot, agree_to_consent
from tests.pages.conftest import DEMO_PASSWORD, STAFF, PageErrors, login

TZ = ZoneInfo("Asia/Shanghai")  # the settings' HOTLINE_TIMEZONE: roster days are local days
PHONE = {"width": 390, "height": 844}
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/ACpagetest/Recordings/REpagetest01"
CHAT_WORDS = "我的电话是13812345678，公司拖欠我三个月工资不发，怎么办？"
VOICE_WORDS = "我想问离婚后孩子的抚养费怎么算，回电请打13900001111"


def item(page, contact_id: int):  # noqa: ANN001, ANN201
    return page.locator(f"#callback-list li.callback[data-contact-id='{contact_id}']")


def leave_voice_message(engine) -> int:  # noqa: ANN001
    """A caller who reached nobody leaves a voice message (as the Twilio webhooks store it: the
    call, its recognised words, the recording). Written straight to the database: no event is
    published, so the console learns of it from the routing state's callbacks_open."""
    with session_scope(engine) as session:
        contact = voice.incoming_call(session, call_sid="CApagesvoicemail01", phone="+8613700001234")
        contacts.add_utterance(session, contact, speaker="citizen", text=VOICE_WORDS, client_id="vm-1", source="asr")
        voice.voicemail_left(session, contact, recording_url=RECORDING, recording_sid="REpagetest01", duration_s=12)
        contacts.end_contact(session, contact, actor="twilio", outcome="callback")
        return contact.id


def test_callback_list_claim_conflict_and_done(hotline, browser) -> None:  # noqa: ANN001
    today = datetime.now(TZ).date()
    with session_scope(hotline.engine) as session:  # the only lawyer on duty is on leave today
        lawyer1_id = session.execute(select(StaffUser.id).where(StaffUser.username == "lawyer1")).scalar_one()
        leave = RosterException(user_id=lawyer1_id, day=today, kind="off", note="测试：请假")
        session.add(leave)
        lawyer2_id = create_user(session, username="lawyer2", password=DEMO_PASSWORD, role="lawyer",
                                 display_name="李律师").id
        session.add(LawyerProfile(user_id=lawyer2_id, skills=["labour", "family", "other"]))
        session.flush()
        leave_id = leave.id

    citizen_ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                      locale="zh-CN")
    one_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    two_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    try:
        # -- the citizen writes while nobody is on duty: a callback (留言) --------------------------------
        citizen = citizen_ctx.new_page()
        citizen.goto(f"{hotline.url}/chat")
        agree_to_consent(citizen)
        citizen.wait_for_selector("#conn-state.ok", timeout=15000)
        citizen.fill("#message", CHAT_WORDS)
        citizen.click("#send")
        citizen.locator("li.msg.system", has_text="没有值班律师").wait_for(timeout=15000)
        with session_scope(hotline.engine) as session:
            chat_id = session.execute(select(Contact.id).where(Contact.channel == "chat")
                                      .order_by(Contact.id.desc())).scalars().first()
            assert session.execute(select(Callback).where(Callback.contact_id == chat_id)).scalar_one().status == "open"
            # both lawyers come on duty (they stay offline, so nothing is offered to them)
            session.delete(session.get(RosterException, leave_id))
            session.add(Shift(user_id=lawyer2_id, days="all", start="00:00", end="00:00", note="测试：全天值班"))

        # -- the first lawyer's console lists it, redacted ----------------------------------------------
        one = one_ctx.new_page()
        one_errors = PageErrors(one)
        login(one, hotline.url, "lawyer1", "/console")
        one.wait_for_selector("#conn-dot.up")
        chat_item = item(one, chat_id)
        chat_item.wait_for(timeout=15000)
        text = chat_item.inner_text()
        assert "13812345678" not in text and "【手机号】" in text and "拖欠我三个月工资" in text
        assert "网页" in text and "待认领" in text
        assert one.locator("#callback-count").inner_text() == "（1）"
        assert chat_item.locator("time").get_attribute("datetime")  # the time it came in

        # -- a voice message arrives while the console is open: it appears by itself -----------------
        voice_id = leave_voice_message(hotline.engine)
        voice_item = item(one, voice_id)
        voice_item.wait_for(timeout=15000)
        text = voice_item.inner_text()
        assert "电话" in text and "语音留言" in text and "抚养费" in text
        assert "13900001111" not in text and "【手机号】" in text
        assert voice_item.locator("a.recording").get_attribute("href") == RECORDING
        assert "录音：" not in text  # the URL line of the note becomes the link
        ids = one.eval_on_selector_all("#callback-list li.callback", "els => els.map(e => Number(e.dataset.contactId))")
        assert ids == [chat_id, voice_id]  # oldest first
        screenshot(one, "console-callbacks")

        # -- the second lawyer's console ------------------------------------------------------------------
        two = two_ctx.new_page()
        two_errors = PageErrors(two)
        login(two, hotline.url, "lawyer2", "/console")
        two.wait_for_selector("#conn-dot.up")
        item(two, chat_id).locator("[data-role=status]", has_text="待认领").wait_for(timeout=15000)
        item(two, voice_id).wait_for()

        # -- the first lawyer claims the chat; the second sees it taken, live -----------------------------
        chat_item.locator("[data-action=claim]").click()
        one.locator(".toast", has_text="已认领").wait_for()
        chat_item.locator("[data-role=status]", has_text="我已认领").wait_for()
        assert chat_item.locator("[data-action=claim]").count() == 0
        taken = item(two, chat_id)
        taken.locator("[data-role=status]", has_text="已由张律师认领").wait_for(timeout=15000)
        assert taken.locator("[data-action=done]").count() == 0

        # ...and claiming it anyway is refused, in Chinese, in the page's error toast
        taken.locator("[data-action=claim]").click()
        two.locator(".toast.error", has_text="该回电已由其他律师认领").wait_for()
        screenshot(two, "console-callbacks-claimed-elsewhere")
        with session_scope(hotline.engine) as session:
            row = session.execute(select(Callback).where(Callback.contact_id == chat_id)).scalar_one()
            assert (row.status, row.assigned_to) == ("claimed", lawyer1_id)

        # -- done, with the keyboard: C focuses the list, Tab to 已回电, an outcome is required ------------
        one.keyboard.press("Escape")
        one.keyboard.press("c")
        assert one.evaluate("document.activeElement.dataset.contactId") == str(chat_id)
        one.keyboard.press("Tab")
        assert one.evaluate("document.activeElement.dataset.action") == "done"
        one.keyboard.press("Enter")
        one.wait_for_selector("#callback-dialog[open]")
        assert one.evaluate("document.activeElement.id") == "callback-outcome"
        one.keyboard.press("Enter")  # empty: refused in the page
        one.locator(".toast.error", has_text="请填写回电处理结果").wait_for()
        assert one.locator("#callback-dialog[open]").count() == 1
        one.keyboard.type("已回电，建议先申请劳动仲裁")
        screenshot(one, "console-callback-done")
        one.keyboard.press("Enter")
        one.wait_for_selector("#callback-dialog:not([open])", state="attached")
        one.locator(".toast", has_text="已记录回电结果").wait_for()
        chat_item.wait_for(state="detached", timeout=15000)
        item(two, chat_id).wait_for(state="detached", timeout=15000)  # gone from both lists
        assert one.locator("#callback-count").inner_text() == "（1）"
        with session_scope(hotline.engine) as session:
            row = session.execute(select(Callback).where(Callback.contact_id == chat_id)).scalar_one()
            assert (row.status, row.assigned_to) == ("done", lawyer1_id) and row.done_at is not None
            assert "已回电，建议先申请劳动仲裁" in row.note

        # -- the second lawyer takes the voice message and closes it --------------------------------------
        mine = item(two, voice_id)
        mine.locator("[data-action=claim]").click()
        mine.locator("[data-role=status]", has_text="我已认领").wait_for()
        voice_item.locator("[data-role=status]", has_text="已由李律师认领").wait_for(timeout=15000)
        mine.locator("[data-action=done]").click()
        two.wait_for_selector("#callback-dialog[open]")
        two.fill("#callback-outcome", "已回电，告知抚养费的计算方法")
        two.click("#callback-submit")
        mine.wait_for(state="detached", timeout=15000)
        voice_item.wait_for(state="detached", timeout=15000)
        for page in (one, two):
            page.locator("#callback-list li.empty", has_text="暂无待回电或留言").wait_for()
            assert page.locator("#callback-count").inner_text() == ""
        screenshot(two, "console-callbacks-empty")
        with session_scope(hotline.engine) as session:
            row = session.execute(select(Callback).where(Callback.contact_id == voice_id)).scalar_one()
            assert (row.status, row.assigned_to) == ("done", lawyer2_id)
        one_errors.check()
        two_errors.check()
    finally:
        for ctx in (citizen_ctx, one_ctx, two_ctx):
            ctx.close()
