"""Supervision and quality inspection in headless Debian Chromium against a running hotline:

1. a citizen chats on the real chat page; the duty lawyer has it in the console; the manager
   finds it on the wallboard (/supervision), opens the monitor view and follows it live, whispers
   (the lawyer's console shows it, the citizen's page never does), then joins as 督导 (the citizen
   sees 督导 join and speak); every step is in the audit log;
2. an inspector scores a sampled contact on /quality, the lawyer sees the result and disputes it
   once, the manager revises the score."""
from __future__ import annotations

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth.service import get_user_by_username
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.quality.models import Inspection, QualitySample
from tests.conftest import screenshot, agree_to_consent
from tests.pages.conftest import STAFF, PageErrors, login

PHONE = {"width": 390, "height": 844}


def test_manager_monitors_whispers_and_barges_into_a_live_chat(hotline, browser) -> None:  # noqa: ANN001
    citizen_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    lawyer_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    manager_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    try:
        citizen = citizen_ctx.new_page()
        citizen_errors = PageErrors(citizen)
        citizen.goto(f"{hotline.url}/chat")
        agree_to_consent(citizen)
        citizen.wait_for_selector("#case-ref:not(:empty)")
        citizen.fill("#message", "公司拖欠我三个月工资，我的电话是13812345678，怎么办？")
        citizen.click("#send")
        with session_scope(hotline.engine) as s:
            lawyer_id = get_user_by_username(s, "lawyer1").id
        import time

        deadline = time.monotonic() + 20
        while True:  # the message is stored; the duty lawyer takes the chat
            with session_scope(hotline.engine) as s:
                contact = s.execute(select(Contact).order_by(Contact.id.desc()).limit(1)).scalar_one()
                if contacts.transcript(s, contact.id):
                    contacts.mark_answered(s, contact, lawyer_id)
                    contact_id = contact.id
                    break
            assert time.monotonic() < deadline, "the citizen's message was not stored"
            time.sleep(0.2)

        lawyer = lawyer_ctx.new_page()
        lawyer_errors = PageErrors(lawyer)
        login(lawyer, hotline.url, "lawyer1", "/console")
        lawyer.wait_for_selector("#conn-dot.up")

        manager = manager_ctx.new_page()
        manager_errors = PageErrors(manager)
        login(manager, hotline.url, "manager1", "/supervision")
        row = manager.locator(f"#live tr[data-contact='{contact_id}']")
        row.wait_for()
        assert "张律师" in row.inner_text() and "通话" in row.inner_text()
        assert "13812345678" not in row.inner_text()  # redacted on the wallboard
        screenshot(manager, "supervision-wallboard")
        row.locator("a", has_text="监听").click()
        manager.wait_for_url(f"**/supervision/monitor/{contact_id}")
        manager.wait_for_selector("body[data-monitoring='1']")
        manager.locator("#m-transcript li.citizen", has_text="拖欠我三个月工资").wait_for()
        assert "13812345678" not in manager.inner_text("#m-transcript")

        # the lawyer sees that a manager is monitoring (the centre's default policy)
        lawyer.locator("#monitored-banner", has_text="正在监听").wait_for()

        # live: the citizen writes more, the monitor view follows
        citizen.fill("#message", "我没有签劳动合同")
        citizen.click("#send")
        manager.locator("#m-transcript li.citizen", has_text="没有签劳动合同").wait_for()

        # whisper: only the lawyer sees it
        manager.fill("#whisper-text", "提醒律师：可主张未签合同的二倍工资")
        manager.click("#whisper-send")
        lawyer.locator("#whispers .whisper-note", has_text="可主张未签合同的二倍工资").wait_for()
        screenshot(lawyer, "console-whisper")

        # barge: the citizen sees 督导 join, then speak
        manager.click("#barge")
        citizen.locator("#thread", has_text="督导王主任已加入会话").wait_for()
        manager.wait_for_selector("#sup-form:not(.hidden)")
        manager.fill("#sup-text", "您好，我是督导，律师会继续为您解答。")
        manager.click("#sup-send")
        said = citizen.locator("#thread li", has_text="我是督导")
        said.wait_for()
        assert "督导" in said.locator(".who").inner_text()
        assert "二倍工资" not in citizen.inner_text("#thread")  # the whisper never reached the citizen
        screenshot(citizen, "chat-supervisor-joined")
        manager.locator("#m-transcript li.supervisor", has_text="我是督导").wait_for()

        manager.click("#stop")
        manager.wait_for_url("**/supervision")
        lawyer.locator("#monitored-banner").wait_for(state="hidden")
        for errors in (citizen_errors, lawyer_errors, manager_errors):
            errors.check()
        with session_scope(hotline.engine) as s:
            actions = [e.action for e in s.execute(select(AuditEntry).where(
                AuditEntry.contact_id == contact_id, AuditEntry.action.startswith("supervision."))
                .order_by(AuditEntry.seq)).scalars()]
        assert actions == ["supervision.monitor_started", "supervision.whisper", "supervision.barge",
                           "supervision.monitor_ended"]
    finally:
        for ctx in (citizen_ctx, lawyer_ctx, manager_ctx):
            ctx.close()


def test_inspector_scores_a_sampled_contact_and_the_lawyer_disputes(hotline, browser) -> None:  # noqa: ANN001
    with session_scope(hotline.engine) as s:
        lawyer_id = get_user_by_username(s, "lawyer1").id
        contact, _ = contacts.start_chat(s)
        contacts.add_utterance(s, contact, speaker="citizen", text="离婚后孩子抚养费怎么算？")
        contacts.mark_answered(s, contact, lawyer_id)
        contacts.add_utterance(s, contact, speaker="lawyer", text="一般按月收入的百分之二十到三十。", author_id=lawyer_id)
        contacts.end_contact(s, contact, actor=f"staff:{lawyer_id}")
        contacts.rate(s, contact, score=2, comment="回答太简单", actor="citizen")  # dissatisfied: always sampled
        contact_id = contact.id

    manager_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    lawyer_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    try:
        manager = manager_ctx.new_page()
        m_errors = PageErrors(manager)
        login(manager, hotline.url, "manager1", "/quality")
        row = manager.locator("#qa-queue tr", has_text=f"#{contact_id}")
        for _ in range(40):  # the sampling sweep runs every second
            if row.count():
                break
            manager.wait_for_timeout(500)
            manager.reload()
        assert "不满意评价" in row.inner_text()
        row.locator("button", has_text="质检").click()
        manager.locator("#qa-transcript li", has_text="抚养费怎么算").wait_for()
        for qid, value in {"greeting": "yes", "patience": "4", "accurate": "yes", "complete": "2",
                           "referral": "na", "record": "no", "privacy": "yes"}.items():
            manager.check(f"[data-question='{qid}'] input[value='{value}']")
        manager.fill("#qa-comment", "解答不完整，未告知变更抚养费的途径")
        manager.click("#qa-submit")
        manager.wait_for_selector("#qa-score")
        # (1 + 2·0.8 + 4 + 3·0.4 + 0 + 2) / 13 = 75.38
        assert manager.get_attribute("#qa-score", "data-score") == "75.38"
        assert "不合格" in manager.inner_text("#qa-score")
        screenshot(manager, "quality-scored")

        lawyer = lawyer_ctx.new_page()
        l_errors = PageErrors(lawyer)
        login(lawyer, hotline.url, "lawyer1", "/quality")
        mine = lawyer.locator("#qa-inspections tr[data-inspection]")
        mine.first.wait_for()
        assert mine.count() == 1 and lawyer.locator("#qa-queue").count() == 0  # no queue for lawyers
        mine.first.locator("button").click()
        lawyer.wait_for_selector("#qa-dispute:not(.hidden)")
        lawyer.fill("#qa-dispute-reason", "已在会话中告知可协商变更，记录未同步")
        lawyer.click("#qa-dispute-send")
        lawyer.locator("#qa-score", has_text="申诉中").wait_for()
        lawyer.wait_for_selector("#qa-dispute.hidden", state="attached")  # once only
        l_errors.check()

        manager.reload()
        disputed = manager.locator("#qa-inspections tr[data-status='disputed']")
        disputed.wait_for()
        disputed.locator("button").click()
        manager.wait_for_selector("#qa-decide:not(.hidden)")
        manager.select_option("#qa-decision", "revised")
        manager.fill("#qa-new-score", "85")
        manager.fill("#qa-decide-note", "核实会话记录，改分")
        manager.click("#qa-decide-send")
        manager.locator("#qa-score", has_text="已改分").wait_for()
        m_errors.check()
        with session_scope(hotline.engine) as s:
            inspection = s.execute(select(Inspection).where(Inspection.contact_id == contact_id)).scalar_one()
            assert inspection.status == "revised" and inspection.final_score == 85 and inspection.passed
            assert inspection.dispute_reason.startswith("已在会话中告知")
            sample = s.execute(select(QualitySample).where(QualitySample.contact_id == contact_id)).scalar_one()
            assert sample.status == "inspected" and sample.reason == "dissatisfied"
    finally:
        manager_ctx.close()
        lawyer_ctx.close()
