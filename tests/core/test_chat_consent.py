"""A real consent step (issue 19, item 12), in headless Debian Chromium at a phone's size: before
the first message the page says what is recorded, how long it is kept and not to send ID numbers
unless asked, links to the privacy policy, and lets the citizen write only after agreeing; the
consent (time and notice version) is recorded on the contact and in the audit log, once."""
from __future__ import annotations

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.contacts.models import Contact
from hotline.database import get_engine, session_scope
from tests.conftest import screenshot

PHONE = {"width": 390, "height": 844}


def test_consent_before_the_first_message_is_recorded_on_the_contact(live_server, settings, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/chat")
        page.wait_for_selector("#conn-state.ok", timeout=15000)
        consent = page.locator("#consent")
        assert consent.is_visible() and page.locator("#composer").is_hidden()
        text = consent.inner_text()
        for needed in ("我们会记录", f"保存 {settings.chat_retention_years} 年", "身份证号", "除非值班律师明确要求"):
            assert needed in text, needed
        assert page.locator("#consent-accept").is_disabled()
        screenshot(page, "chat-consent")

        href = page.get_attribute("#privacy-link", "href")
        policy = context.new_page()
        policy.goto(f"{live_server.url}{href}")
        assert "隐私政策" in policy.inner_text("h1") and "保存期限" in policy.inner_text("#privacy")
        policy.close()

        page.check("#consent-check")
        page.click("#consent-accept")
        page.wait_for_selector("#composer:not(.hidden)", timeout=15000)
        assert consent.is_hidden()
        engine = get_engine(settings)
        with session_scope(engine) as session:
            contact = session.execute(select(Contact)).scalar_one()
            assert contact.consent_at is not None and contact.consent_version == settings.chat_consent_version

        page.reload()  # the same consultation: consent already given
        page.wait_for_selector("#composer:not(.hidden)", timeout=15000)
        assert consent.is_hidden()
        page.fill("#message", "请问离婚需要准备哪些材料？")
        page.click("#send")
        page.locator("li.msg.citizen .status", has_text="已送达").wait_for(timeout=15000)
        with session_scope(engine) as session:
            logged = session.execute(select(AuditEntry).where(AuditEntry.action == "contact.consent")).scalars().all()
            assert len(logged) == 1 and logged[0].data["version"] == settings.chat_consent_version
    finally:
        context.close()
