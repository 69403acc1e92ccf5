"""Referrals in headless Chromium (against the referrals API, docs/referrals-api.md): the duty
lawyer refers a wage-arrears case to legal aid with one click from the console (the form comes
pre-filled from the conversation and is assessed), legal-aid staff find it in their inbox, read
the packet and accept it; the status history, the case and the dashboard follow. Plus the
provincial hardship table on the directory page."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from hotline.auth.service import get_user_by_username
from hotline.cases.models import Case
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.queue import service as routing
from hotline.queue.models import Offer
from tests.conftest import screenshot
from tests.pages.conftest import STAFF, PageErrors, login

WORDS = ["我在工地干了三个月，包工头一直拖欠工资不给，一共两万多块。",
         "我是外地来打工的，家里三口人就靠我这点工资，请不起律师。"]


@pytest.fixture(scope="module", autouse=True)
def referrals_api(hotline):  # noqa: ANN001, ANN201
    if httpx.get(f"{hotline.url}/api/referrals/meta").status_code == 404:
        pytest.skip("the referrals API (hotline/referrals) is not installed in this checkout")


def answered_chat(hotline, words: list[str] = WORDS, category: str = "labour") -> tuple[int, int]:  # noqa: ANN001
    """A chat the demo lawyer has answered (through the real intake and routing service layer)."""
    with session_scope(hotline.engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        routing.set_presence(s, lawyer.id, "available")
        contact, _ = contacts.start_chat(s)
        for text in words:
            contacts.add_utterance(s, contact, speaker="citizen", text=text)
        routing.enqueue(s, contact.id, category)
        routing.dispatch(s)
    with session_scope(hotline.engine) as s:
        offer = s.execute(select(Offer).where(Offer.contact_id == contact.id)).scalar_one()
        routing.accept(s, offer.id, lawyer.id)
        return contact.id, contact.case_id


def test_lawyer_refers_to_legal_aid_and_legal_aid_staff_accept(hotline, browser) -> None:  # noqa: ANN001
    contact_id, case_id = answered_chat(hotline)
    lawyer_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    staff_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    try:
        lawyer = lawyer_ctx.new_page()
        lawyer_errors = PageErrors(lawyer)
        login(lawyer, hotline.url, "lawyer1", "/console")
        lawyer.wait_for_selector(f"#contact-list li[data-contact-id='{contact_id}']")
        lawyer.wait_for_selector("#case-form:not(.hidden)")
        lawyer.click("#refer-legal-aid")
        lawyer.wait_for_selector("#referral-dialog[open]")
        assert "法律援助中心" in lawyer.inner_text("#referral-office")
        assert "拖欠工资" in lawyer.input_value("#referral-facts")  # pre-filled from the conversation
        lawyer.select_option("[data-field=province]", "广东省")
        matter = lawyer.locator("[data-field=matter_types] input[value=labour_remuneration]")
        if not matter.is_checked():
            matter.check()
        lawyer.locator("[data-field='applicant.migrant_worker']").check()
        lawyer.fill("[data-field='economy.household_size']", "3")
        lawyer.fill("[data-field='economy.household_monthly_income']", "4200")
        lawyer.locator("[data-field='economy.integrity_pledge']").check()
        if not lawyer.input_value("#referral-summary"):
            lawyer.fill("#referral-summary", "农民工被拖欠三个月工资，申请法律援助")
        lawyer.click("#referral-assess")
        lawyer.locator("#referral-assessment strong").wait_for()
        screenshot(lawyer, "console-referral-legal-aid")
        lawyer_errors.check()  # while the dialog with the assessment is on screen
        lawyer.click("#referral-submit")
        lawyer.locator(".toast", has_text="已转介").wait_for(timeout=15000)
        lawyer.locator("#case-status", has_text="转介").wait_for(timeout=15000)
        lawyer_errors.check()
        with session_scope(hotline.engine) as s:
            assert s.get(Case, case_id).status == "referred"

        staff = staff_ctx.new_page()
        staff_errors = PageErrors(staff)
        login(staff, hotline.url, "legalaid1", "/inbox")
        row = staff.locator("#referrals tr[data-referral-id]").first
        row.wait_for(timeout=15000)
        referral_id = int(row.get_attribute("data-referral-id"))
        assert "待受理" in row.inner_text()
        row.click()
        staff.wait_for_selector("#detail-body:not(.hidden)")
        assert "法律援助评估" in staff.inner_text("#d-packet-view")
        packet = staff.get_attribute("#d-packet", "href")
        client = hotline.login("legalaid1", "demo-12348")
        assert client.get(packet).status_code == 200
        screenshot(staff, "inbox-referral")
        staff.click("#decide-accept")
        staff.fill("#decision-ref", "援受字〔2026〕第1号")
        staff.click("#decision-submit")
        staff.locator("#d-status", has_text="已受理").wait_for(timeout=15000)
        staff.locator("#d-history li", has_text="已受理").wait_for()
        staff.locator(f"#referrals tr[data-referral-id='{referral_id}']", has_text="已受理").wait_for()
        screenshot(staff, "inbox-accepted")
        staff_errors.check()

        detail = client.get(f"/api/referrals/{referral_id}").json()
        assert detail["status"] == "accepted" and detail["case_id"] == case_id
        assert detail["decision"]["office_reference"] == "援受字〔2026〕第1号"
        manager = hotline.login("manager1", "demo-12348")
        refs = manager.get("/api/admin/report").json()["referrals"]
        assert refs["available"] and refs["by_status"].get("accepted", 0) >= 1
        assert refs["by_type"].get("legal_aid", 0) >= 1
    finally:
        lawyer_ctx.close()
        staff_ctx.close()


def test_hardship_table_admin_adds_a_version(hotline, browser) -> None:  # noqa: ANN001
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    errors = PageErrors(page)
    try:
        login(page, hotline.url, "manager1", "/admin/directory")
        page.wait_for_selector("#hardship-section:not(.hidden)", timeout=15000)
        page.select_option("#hs-province", "广东省")
        page.fill("#hs-from", "2030-01-01")
        page.fill("#hs-amount", "2888")
        page.fill("#hs-basis", "测试：参照当地最低工资标准")
        page.click("#hs-add")
        page.locator("#hardship tr[data-from='2030-01-01']", has_text="2888").wait_for(timeout=15000)
        screenshot(page, "admin-hardship")
        rows = hotline.login("manager1", "demo-12348").get("/api/referrals/hardship-standards",
                                                            params={"province": "广东省"}).json()
        assert any(r["effective_from"] == "2030-01-01" and r["monthly_income_per_member"] == 2888 for r in rows)
        errors.check()
    finally:
        ctx.close()


def test_mediation_referral_needs_consent_and_the_committee_records_its_work(hotline, browser) -> None:  # noqa: ANN001
    contact_id, case_id = answered_chat(hotline, ["楼上邻居装修天天半夜打钻，噪音太大了，沟通了好几次都不听。",
                                                  "我想找人调解一下，不想打官司。"], "property")
    lawyer_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    staff_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    try:
        lawyer = lawyer_ctx.new_page()
        lawyer_errors = PageErrors(lawyer)
        login(lawyer, hotline.url, "lawyer1", "/console")
        lawyer.locator(f"#contact-list li[data-contact-id='{contact_id}']").click()
        lawyer.locator("#case-ref", has_text="12348-").wait_for()
        lawyer.wait_for_function(f"window.__console.current === {contact_id}")
        lawyer.click("#refer-mediation")
        lawyer.wait_for_selector("#referral-dialog[open]")
        assert "人民调解委员会" in lawyer.inner_text("#referral-office")
        lawyer.fill("#referral-summary", "邻居装修噪音纠纷，市民希望调解")
        lawyer.click("#referral-submit")  # no consent yet: refused in the page, nothing sent
        lawyer.locator("#referral-error", has_text="同意").wait_for()
        lawyer.check("#consent-given")
        lawyer.fill("#consent-note", "市民在对话中明确同意调解")
        lawyer_errors.check()
        lawyer.click("#referral-submit")
        lawyer.locator(".toast", has_text="已转介").wait_for(timeout=15000)
        lawyer_errors.check()

        staff = staff_ctx.new_page()
        staff_errors = PageErrors(staff)
        login(staff, hotline.url, "mediator1", "/inbox")
        row = staff.locator("#referrals tr[data-referral-id]", has_text="人民调解").first
        row.wait_for(timeout=15000)
        referral_id = int(row.get_attribute("data-referral-id"))
        row.click()
        staff.wait_for_selector("#detail-body:not(.hidden)")
        assert "市民在对话中明确同意调解" in staff.inner_text("#d-packet-view")
        staff.click("#decide-accept")
        staff.click("#decision-submit")
        staff.locator("#d-status", has_text="已受理").wait_for(timeout=15000)
        staff.wait_for_selector("#record-form:not(.hidden)")
        staff.select_option("#rec-type", "registration")
        staff.fill("#rec-note", "已登记，约双方周五到社区调解室")
        staff.set_input_files("#rec-file", files=[{"name": "受理登记表.txt", "mimeType": "text/plain",
                                                   "buffer": "受理登记表（测试）".encode()}])
        staff.click("#rec-submit")
        staff.locator("#d-status", has_text="已登记").wait_for(timeout=15000)
        staff.locator("#d-records li", has_text="受理登记表.txt").wait_for()
        screenshot(staff, "inbox-mediation-records")
        staff_errors.check()
        detail = hotline.login("mediator1", "demo-12348").get(f"/api/referrals/{referral_id}").json()
        assert detail["status"] == "registered" and detail["case_id"] == case_id
        assert [r["record_type"] for r in detail["records"]][-1] == "registration"
        assert detail["records"][-1]["attachment"]["filename"] == "受理登记表.txt"
    finally:
        lawyer_ctx.close()
        staff_ctx.close()
