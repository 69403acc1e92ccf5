"""Follow-up in headless Debian Chromium: a citizen rates a chat 1 star over the real chat socket;
the background sweep turns the rating into a 回访 task due in 3 working days; the lawyer who
handled the chat is off today and cannot take it; the next on-duty lawyer claims it on the
/followup page and records the outcome; the manager sees 回访率 and 回访满意度."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hotline.auth.service import create_user, get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.followup.models import FollowupTask
from hotline.roster.models import RosterException, Shift
from tests.conftest import screenshot
from tests.core.chat_client import ChatClient
from tests.pages.conftest import STAFF, PageErrors, login


def test_dissatisfied_rating_becomes_a_task_the_next_on_duty_lawyer_completes(hotline, browser) -> None:  # noqa: ANN001
    with session_scope(hotline.engine) as s:
        if get_user_by_username(s, "lawyer2") is None:
            create_user(s, username="lawyer2", password="demo-12348", role="lawyer", display_name="李律师", actor="test")
        lawyer1 = get_user_by_username(s, "lawyer1")
        lawyer2 = get_user_by_username(s, "lawyer2")
        s.add(Shift(user_id=lawyer2.id, days="all", start="00:00", end="00:00", note="test: all day"))
        s.add(RosterException(user_id=lawyer1.id, day=date.today(), kind="off", note="test: leave"))
        s.add(RosterException(user_id=lawyer1.id, day=date.fromordinal(date.today().toordinal() + 1), kind="off"))
        ids = lawyer1.id, lawyer2.id

    citizen = ChatClient(hotline.ws_url)
    try:
        contact_id = citizen.session["contact_id"]
        with session_scope(hotline.engine) as s:  # the lawyer's side of the chat, as the console would do it
            contact = contacts.get_contact(s, contact_id)
            contacts.add_utterance(s, contact, speaker="citizen", text="房东不退押金，我已经搬走一个月了", source="system")
            contacts.mark_answered(s, contact, ids[0])
            contacts.end_contact(s, contact, actor=f"staff:{ids[0]}")
        citizen.send({"type": "rate", "score": 1, "comment": "没有解决我的问题"})
        assert citizen.expect("rated")["score"] == 1
    finally:
        citizen.close()

    lawyer_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN", timezone_id="America/New_York")
    manager_ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    try:
        # the handling lawyer is off today: sees the task, cannot take it
        off = lawyer_ctx.new_page()
        off_errors = PageErrors(off)
        login(off, hotline.url, "lawyer1", "/followup")
        row = off.locator(f"#fu-tasks tr:has-text('不满意评价')").first
        row.wait_for(timeout=20000)  # the sweep runs every second
        assert "不在值班" in off.inner_text("#duty-state")
        assert row.locator("button").is_disabled()
        off_errors.check()
        off.close()
        lawyer_ctx.clear_cookies()

        page = lawyer_ctx.new_page()
        errors = PageErrors(page)
        login(page, hotline.url, "lawyer2", "/followup")
        row = page.locator("#fu-tasks tr:has-text('不满意评价')").first
        row.wait_for()
        with session_scope(hotline.engine) as s:
            task = s.execute(select(FollowupTask).where(FollowupTask.contact_id == contact_id)).scalar_one()
            due_local = task.due_at.astimezone(ZoneInfo("Asia/Shanghai"))
        # the due time is the hotline's (Asia/Shanghai midnight), although this browser is in New York
        assert due_local.strftime("%Y-%m-%d %H:%M") in row.inner_text() and due_local.hour == 0
        assert "（1 分）" in row.inner_text()
        row.locator("button", has_text="领取回访").click()
        page.wait_for_selector("#fu-detail:not(.hidden)")
        assert "房东不退押金" in page.inner_text("#fu-d-said")
        page.select_option("#fu-method", "call")
        page.select_option("#fu-satisfied", "true")
        page.select_option("#fu-solved", "true")
        page.fill("#fu-note", "已说明可向房屋所在地人民调解委员会申请调解，市民表示满意")
        page.click("#fu-save")
        page.wait_for_selector("#fu-detail.hidden", state="attached")
        page.wait_for_function("!document.querySelector('#fu-tasks').innerText.includes('不满意评价')")
        screenshot(page, "followup-done")
        errors.check()
        with session_scope(hotline.engine) as s:
            task = s.execute(select(FollowupTask).where(FollowupTask.contact_id == contact_id)).scalar_one()
            assert task.status == "done" and task.assigned_to == ids[1]
            assert task.reached and task.satisfied and task.solved and task.method == "call"

        manager = manager_ctx.new_page()
        m_errors = PageErrors(manager)
        login(manager, hotline.url, "manager1", "/followup")
        manager.wait_for_selector("#fu-rate")
        assert manager.get_attribute("#fu-satisfaction", "data-value") == "1"
        assert "回访率" in manager.inner_text("#fu-figures")
        m_errors.check()
    finally:
        lawyer_ctx.close()
        manager_ctx.close()
