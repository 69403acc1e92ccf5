"""Manager administration pages in headless Chromium: the knowledge-base backlog answered with a
new FAQ that the running index serves at once (and stops serving when taken down), roster and
directory edits, and the sign-in / role checks of the staff pages."""
from __future__ import annotations

from urllib.parse import quote

import httpx
from sqlalchemy import select

from hotline.assist.models import BacklogItem, KbFaq
from hotline.audit.models import AuditEntry
from hotline.auth.service import get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.directory.models import Category, Office
from hotline.roster.models import LawyerProfile, Shift
from tests.conftest import screenshot
from tests.pages.conftest import STAFF, PageErrors, login

QUESTION = "公司一直不给我交社保，我电话13800138000，我辞职能要经济补偿吗？"


def search_ids(hotline, q: str) -> list[str]:  # noqa: ANN001
    client = hotline.login("manager1", "demo-12348")
    r = client.get("/api/kb/search", params={"q": q, "top": 10})
    assert r.status_code == 200, r.text
    return [h["id"] for h in r.json()["hits"]]


def test_backlog_question_answered_with_a_faq_published_without_restart(hotline, browser) -> None:  # noqa: ANN001
    with session_scope(hotline.engine) as s:
        contact, _ = contacts.start_chat(s)
        s.add(BacklogItem(contact_id=contact.id, question=QUESTION, reason="all_unhelpful"))
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    errors = PageErrors(page)
    page.on("dialog", lambda d: d.accept())
    try:
        login(page, hotline.url, "manager1", "/admin/kb")
        item = page.locator(".backlog-item").first
        item.wait_for()
        assert "【手机号】" in item.inner_text() and "13800138000" not in item.inner_text()  # redacted
        assert "建议均被标记为无帮助" in item.inner_text()
        item.locator("[data-action=answer]").click()
        assert "社保" in page.input_value("#faq-question")
        page.fill("#faq-question", "公司不给交社保，我辞职能要经济补偿吗？")
        page.fill("#faq-answer", "用人单位未依法为劳动者缴纳社会保险费的，劳动者可以解除劳动合同，"
                                 "并要求用人单位支付经济补偿。建议先保留劳动合同、工资流水、社保缴费记录等证据，"
                                 "向用人单位书面提出解除，再向劳动争议仲裁委员会申请仲裁。")
        page.fill("#article-q", "用人单位未依法为劳动者缴纳社会保险费 劳动者可以解除劳动合同")
        page.click("#article-search")
        page.locator("#article-hits li.sugg").first.wait_for()
        page.locator("#article-hits li.sugg [data-action=link]").first.click()
        page.locator("#faq-statutes .chip").first.wait_for()
        screenshot(page, "admin-kb-compose")
        page.click("#faq-publish")
        page.locator(".toast", has_text="已发布").wait_for(timeout=20000)

        with session_scope(hotline.engine) as s:
            faq = s.execute(select(KbFaq)).scalar_one()
            backlog = s.execute(select(BacklogItem)).scalar_one()
            assert backlog.resolved_faq_id == faq.faq_id and backlog.resolved_at is not None
            assert faq.published and faq.statutes
            assert s.execute(select(AuditEntry).where(AuditEntry.action == "kb.faq_published")).scalar_one()
        # the running server's index serves it now: no restart
        assert faq.faq_id in search_ids(hotline, "公司不交社保 辞职 经济补偿")
        page.click("#verify-search")
        page.locator("#verify-hits li.hotline-hit").first.wait_for()
        page.locator(f"#faqs tr[data-faq-id='{faq.faq_id}']").wait_for()
        assert page.locator(".backlog-item").count() == 0
        screenshot(page, "admin-kb-published")

        page.locator(f"#faqs tr[data-faq-id='{faq.faq_id}'] button", has_text="撤下").click()
        page.locator(f"#faqs tr[data-faq-id='{faq.faq_id}']", has_text="已撤下").wait_for()
        assert faq.faq_id not in search_ids(hotline, "公司不交社保 辞职 经济补偿")

        # bad input is refused and stores nothing
        client = hotline.login("manager1", "demo-12348")
        r = client.post("/api/admin/kb/faqs", json={"question": "一个问题？", "answer": "一个足够长的答案，共十个字以上。",
                                                    "statutes": ["不存在的法条#第一条"]})
        assert r.status_code == 422 and "法条" in r.json()["detail"]
        with session_scope(hotline.engine) as s:
            assert len(s.execute(select(KbFaq)).all()) == 1
        errors.check()
    finally:
        ctx.close()


def test_directory_and_roster_pages_edit_the_data(hotline, browser) -> None:  # noqa: ANN001
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    errors = PageErrors(page)
    try:
        login(page, hotline.url, "manager1", "/admin/directory")
        row = page.locator("#categories tr[data-code=labour]")
        row.wait_for()
        row.locator("input[aria-label=办结时限]").fill("96")
        row.locator("[data-action=save]").click()
        page.locator(".toast", has_text="已保存").wait_for()
        page.click("#office-new")
        page.fill("#o-code", "med-test-street")
        page.fill("#o-name", "测试街道人民调解委员会")
        page.select_option("#o-kind", "mediation")
        page.fill("#o-areas", "广东省深圳市宝安区测试街道")
        page.locator("#o-categories label", has_text="房产与物业").locator("input").check()
        screenshot(page, "admin-directory-office")
        page.click("#o-save")
        page.locator("#offices tr", has_text="测试街道人民调解委员会").wait_for()
        screenshot(page, "admin-directory")
        with session_scope(hotline.engine) as s:
            assert s.get(Category, "labour").time_limit_hours == 96
            office = s.execute(select(Office).where(Office.code == "med-test-street")).scalar_one()
            assert (office.kind, office.areas, office.categories) == ("mediation", ["广东省深圳市宝安区测试街道"],
                                                                      ["property"])

        page.goto(f"{hotline.url}/admin/roster")
        lawyer_row = page.locator("#lawyers tr").first
        lawyer_row.wait_for()
        lawyer_row.locator("label", has_text="刑事").locator("input").uncheck()
        lawyer_row.locator("input[aria-label=在线容量]").fill("2")
        lawyer_row.locator("[data-action=save]").click()
        page.locator(".toast", has_text="已保存").wait_for()
        page.select_option("#shift-days", "custom")
        page.fill("#shift-digits", "67")
        page.fill("#shift-start", "18:00")
        page.fill("#shift-end", "02:00")
        page.fill("#shift-note", "周末夜班")
        page.click("#shift-add")
        page.locator("#shifts tr", has_text="周末夜班").wait_for()
        assert "每周六、日" in page.locator("#shifts tr", has_text="周末夜班").inner_text()
        page.fill("#shift-digits", "89")  # not a weekday: refused with the routing API's message
        page.click("#shift-add")
        page.locator(".toast.error", has_text="排班格式错误").wait_for()
        screenshot(page, "admin-roster")
        with session_scope(hotline.engine) as s:
            lawyer = get_user_by_username(s, "lawyer1")
            profile = s.get(LawyerProfile, lawyer.id)
            assert "criminal" not in profile.skills and "labour" in profile.skills and profile.chat_capacity == 2
            night = s.execute(select(Shift).where(Shift.note == "周末夜班")).scalar_one()
            assert (night.days, night.start, night.end) == ("67", "18:00", "02:00")
        errors.check()
    finally:
        ctx.close()


def test_staff_pages_check_sign_in_and_role(hotline, browser) -> None:  # noqa: ANN001
    anonymous = httpx.get(f"{hotline.url}/dashboard", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=%2Fdashboard"
    assert httpx.get(f"{hotline.url}/vendor/plotly.min.js").headers["content-type"].startswith("application/javascript")
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    try:
        login(page, hotline.url, "lawyer1", "/console")
        response = page.goto(f"{hotline.url}/dashboard")
        assert response.status == 403
        assert "无权访问" in page.inner_text("main")
        screenshot(page, "forbidden")
        article_id = search_ids(hotline, "拖欠工资")[0]
        response = page.goto(f"{hotline.url}/console/articles/{quote(article_id)}")  # '#' in ids
        assert response.status == 200
        assert page.inner_text("h1").startswith("《") and "版" in page.inner_text("article")
        screenshot(page, "article-full-text")
        assert page.goto(f"{hotline.url}/console/articles/{quote('不存在#第一条')}").status == 404
    finally:
        ctx.close()
