"""The day on the floor, in headless Debian Chromium against a running hotline:

a manager opens the dashboard (nothing yet); a citizen starts a chat on the real chat page
(phone-sized); the duty lawyer, signed in to the console, hears the offer, accepts it with the
keyboard, sees suggestions appear for the citizen's words and refresh when the citizen says
more, copies one into the reply and sends it, rates another unhelpful with a reason, searches
the knowledge base by hand, fills in the case panel, ends the contact and finishes wrap-up; the
citizen rates the service; the manager's figures and chart change accordingly."""
from __future__ import annotations

import json

from sqlalchemy import select

from hotline.assist.models import Suggestion
from hotline.audit.models import AuditEntry
from hotline.cases.models import Case
from hotline.contacts.models import Contact, SatisfactionRating, Utterance
from hotline.database import session_scope
from tests.conftest import SHARED, screenshot, agree_to_consent
from tests.pages.conftest import DEMO_PASSWORD, STAFF, PageErrors, login

PHONE = {"width": 390, "height": 844}


def kpi(page, key: str) -> str:  # noqa: ANN001
    return page.get_attribute(f"#kpi-{key}", "data-value")


def chart_total(page, element_id: str) -> float:  # noqa: ANN001
    """The sum of every bar plotted in a plotly chart (read from the chart element's data)."""
    return page.evaluate(f"""() => (document.getElementById('{element_id}').data || [])
        .reduce((sum, t) => sum + (t.y || []).reduce((a, b) => a + (b || 0), 0), 0)""")


def statute_version(article_id: str) -> str | None:
    """The version (date) of an article in the statute file the knowledge base is built from."""
    with open(SHARED / "data" / "statutes" / "articles.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["id"] == article_id:
                return row["version"]
    raise AssertionError(f"article {article_id!r} not in the statute file")


def reload_report(page) -> None:  # noqa: ANN001
    before = int(page.evaluate("document.body.dataset.reportLoaded || 0"))
    page.click("#refresh")
    page.wait_for_function(f"Number(document.body.dataset.reportLoaded || 0) > {before}")


def test_lawyer_answers_with_suggestions_and_manager_sees_figures_change(hotline, browser) -> None:  # noqa: ANN001
    manager_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    lawyer_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    citizen_ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                      locale="zh-CN")
    try:
        # -- the manager's dashboard before any contact ------------------------------------------------
        manager = manager_ctx.new_page()
        manager_errors = PageErrors(manager)
        login(manager, hotline.url, "manager1", "/dashboard")
        manager.wait_for_function("Number(document.body.dataset.reportLoaded || 0) >= 1")
        manager.wait_for_selector("#wall-available")
        # the recogniser's back-pressure tile, as the signed-in manager's page reads it
        staff = hotline.login("manager1", DEMO_PASSWORD)  # an opened client: not usable in `with` again
        try:
            voice = staff.get("/api/voice/status")
        finally:
            staff.close()
        assert voice.status_code == 200, voice.text
        manager.locator("#wall-asr .value", has_text=f"/{voice.json()['workers']} 忙").wait_for(timeout=10000)
        assert kpi(manager, "offered") == "0" and kpi(manager, "answered") == "0"
        assert chart_total(manager, "chart-channel") == 0
        screenshot(manager, "dashboard-before")

        # -- the lawyer signs in and becomes available --------------------------------------------------
        lawyer = lawyer_ctx.new_page()
        lawyer_errors = PageErrors(lawyer)
        login(lawyer, hotline.url, "lawyer1", "/console")
        lawyer.wait_for_selector("#conn-dot.up")
        lawyer.click("#state-available")
        lawyer.wait_for_selector("#state-available.on")
        lawyer.locator("#my-state", has_text="空闲").wait_for()

        # -- a citizen asks on the chat page --------------------------------------------------------------
        citizen = citizen_ctx.new_page()
        citizen.goto(f"{hotline.url}/chat")
        agree_to_consent(citizen)
        citizen.wait_for_selector("#conn-state.ok", timeout=15000)
        citizen.fill("#message", "公司拖欠我三个月工资，老板一直不给，我该怎么办？")
        citizen.click("#send")
        citizen.locator("li.msg.citizen .status", has_text="已送达").wait_for(timeout=15000)

        # -- the offer rings; accept with the keyboard ----------------------------------------------------
        lawyer.wait_for_selector("#offer:not(.hidden)", timeout=20000)
        assert lawyer.evaluate("window.__consoleBeeps") >= 1  # the WebAudio beep played
        assert "拖欠" in lawyer.inner_text("#offer-preview")
        screenshot(lawyer, "console-offer")
        lawyer.keyboard.press("a")
        lawyer.wait_for_selector("#offer.hidden", state="attached")
        lawyer.wait_for_selector("#contact-list li.current")
        citizen.locator("li.msg.system", has_text="已接入").wait_for(timeout=15000)

        # -- suggestions for what the citizen said: law, article number, version, link -------------------
        lawyer.wait_for_selector("#suggestions li.sugg", timeout=20000)
        first_ids = set(lawyer.eval_on_selector_all("#suggestions li.sugg", "els => els.map(e => e.dataset.suggestionId)"))
        article = lawyer.locator("#suggestions li.sugg[data-kind=article]").first
        title = article.locator("a.title").inner_text()
        assert title.startswith("《") and "第" in title and "条" in title
        # the version of the suggested article, as the statute file gives it (not the "版本不详" fallback)
        version = statute_version(article.get_attribute("data-ref"))
        assert version, article.get_attribute("data-ref")  # the wage question's articles are dated statutes
        assert article.locator(".head .badge[title='版本日期']").inner_text().strip() == f"{version} 版"
        assert "版本不详" not in article.locator(".head").inner_text()
        with lawyer.expect_popup() as popup:  # the link to the full text (the click is logged)
            article.locator("a.title").click()
        full = popup.value
        full.wait_for_load_state()
        assert full.inner_text("h1") == title and full.locator("article .text").inner_text().strip()
        screenshot(full, "console-article-full-text")
        full.close()
        with session_scope(hotline.engine) as s:
            contact = s.execute(select(Contact).order_by(Contact.id.desc())).scalars().first()
            contact_id, case_id = contact.id, contact.case_id
            shown = s.execute(select(Suggestion).where(Suggestion.contact_id == contact_id)).scalars().all()
        assert {str(x.id) for x in shown} >= first_ids  # what the console shows is what was stored

        # the citizen says more: the suggestions refresh
        citizen.fill("#message", "我没有签劳动合同，能要求双倍工资吗？")
        citizen.click("#send")
        lawyer.locator("#conversation li.msg.citizen", has_text="双倍工资").wait_for(timeout=15000)
        lawyer.wait_for_function(
            """ids => { const now = [...document.querySelectorAll('#suggestions li.sugg')].map(e => e.dataset.suggestionId);
                        return now.length > 0 && now.every(id => !ids.includes(id)); }""", arg=list(first_ids), timeout=20000)
        screenshot(lawyer, "console-suggestions")

        # -- copy a suggestion into the reply and send it with Ctrl+Enter ----------------------------------
        card = lawyer.locator("#suggestions li.sugg[data-kind=article]").first
        copied_id = int(card.get_attribute("data-suggestion-id"))
        card.locator("[data-action=copy]").click()
        reply = lawyer.input_value("#reply-text")
        assert reply.startswith("根据《")
        lawyer.focus("#reply-text")
        lawyer.keyboard.press("End")
        lawyer.keyboard.type(" 您可以先收集工资条、考勤记录等证据。")
        lawyer.keyboard.press("Control+Enter")
        lawyer.locator("#conversation li.msg.lawyer", has_text="考勤记录").wait_for(timeout=15000)
        citizen.locator("li.msg.lawyer", has_text="根据《").wait_for(timeout=15000)
        assert lawyer.input_value("#reply-text") == ""

        # -- rate another suggestion unhelpful, with a reason --------------------------------------------
        other = lawyer.locator("#suggestions li.sugg").nth(1)
        rated_id = int(other.get_attribute("data-suggestion-id"))
        other.locator("[data-action=unhelpful]").click()
        other.locator("[data-reason=不相关]").click()
        lawyer.locator(f"#suggestions li.sugg[data-suggestion-id='{rated_id}'] .badge", has_text="不相关").wait_for()
        with session_scope(hotline.engine) as s:
            copied = s.get(Suggestion, copied_id)
            rated = s.get(Suggestion, rated_id)
            assert copied.copied_at is not None
            assert (rated.rating, rated.rating_reason) == ("unhelpful", "不相关")
            actions = set(s.execute(select(AuditEntry.action).where(AuditEntry.contact_id == contact_id)).scalars())
        assert {"suggestion.shown", "suggestion.click", "suggestion.copy", "suggestion.rate"} <= actions

        # -- search the knowledge base by hand (the '/' shortcut) ------------------------------------------
        lawyer.keyboard.press("Escape")
        lawyer.keyboard.press("/")
        assert lawyer.evaluate("document.activeElement.id") == "search-input"
        lawyer.keyboard.type("试用期 辞退 赔偿")
        lawyer.keyboard.press("Enter")
        lawyer.locator("#sugg-status", has_text="手动检索").wait_for()
        lawyer.wait_for_selector("#suggestions li.sugg")
        lawyer.click("#search-clear")

        # -- the help overlay lists the shortcuts ---------------------------------------------------------
        lawyer.keyboard.press("?")
        lawyer.wait_for_selector("#help[open]")
        assert "Ctrl+Enter" in lawyer.inner_text("#help")
        screenshot(lawyer, "console-shortcuts")
        lawyer.keyboard.press("Escape")
        lawyer.wait_for_selector("#help:not([open])", state="attached")

        # -- the case panel: summary and disposition saved with Ctrl+S ---------------------------------------
        lawyer.wait_for_selector("#case-form:not(.hidden)")
        lawyer.fill("#case-summary", "拖欠工资三个月，未签书面劳动合同")
        lawyer.select_option("#case-category", "labour")
        lawyer.select_option("#case-disposition", "已提供法律依据")
        lawyer.focus("#case-summary")
        lawyer.keyboard.press("Control+s")
        lawyer.locator(".toast", has_text="案件信息已保存").wait_for()
        with session_scope(hotline.engine) as s:
            case = s.get(Case, case_id)
            assert (case.summary, case.category_code, case.disposition) == (
                "拖欠工资三个月，未签书面劳动合同", "labour", "已提供法律依据")
            assert case.deadline_at is not None  # 限时办结 from the category
        screenshot(lawyer, "console-case-panel")

        # -- end the contact, finish wrap-up ----------------------------------------------------------------
        lawyer.click("#end-open")
        lawyer.wait_for_selector("#end-dialog[open]")
        assert lawyer.input_value("#end-disposition") == "已提供法律依据"
        lawyer.click("#end-submit")
        lawyer.wait_for_selector("#wrapup-bar:not(.hidden)", timeout=15000)
        lawyer.locator("#my-state", has_text="话后整理").wait_for()
        screenshot(lawyer, "console-wrapup")
        lawyer.click("#wrapup-done")
        lawyer.locator("#my-state", has_text="空闲").wait_for(timeout=15000)

        # -- the citizen rates the service on the phone --------------------------------------------------
        citizen.wait_for_selector("#rating:not(.hidden)", timeout=15000)
        citizen.click("label[for=score-5]")
        citizen.fill("#rating-comment", "律师很耐心，电话13812345678")
        screenshot(citizen, "chat-rating")
        citizen.click("#rate-submit")
        citizen.wait_for_selector("#rating-done:not(.hidden)", timeout=15000)
        with session_scope(hotline.engine) as s:
            rating = s.execute(select(SatisfactionRating).where(SatisfactionRating.contact_id == contact_id)).scalar_one()
            assert (rating.score, rating.channel) == (5, "chat")
            lawyer_texts = s.execute(select(Utterance.text).where(Utterance.contact_id == contact_id,
                                                                  Utterance.speaker == "lawyer")).scalars().all()
        assert any(t.startswith("根据《") for t in lawyer_texts)

        # -- the manager's figures and chart have moved ------------------------------------------------------
        reload_report(manager)
        assert kpi(manager, "offered") == "1" and kpi(manager, "answered") == "1"
        assert kpi(manager, "answer_rate") == "1"
        assert kpi(manager, "rated_share") == "1" and kpi(manager, "satisfaction") == "1"
        assert float(kpi(manager, "asa")) < 20 and kpi(manager, "service_level") == "1"
        assert float(kpi(manager, "aht")) > 0
        assert chart_total(manager, "chart-channel") == 1
        assert chart_total(manager, "chart-category") == 1
        assert "张律师" in manager.inner_text("#per-lawyer")
        assert "已提供法律依据" in manager.inner_text("#dispositions")
        screenshot(manager, "dashboard-after")
        manager_errors.check()
        lawyer_errors.check()
    finally:
        for ctx in (manager_ctx, lawyer_ctx, citizen_ctx):
            ctx.close()


def test_dashboard_dates_are_the_hotlines_days(hotline, browser) -> None:  # noqa: ANN001
    """The report's default range ends today on the hotline's clock (Asia/Shanghai), which is what
    the server reads the dates in, whatever zone the manager's browser is in. At 17:00 UTC it is
    already tomorrow in Shanghai: a range ending on the browser's date left out every contact of
    the Shanghai morning (the figures stayed 0 from 16:00 UTC on)."""
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN", timezone_id="UTC")
    try:
        page = ctx.new_page()
        page.clock.set_fixed_time("2026-11-27T17:00:00Z")
        login(page, hotline.url, "manager1", "/dashboard")
        page.wait_for_function("Number(document.body.dataset.reportLoaded || 0) >= 1")
        assert page.get_attribute("body", "data-tz") == "Asia/Shanghai"
        assert (page.input_value("#f-start"), page.input_value("#f-end")) == ("2026-11-22", "2026-11-28")
    finally:
        ctx.close()
