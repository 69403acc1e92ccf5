"""The console and the dashboard in a real browser with a WeChat contact: the offer, the contact
list and head say 微信, the 48-hour window is shown, a reply typed in the console reaches the
simulator, a closed window disables the reply and tells the lawyer to call back or send an SMS,
and the dashboard counts the contact under 微信 beside 电话 and 网页; the admin page lists the
account without its secrets."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from hotline.database import session_scope
from hotline.timeutil import utcnow
from hotline.wechat.models import WechatIdentity
from tests.conftest import screenshot
from tests.pages.conftest import STAFF, PageErrors, login
from tests.voice.conftest import add_lawyer, add_user, wait_for
from tests.wechat.wechat_sim import SECRET

PASSWORD = "voice-password"


def test_console_and_dashboard_show_wechat(wechat, browser) -> None:  # noqa: ANN001
    sim, server = wechat
    add_lawyer(server.engine, "duty")
    add_user(server.engine, "boss", "manager")
    contexts = [browser.new_context(viewport=STAFF[1366], locale="zh-CN") for _ in range(3)]  # one per user
    try:
        lawyer = contexts[0].new_page()
        errors = PageErrors(lawyer)
        login(lawyer, server.url, "duty", "/console", password=PASSWORD)
        lawyer.wait_for_selector("#conn-dot.up")
        lawyer.click("#state-available")
        lawyer.wait_for_selector("#state-available.on")

        assert sim.text("o_page_citizen", "邻居装修把我家墙弄裂了，要怎么索赔？", msg_id=501).text == "success"
        lawyer.wait_for_selector("#offer:not(.hidden)", timeout=30000)
        assert lawyer.inner_text("#offer-channel") == "微信咨询"
        lawyer.click("#offer-accept")
        lawyer.wait_for_selector("#contact-list li.current")
        assert "微信" in lawyer.inner_text("#contact-list li.current strong")
        assert "微信咨询" in lawyer.inner_text("#contact-head")
        lawyer.wait_for_selector("#wechat-window[data-open=true]")
        assert "微信回复窗口" in lawyer.inner_text("#wechat-window")
        lawyer.locator("#conversation li.msg.citizen", has_text="墙弄裂").wait_for()

        lawyer.fill("#reply-text", "您可以先与邻居协商，协商不成可申请人民调解。")
        lawyer.click("#reply-send")
        lawyer.locator(".toast", has_text="已通过微信发送").wait_for(timeout=15000)
        wait_for(lambda: sim.sent)
        assert sim.sent[-1]["touser"] == "o_page_citizen" and "人民调解" in sim.sent[-1]["text"]["content"]
        screenshot(lawyer, "console-wechat")

        with session_scope(server.engine) as session:
            session.execute(update(WechatIdentity).values(last_inbound_at=utcnow() - timedelta(hours=49)))
        lawyer.reload()
        lawyer.wait_for_selector("#wechat-window[data-open=false]", timeout=15000)
        assert "电话回访或短信" in lawyer.inner_text("#wechat-window")
        assert lawyer.is_disabled("#reply-send")
        screenshot(lawyer, "console-wechat-window-closed")
        errors.check()

        manager = contexts[1].new_page()
        login(manager, server.url, "boss", "/dashboard", password=PASSWORD)
        manager.wait_for_function("Number(document.body.dataset.reportLoaded || 0) >= 1")
        manager.locator("#by-channel", has_text="微信").wait_for(timeout=15000)
        screenshot(manager, "dashboard-wechat")

        admin = contexts[2].new_page()
        login(admin, server.url, "wxadmin", "/admin/wechat", password=PASSWORD)
        admin.locator(f"#accounts tr[data-name={sim.account}]", has_text="已设置").wait_for()
        assert SECRET not in admin.content()
    finally:
        for ctx in contexts:
            ctx.close()
