"""Issue 19, item 16 (knowledge-base backlog) in headless Chromium: a chat that reached the backlog
three times is listed once, and dismissing it closes all three of that chat's items (not another
chat's)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.assist.models import BacklogItem
from hotline.contacts import service as contacts
from hotline.database import get_engine, session_scope, upgrade
from hotline.demo import seed_demo
from tests.conftest import LiveServer, make_settings
from tests.pages.conftest import STAFF, login


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path, sqlite_url)
    upgrade(settings)
    engine = get_engine(settings)
    with session_scope(engine) as s:
        seed_demo(s, settings)
    srv = LiveServer(settings).start()
    srv.engine = engine
    yield srv
    srv.stop()
    engine.dispose()


def test_backlog_lists_a_chat_once_and_resolves_its_duplicates(server, browser) -> None:  # noqa: ANN001
    with session_scope(server.engine) as s:
        chat, _ = contacts.start_chat(s)
        other, _ = contacts.start_chat(s)
        for question in ("老板拖欠工资三个月怎么办", "拖欠工资三个月 怎么办", "拖欠工资能去哪里投诉"):
            s.add(BacklogItem(contact_id=chat.id, question=question, reason="all_unhelpful"))
        s.add(BacklogItem(contact_id=other.id, question="邻居漏水不赔偿怎么办", reason="all_unhelpful"))
        chat_id, other_id = chat.id, other.id
    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    try:
        login(page, server.url, "manager1", "/admin/kb")
        page.locator(".backlog-item").first.wait_for()
        page.wait_for_timeout(300)
        items = page.locator(".backlog-item")
        assert items.count() == 2, page.inner_text("body")  # one per chat, not four
        wage = page.locator(".backlog-item", has_text="拖欠工资能去哪里投诉")  # the chat's latest question
        wage.locator("[data-action=dismiss]").click()
        page.locator(".toast.ok", has_text="已忽略").wait_for()
    finally:
        ctx.close()
    with session_scope(server.engine) as s:
        rows = s.execute(select(BacklogItem)).scalars().all()
        assert all(r.resolved_at is not None for r in rows if r.contact_id == chat_id)
        assert all(r.resolved_at is None for r in rows if r.contact_id == other_id)
