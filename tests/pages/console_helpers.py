"""Helpers of the console browser tests: chats the demo lawyer has answered (through the real
intake and routing service layer), a citizen asking on the real chat page, the console opened."""
from __future__ import annotations

from sqlalchemy import select

from hotline.auth.service import get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.queue import service as routing
from hotline.queue.models import Offer
from hotline.roster.models import LawyerProfile
from tests.conftest import agree_to_consent
from tests.pages.conftest import STAFF, PageErrors, login

PHONE = {"width": 390, "height": 844}



def answered_chat(hotline, words: list[str], category: str = "labour") -> tuple[int, int]:  # noqa: ANN001
    """A chat lawyer1 has answered; returns (contact id, case id)."""
    with session_scope(hotline.engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        routing.set_presence(s, lawyer.id, "available")
        profile = s.get(LawyerProfile, lawyer.id)  # the module's tests share one lawyer: room for all their chats
        profile.chat_capacity = 8
        s.add(profile)
        contact, _ = contacts.start_chat(s)
        for text in words:
            contacts.add_utterance(s, contact, speaker="citizen", text=text)
        routing.enqueue(s, contact.id, category)
        routing.dispatch(s)
    with session_scope(hotline.engine) as s:
        offer = s.execute(select(Offer).where(Offer.contact_id == contact.id)).scalar_one()
        routing.accept(s, offer.id, lawyer.id)
        return contact.id, contact.case_id


def citizen_asks(browser, hotline, text: str):  # noqa: ANN001, ANN201
    """(context, page) of a citizen who sent `text` on the real chat page (phone-sized)."""
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{hotline.url}/chat")
    page.wait_for_selector("#conn-state.ok", timeout=15000)
    agree_to_consent(page)
    page.fill("#message", text)
    page.click("#send")
    page.locator("li.msg.citizen .status", has_text="已送达").wait_for(timeout=15000)
    return ctx, page


def open_console(browser, hotline, username: str = "lawyer1"):  # noqa: ANN001, ANN201
    """(context, page, errors) of a signed-in console, connected."""
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    errors = PageErrors(page)
    login(page, hotline.url, username, "/console")
    page.wait_for_selector("#conn-dot.up")
    return ctx, page, errors
