"""A callback promise that can be kept (issue 19, item 10), in headless Debian Chromium: with
nobody on duty the chat asks for a phone number, checks it (Chinese mobile or landline) and the
citizen's consent, and puts it on the callback list; the audit log keeps it masked, and lawyers
see it in full only once they have claimed the call back."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.database import get_engine, session_scope
from hotline.demo import seed_demo
from hotline.queue.callbacks import normalise_phone
from hotline.queue.models import Callback
from tests.conftest import screenshot, agree_to_consent
from tests.core.chat_client import ChatClient

PHONE = {"width": 390, "height": 844}


def test_nobody_on_duty_the_chat_takes_a_phone_number(live_server, settings, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/chat")
        agree_to_consent(page)
        page.wait_for_selector("#conn-state.ok", timeout=15000)
        page.fill("#message", "房东不退押金，我想咨询一下")
        page.click("#send")
        form = page.locator("#callback-form:not(.hidden)")
        form.wait_for(timeout=15000)
        assert form.is_visible()
        page.fill("#callback-phone", "12345")
        page.click("#callback-submit")
        page.locator("#chat-error", has_text="正确的手机号").wait_for()
        page.fill("#callback-phone", "138 0013 8000")
        page.click("#callback-submit")
        page.locator("#chat-error", has_text="勾选同意").wait_for()
        page.check("#callback-consent")
        page.click("#callback-submit")
        page.locator("#callback-done", has_text="138****8000").wait_for(timeout=15000)
        assert page.locator("#callback-form").is_hidden()
        screenshot(page, "chat-callback-phone")

        engine = get_engine(settings)
        with session_scope(engine) as session:
            callback = session.execute(select(Callback)).scalar_one()
            assert callback.phone == "13800138000" and callback.phone_consent_at is not None
            entries = session.execute(select(AuditEntry).where(AuditEntry.action == "routing.callback_phone")).scalars().all()
            assert len(entries) == 1
            logged = json.dumps([e.after for e in entries] + [e.data for e in entries], ensure_ascii=False)
            assert "13800138000" not in logged and "138****8000" in logged
            accounts = {role: (u, p) for u, p, role in seed_demo(session, settings)}  # a lawyer comes on

        page.reload()  # the number stays on record across a reload
        page.locator("#callback-done", has_text="138****8000").wait_for(timeout=15000)

        lawyer = live_server.login(*accounts["lawyer"])
        listed = [cb for cb in lawyer.get("/api/routing/callbacks").json() if cb["id"] == callback.id][0]
        assert listed["phone"] == "138****8000"  # not claimed yet: masked
        assert lawyer.post(f"/api/routing/callbacks/{callback.id}/claim").status_code == 200
        listed = [cb for cb in lawyer.get("/api/routing/callbacks").json() if cb["id"] == callback.id][0]
        assert listed["phone"] == "13800138000"
    finally:
        context.close()


def test_the_socket_refuses_numbers_without_consent_or_malformed(live_server) -> None:  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    try:
        chat.say("公司不给我缴社保")
        chat.expect("callback_request", timeout=15)
        chat.send({"type": "callback_phone", "phone": "13800138000", "consent": False})
        assert chat.expect("error")["code"] == "consent_required"
        chat.send({"type": "callback_phone", "phone": "23800138000", "consent": True})
        assert chat.expect("error")["code"] == "bad_phone"
        chat.send({"type": "callback_phone", "phone": "0755-1234 5678", "consent": True})
        assert chat.expect("callback_saved")["phone"] == "075****5678"
    finally:
        chat.close()


@pytest.mark.parametrize("raw,digits", [("13800138000", "13800138000"), ("+86 139-0000-1111", "13900001111"),
                                        ("010-12345678", "01012345678"), ("(0755)1234567", "07551234567")])
def test_phone_numbers_accepted(raw: str, digits: str) -> None:
    assert normalise_phone(raw) == digits


@pytest.mark.parametrize("raw", ["12345", "1380013800", "138001380001", "12800138000", "10-1234567", "abc"])
def test_phone_numbers_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(raw)
