"""Staff login (argon2), session cookies and role checks."""
from __future__ import annotations

from sqlmodel import Session, select

from hotline.audit.models import AuditEntry
from hotline.auth.models import StaffUser
from hotline.database import get_engine
from tests.conftest import run_cli


def test_login_roles_and_logout(live_server, settings, staff_users):  # noqa: ANN001
    anon = live_server.client()
    assert anon.get("/api/cases").status_code == 401
    r = anon.post("/api/auth/login", json={"username": "lawyer1", "password": "wrong-password"})
    assert r.status_code == 401 and "错误" in r.json()["detail"]

    lawyer = live_server.login(*staff_users["lawyer"])
    assert lawyer.get("/api/auth/me").json()["home"] == "/console"
    assert lawyer.get("/api/cases").status_code == 200
    assert lawyer.get("/api/audit").status_code == 403  # managers only

    legal_aid = live_server.login(*staff_users["legal_aid"])
    assert legal_aid.get("/api/cases").status_code == 403
    assert live_server.login(*staff_users["manager"]).get("/api/audit").status_code == 200
    assert live_server.login(*staff_users["admin"]).get("/api/audit").status_code == 200

    assert lawyer.post("/api/auth/logout").status_code == 200
    assert lawyer.get("/api/cases").status_code == 401

    with Session(get_engine(settings)) as session:
        actions = session.exec(select(AuditEntry.action)).all()
        stored = session.exec(select(StaffUser.password_hash)).first()
    assert actions.count("auth.login") == 4 and "auth.login_failed" in actions and "auth.logout" in actions
    assert stored.startswith("$argon2")


def test_user_add_cli(settings):  # noqa: ANN001
    assert run_cli(settings, "db", "upgrade").returncode == 0  # migrates and seeds the directory
    r = run_cli(settings, "user", "add", "mediator9", "--role", "mediation", "--office", "med-default",
                input="a-long-mediation-passphrase\n")
    assert r.returncode == 0, r.stderr
    assert "created mediation mediator9" in r.stdout
    r = run_cli(settings, "user", "add", "x", "--role", "wizard", input="a-long-mediation-passphrase\n")
    assert r.returncode == 2 and "unknown role" in r.stderr
    r = run_cli(settings, "user", "add", "y", "--role", "lawyer", "--office", "no-such",
                input="a-long-mediation-passphrase\n")
    assert r.returncode == 2 and "unknown office" in r.stderr
