"""Safety first (issue 19, item 11), in headless Debian Chromium: "我老公经常打我" shows the
citizen the guidance at once (110, 12338, the 人身安全保护令 and what it is), moves the contact
ahead of a citizen who wrote earlier, and flags it on the console's offer and contact list and on
the wallboard; every trigger is in the audit log; managers edit the rules on /admin/safety."""
from __future__ import annotations

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.contacts.models import Contact
from hotline.database import get_engine, session_scope
from hotline.queue.models import QueueEntry
from tests.conftest import screenshot, agree_to_consent
from tests.core.chat_client import ChatClient
from tests.pages.conftest import PageErrors, login

PHONE = {"width": 390, "height": 844}
STAFF = {"width": 1366, "height": 768}


def _phone(browser):  # noqa: ANN001, ANN202
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")


def test_danger_shows_guidance_raises_priority_and_flags_staff(live_server, settings, staff_users,  # noqa: ANN001
                                                               browser) -> None:  # noqa: ANN001
    earlier = ChatClient(live_server.ws_url)  # an ordinary question, written first
    earlier.say("公司拖欠我两个月工资，怎么办？")
    citizen = _phone(browser)
    staff = browser.new_context(viewport=STAFF, locale="zh-CN")
    try:
        page = citizen.new_page()
        page.goto(f"{live_server.url}/chat")
        agree_to_consent(page)
        page.wait_for_selector("#conn-state.ok", timeout=15000)
        page.wait_for_function("document.getElementById('case-ref').textContent.includes('12348-')")
        page.fill("#message", "我老公经常打我，昨天又打了我，我很害怕")
        page.click("#send")
        guidance = page.locator("li.msg.system.safety")
        guidance.wait_for(timeout=15000)
        text = guidance.inner_text()
        for needed in ("110", "12338", "人身安全保护令", "反家庭暴力法", "72 小时"):
            assert needed in text, (needed, text)
        assert guidance.is_visible()
        screenshot(page, "safety-guidance-phone")

        engine = get_engine(settings)
        with session_scope(engine) as session:
            contact_id = session.execute(select(Contact.id).order_by(Contact.id.desc())).scalars().first()
            contact = session.get(Contact, contact_id)
            assert contact.safety_flags == "domestic_violence" and contact.priority == 8
            entries = {e.contact_id: e for e in session.execute(select(QueueEntry)).scalars()}
            assert entries[contact_id].priority == 8
            assert entries[earlier.session["contact_id"]].priority == 0
            triggered = session.execute(select(AuditEntry).where(AuditEntry.action == "safety.triggered")).scalars().all()
            assert [e.contact_id for e in triggered] == [contact_id]

        # the lawyer comes on: the contact in danger is offered first, flagged
        console = staff.new_page()
        errors = PageErrors(console)
        login(console, live_server.url, staff_users["lawyer"][0], "/console", staff_users["lawyer"][1])
        console.click("#state-available")
        console.locator("#offer:not(.hidden) #offer-category", has_text="家庭暴力").wait_for(timeout=15000)
        console.click("#offer-accept")
        console.locator("#contact-list .safety-flag", has_text="家庭暴力").wait_for(timeout=15000)
        screenshot(console, "safety-console-flag")
        errors.check()
        page.locator("li.msg.system", has_text="已接入").wait_for(timeout=15000)

        managers = browser.new_context(viewport=STAFF, locale="zh-CN")
        wall = managers.new_page()
        login(wall, live_server.url, staff_users["manager"][0], "/supervision", staff_users["manager"][1])
        row = wall.locator(f"#live tr[data-contact='{contact_id}']")
        row.locator(".safety-flag", has_text="家庭暴力").wait_for(timeout=15000)
        assert wall.locator("#live tr").first.get_attribute("data-contact") == str(contact_id)  # danger first
        screenshot(wall, "safety-wallboard-flag")
        managers.close()
    finally:
        earlier.close()
        citizen.close()
        staff.close()


def test_managers_edit_the_rules_and_new_words_fire(live_server, settings, staff_users, browser) -> None:  # noqa: ANN001
    staff = browser.new_context(viewport=STAFF, locale="zh-CN")
    try:
        page = staff.new_page()
        errors = PageErrors(page)
        login(page, live_server.url, staff_users["manager"][0], "/admin/safety", staff_users["manager"][1])
        page.locator("#rules tr[data-code='self_harm']").wait_for(timeout=15000)
        page.fill("#rule-code", "stalking")
        page.fill("#rule-label", "跟踪骚扰")
        page.fill("#rule-priority", "7")
        page.fill("#rule-words", "一直跟踪我\n堵在我家门口")
        page.fill("#rule-guidance", "【安全提示】如有人跟踪骚扰您，情况紧急请拨打 110。")
        page.click("#rule-save")
        page.locator("#rules tr[data-code='stalking']").wait_for(timeout=15000)
        errors.check()
        lawyer = live_server.login(*staff_users["lawyer"])  # not a manager: refused
        assert lawyer.get("/api/safety/rules").status_code == 403
        manager = live_server.login(*staff_users["manager"])
        bad = manager.post("/api/safety/rules", json={"code": "x", "label": "x", "words": ["a+"], "guidance": "g"})
        assert bad.status_code == 422

        chat = ChatClient(live_server.ws_url)
        chat.say("前男友最近一直跟踪我")
        frame = chat.expect("utterance", timeout=15)
        while "110" not in frame.get("text", ""):
            frame = chat.expect("utterance", timeout=15)
        assert frame["safety"] == ["stalking"]
        chat.close()
        with session_scope(get_engine(settings)) as session:
            actions = session.execute(select(AuditEntry.action).where(AuditEntry.action.like("safety.%"))).scalars().all()
        assert "safety.rule_created" in actions and "safety.triggered" in actions
    finally:
        staff.close()
