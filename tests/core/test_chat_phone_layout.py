"""The chat on a phone (issue 19, item 13), in headless Debian Chromium: the end of a long reply is
not hidden behind the sticky input, bubbles carry their time, the rating form opens in view, and
after 开始新的咨询 the earlier conversation is still shown."""
from __future__ import annotations

import re
import time

from sqlalchemy import select

from hotline.auth.service import get_user_by_username
from hotline.contacts.models import Contact
from hotline.contacts.service import mark_answered
from hotline.database import get_engine, session_scope
from tests.conftest import agree_to_consent, screenshot

PHONE = {"width": 390, "height": 844}


def test_long_reply_rating_times_and_earlier_conversation(live_server, settings, staff_users, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/chat")
        agree_to_consent(page)
        page.fill("#message", "公司拖欠我三个月工资，我该怎么办？")
        page.click("#send")
        page.locator("li.msg.citizen .status", has_text="已送达").wait_for(timeout=15000)
        engine = get_engine(settings)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # routing has queued it
            with session_scope(engine) as session:
                contact = session.execute(select(Contact)).scalar_one()
                if contact.status != "open":
                    break
            time.sleep(0.1)
        with session_scope(engine) as session:
            contact = session.execute(select(Contact)).scalar_one()
            mark_answered(session, contact, get_user_by_username(session, staff_users["lawyer"][0]).id)
            contact_id = contact.id
        lawyer = live_server.login(*staff_users["lawyer"])
        long = "您可以先与单位协商，协商不成可以申请劳动仲裁。" * 40 + "最后一句：请保留工资条。"
        assert lawyer.post(f"/api/contacts/{contact_id}/messages", json={"text": long}).status_code == 200
        reply = page.locator("li.msg.lawyer")
        reply.wait_for(timeout=15000)
        page.wait_for_timeout(300)
        body, composer = reply.locator(".body").bounding_box(), page.locator("#composer").bounding_box()
        assert body["y"] + body["height"] <= composer["y"] + 1, (body, composer)  # its end above the input
        assert re.fullmatch(r"\s*\d{2}:\d{2}", reply.locator("time.at").inner_text())
        assert page.locator("li.msg.citizen time.at").count() == 1
        screenshot(page, "chat-phone-long-reply")

        page.click("#end-chat")
        rating = page.locator("#rating:not(.hidden)")
        rating.wait_for(timeout=15000)
        page.wait_for_timeout(300)
        box = rating.bounding_box()
        assert 0 <= box["y"] < PHONE["height"], box  # in view, not below the fold
        page.click("label[for=score-5]")
        page.click("#rate-submit")
        page.locator("#rating-done:not(.hidden)").wait_for(timeout=15000)
        page.click("#new-chat")
        page.locator("#earlier:not(.hidden)").wait_for(timeout=15000)
        assert "公司拖欠我三个月工资" in page.inner_text("#earlier")
        assert "最后一句：请保留工资条" in page.inner_text("#earlier")
        screenshot(page, "chat-phone-earlier")
    finally:
        context.close()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_citizen_uploads_a_photo_as_a_case_attachment(live_server, settings, browser) -> None:  # noqa: ANN001
    from hotline.wechat.models import CaseAttachment

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/chat")
        agree_to_consent(page)
        page.fill("#message", "朋友借钱不还，我有欠条")
        page.click("#send")
        page.locator("li.msg.citizen .status", has_text="已送达").wait_for(timeout=15000)
        page.set_input_files("#attach", files=[{"name": "欠条.png", "mimeType": "image/png", "buffer": PNG}])
        page.locator("li.msg.citizen", has_text="已上传附件：欠条.png").locator(".status", has_text="已送达").wait_for(timeout=15000)
        # a file that only claims to be a photo, and one too large
        page.set_input_files("#attach", files=[{"name": "a.png", "mimeType": "image/png", "buffer": b"MZ not an image"}])
        page.locator("#chat-error", has_text="只能上传照片").wait_for(timeout=15000)
        page.set_input_files("#attach", files=[{"name": "big.pdf", "mimeType": "application/pdf",
                                                "buffer": b"%PDF-" + b"0" * (5 * 1024 * 1024)}])
        page.locator("#chat-error", has_text="文件过大").wait_for(timeout=15000)
        screenshot(page, "chat-phone-attachment")
        with session_scope(get_engine(settings)) as session:
            rows = session.execute(select(CaseAttachment)).scalars().all()
            contact = session.execute(select(Contact)).scalar_one()
        assert [(r.filename, r.content_type, r.kind, r.source, r.case_id) for r in rows] == [
            ("欠条.png", "image/png", "image", "chat", contact.case_id)]
        assert (settings.var_dir / "attachments" / rows[0].sha256).read_bytes() == PNG
        # without a valid session, and oversize past the page's own check
        with live_server.client() as client:
            files = {"file": ("x.png", PNG, "image/png")}
            assert client.post("/api/chat/attachments", files=files, headers={"X-Resume-Token": "nope"}).status_code == 403
            big = {"file": ("b.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")}
            assert client.post("/api/chat/attachments", files=big).status_code == 413
    finally:
        context.close()
