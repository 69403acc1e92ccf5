"""The console never acts on the wrong citizen (issue 19, items 1 and 2), in headless Chromium:
an offer arriving while the lawyer types a reply leaves the keyboard in the reply box, letters
typed there (or composed by an input method) never accept it; each chat keeps its own draft and
Ctrl+Enter sends only the draft of the chat on screen."""
from __future__ import annotations

from sqlalchemy import select

from hotline.contacts.models import Utterance
from hotline.database import session_scope
from tests.pages.console_helpers import answered_chat, citizen_asks, open_console

WAGES = ["公司拖欠我三个月工资，老板一直不给，我该怎么办？"]


def lawyer_texts(hotline, contact_id: int) -> list[str]:  # noqa: ANN001
    with session_scope(hotline.engine) as s:
        return list(s.execute(select(Utterance.text).where(
            Utterance.contact_id == contact_id, Utterance.speaker == "lawyer")).scalars())


def test_offer_keeps_the_keyboard_in_the_reply_and_letters_never_accept_it(hotline, browser) -> None:  # noqa: ANN001
    first, _ = answered_chat(hotline, WAGES)
    ctx, lawyer, errors = open_console(browser, hotline)
    citizen_ctx = None
    try:
        lawyer.wait_for_selector(f"#contact-list li.current[data-contact-id='{first}']")
        lawyer.wait_for_selector("#reply-form:not(.hidden)")
        lawyer.click("#state-available")
        lawyer.wait_for_selector("#state-available.on")
        lawyer.focus("#reply-text")
        lawyer.keyboard.type("您好，关于工资")
        citizen_ctx, _citizen = citizen_asks(browser, hotline, "邻居家漏水把我家天花板泡坏了，物业不管怎么办？")
        lawyer.wait_for_selector("#offer:not(.hidden)", timeout=20000)
        # the offer did not take the keyboard: the reply box still has it
        assert lawyer.evaluate("document.activeElement.id") == "reply-text"
        lawyer.keyboard.type("a")  # pinyin's first letter, typed into the reply
        lawyer.wait_for_timeout(300)
        assert lawyer.is_visible("#offer"), "typing 'a' in the reply accepted the offer"
        assert lawyer.input_value("#reply-text") == "您好，关于工资a"
        # an input method composing outside a field: its key events are not shortcuts either
        lawyer.evaluate("document.activeElement.blur()")
        lawyer.evaluate("""() => {
            document.body.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true}));
            document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'a', bubbles: true}));
            document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'a', isComposing: true, bubbles: true}));
            document.body.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true}));
            document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'r', isComposing: true, bubbles: true}));
            document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'r', keyCode: 229, bubbles: true}));
        }""")
        lawyer.wait_for_timeout(300)
        assert lawyer.is_visible("#offer"), "a key of an IME composition acted on the offer"
        # outside a field, with no composition, the shortcut works
        lawyer.keyboard.press("a")
        lawyer.wait_for_selector("#offer.hidden", state="attached")
        lawyer.wait_for_function("document.querySelectorAll('#contact-list li[data-contact-id]').length === 2")
        errors.check()
    finally:
        ctx.close()
        if citizen_ctx:
            citizen_ctx.close()


def test_each_chat_keeps_its_own_draft_and_ctrl_enter_sends_the_visible_one(hotline, browser) -> None:  # noqa: ANN001
    one, _ = answered_chat(hotline, WAGES)
    two, _ = answered_chat(hotline, ["我想离婚，孩子的抚养权怎么判？"], category="family")
    ctx, lawyer, errors = open_console(browser, hotline)
    try:
        row = lambda cid: f"#contact-list li[data-contact-id='{cid}']"  # noqa: E731
        lawyer.wait_for_selector(row(two))
        lawyer.click(row(one))
        lawyer.wait_for_selector(row(one) + ".current")
        lawyer.fill("#reply-text", "")
        lawyer.focus("#reply-text")
        lawyer.keyboard.type("关于工资：请保留考勤记录")
        lawyer.click(row(two))
        lawyer.wait_for_selector(row(two) + ".current")
        assert lawyer.input_value("#reply-text") == "", "the other chat's draft stayed in the box"
        lawyer.focus("#reply-text")
        lawyer.keyboard.type("关于抚养权：")
        lawyer.click(row(one))
        lawyer.wait_for_selector(row(one) + ".current")
        assert lawyer.input_value("#reply-text") == "关于工资：请保留考勤记录"
        lawyer.focus("#reply-text")
        lawyer.keyboard.press("Control+Enter")
        lawyer.locator("#conversation li.msg.lawyer", has_text="考勤记录").wait_for(timeout=15000)
        assert lawyer.input_value("#reply-text") == ""
        assert lawyer_texts(hotline, one) == ["关于工资：请保留考勤记录"]
        assert lawyer_texts(hotline, two) == []  # nothing went to the other citizen
        lawyer.click(row(two))
        lawyer.wait_for_selector(row(two) + ".current")
        assert lawyer.input_value("#reply-text") == "关于抚养权："  # still there, not sent
        lawyer.reload()  # a reload keeps the drafts of this tab
        lawyer.wait_for_selector("#conn-dot.up")
        lawyer.click(row(two))
        lawyer.wait_for_selector(row(two) + ".current")
        assert lawyer.input_value("#reply-text") == "关于抚养权："
        errors.check()
    finally:
        ctx.close()
