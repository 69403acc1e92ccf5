"""Issue 19, item 16 (accounts) in headless Chromium: the administrator adds a lawyer with a role
under the password policy, resets a password (old sessions and password stop working), edits a
lawyer's languages and dialects; managers may not; every change is in the audit log."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth.service import get_user_by_username
from hotline.database import get_engine, session_scope, upgrade
from hotline.demo import seed_demo
from hotline.roster.models import LawyerProfile
from tests.conftest import LiveServer, make_settings, screenshot
from tests.pages.conftest import STAFF, PageErrors, login

STRONG = "Hotline-lawyer2-2026!"
NEWER = "Reset-for-lawyer2-0419"


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path, sqlite_url)
    upgrade(settings)
    engine = get_engine(settings)
    with session_scope(engine) as s:
        seed_demo(s, settings)
    srv = LiveServer(settings).start()
    srv.engine = engine
    srv.admin_password = settings.demo_admin_password
    yield srv
    srv.stop()
    engine.dispose()


def test_admin_adds_users_resets_passwords_and_edits_languages(server, browser) -> None:  # noqa: ANN001
    manager = server.login("manager1", "demo-12348")
    assert manager.get("/api/admin/users").status_code == 403
    assert manager.post("/api/admin/users", json={"username": "x1", "role": "admin", "password": STRONG}).status_code == 403

    ctx = browser.new_context(viewport=STAFF[1366], locale="zh-CN")
    page = ctx.new_page()
    errors = PageErrors(page)
    page.on("dialog", lambda d: d.accept())
    try:
        login(page, server.url, "admin", "/admin/users", password=server.admin_password)
        page.locator("#users tr[data-username=lawyer1]").wait_for()
        page.fill("#new-username", "lawyer2")
        page.fill("#new-name", "陈律师")
        page.select_option("#new-role", "lawyer")
        page.fill("#new-password", "short-pw")
        page.click("#add-submit")
        toast = page.locator(".toast.error").last
        toast.wait_for()
        assert "密码至少 12 个字符" in toast.inner_text() and "characters" not in toast.inner_text()
        page.fill("#new-password", STRONG)
        page.click("#add-submit")
        page.locator("#users tr[data-username=lawyer2]").wait_for()
        assert "值班律师" in page.inner_text("#users tr[data-username=lawyer2]")
        old = server.login("lawyer2", STRONG)
        assert old.get("/api/auth/me").json()["user"]["role"] == "lawyer"

        page.select_option("#reset-user", label="陈律师（lawyer2）")
        page.fill("#reset-password", NEWER)
        page.click("#reset-submit")
        page.locator(".toast.ok", has_text="密码已重置").wait_for()
        assert old.get("/api/auth/me").status_code == 401  # the old session ended
        r = httpx.post(f"{server.url}/api/auth/login", json={"username": "lawyer2", "password": STRONG})
        assert r.status_code == 401
        server.login("lawyer2", NEWER)

        row = page.locator("#users tr[data-username=lawyer1]")
        row.locator(".lang-input").fill("普通话、粤语")
        row.locator("[data-action=languages]").click()

        page.locator(".toast.ok", has_text="语言/方言").wait_for()
        screenshot(page, "admin-users")
        errors.check()
    finally:
        ctx.close()

    with session_scope(server.engine) as s:
        admin = get_user_by_username(s, "admin")
        lawyer1 = get_user_by_username(s, "lawyer1")
        assert s.get(LawyerProfile, lawyer1.id).languages == ["普通话", "粤语"]
        actions = {e.action: e.actor for e in s.execute(select(AuditEntry)).scalars()}
        assert actions["staff.created"] == f"staff:{admin.id}" and actions["staff.password_reset"] == f"staff:{admin.id}"
