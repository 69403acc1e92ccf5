"""The console's smaller slips (issue 19, item 7), in headless Chromium: the contact list
previews the latest message, the manual search belongs to its chat, and a suggestion rated
无帮助 / 不相关 does not come back in the next refresh for that contact."""
from __future__ import annotations

from tests.pages.console_helpers import answered_chat, citizen_asks, open_console

SUGG_IDS = "els => els.map(e => e.dataset.suggestionId)"


def test_preview_search_box_and_rejected_suggestion(hotline, browser) -> None:  # noqa: ANN001
    other, _ = answered_chat(hotline, ["我想离婚，孩子的抚养权怎么判？"], category="family")
    ctx, lawyer, errors = open_console(browser, hotline)
    citizen_ctx = None
    try:
        lawyer.click("#state-available")
        lawyer.wait_for_selector("#state-available.on")
        citizen_ctx, citizen = citizen_asks(browser, hotline, "公司拖欠我三个月工资，老板一直不给，我该怎么办？")
        lawyer.wait_for_selector("#offer:not(.hidden)", timeout=20000)
        lawyer.click("#offer-accept")
        lawyer.wait_for_function("document.querySelectorAll('#contact-list li[data-contact-id]').length === 2")
        mine = lawyer.eval_on_selector("#contact-list li.current", "e => Number(e.dataset.contactId)")
        assert mine != other
        row = lambda cid: f"#contact-list li[data-contact-id='{cid}']"  # noqa: E731

        # rate the top suggestion 无帮助 / 不相关
        lawyer.wait_for_selector("#suggestions li.sugg", timeout=20000)
        first_ids = lawyer.eval_on_selector_all("#suggestions li.sugg", SUGG_IDS)
        top = lawyer.locator("#suggestions li.sugg").first
        rejected = (top.get_attribute("data-kind"), top.get_attribute("data-ref"))
        top.locator("[data-action=unhelpful]").click()
        top.locator("[data-reason=不相关]").click()
        lawyer.locator("#suggestions li.sugg .badge", has_text="不相关").wait_for()

        # the citizen says more: the list previews it, the refresh leaves the rejected one out
        citizen.fill("#message", "我在公司干了两年，工资还欠着，也没签劳动合同，能要求赔偿吗？")
        citizen.click("#send")
        lawyer.locator(row(mine) + " .preview", has_text="没签劳动合同").wait_for(timeout=15000)
        lawyer.wait_for_function(
            """ids => { const now = [...document.querySelectorAll('#suggestions li.sugg')].map(e => e.dataset.suggestionId);
                        return now.length > 0 && now.every(id => !ids.includes(id)); }""", arg=first_ids, timeout=20000)
        shown = lawyer.eval_on_selector_all("#suggestions li.sugg", "els => els.map(e => [e.dataset.kind, e.dataset.ref])")
        assert list(rejected) not in shown, f"{rejected} rated 不相关 came back"

        # the lawyer's reply is the latest message now: the preview follows
        lawyer.fill("#reply-text", "请先收集工资条和考勤记录")
        lawyer.click("#reply-send")
        lawyer.locator(row(mine) + " .preview", has_text="我：请先收集工资条").wait_for(timeout=15000)

        # the manual search belongs to its chat
        lawyer.fill("#search-input", "试用期 辞退 赔偿")
        lawyer.press("#search-input", "Enter")
        lawyer.locator("#sugg-status", has_text="手动检索").wait_for()
        lawyer.click(row(other))
        lawyer.wait_for_selector(row(other) + ".current")
        assert lawyer.input_value("#search-input") == "", "the other chat's search query stayed in the box"
        assert "手动检索" not in lawyer.inner_text("#sugg-status")
        assert lawyer.is_hidden("#search-clear")
        lawyer.click(row(mine))
        lawyer.wait_for_selector(row(mine) + ".current")
        assert lawyer.input_value("#search-input") == "试用期 辞退 赔偿"
        lawyer.locator("#sugg-status", has_text="手动检索").wait_for()
        # after a reload the server's preview is the latest message too
        lawyer.reload()
        lawyer.wait_for_selector("#conn-dot.up")
        lawyer.locator(row(mine) + " .preview", has_text="我：请先收集工资条").wait_for(timeout=15000)
        errors.check()
    finally:
        ctx.close()
        if citizen_ctx:
            citizen_ctx.close()
