"""Login brute force (issue 18, item 4): per-account and per-address throttling with growing
delays and a temporary lockout, logged in the audit and listed for admins; an unknown username
costs the same password check as a known one."""
from __future__ import annotations

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth import service
from hotline.database import session_scope


def test_brute_force_then_right_password_is_refused(live_server, staff_users, engine) -> None:  # noqa: ANN001
    user, password = staff_users["lawyer"]
    client = live_server.client()
    statuses = [client.post("/api/auth/login", json={"username": user, "password": f"guess-{i}"}).status_code
                for i in range(25)]
    assert statuses[:3] == [401, 401, 401]  # the first few are answered
    assert 429 in statuses
    r = client.post("/api/auth/login", json={"username": user, "password": password})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, r.text
    with session_scope(engine) as session:
        actions = session.execute(select(AuditEntry.action)).scalars().all()
    assert "auth.login_throttled" in actions and "auth.login_locked" in actions
    admin = live_server.login(*staff_users["admin"])  # another account and (same) address: under the limit
    rows = admin.get("/api/admin/login-throttle").json()
    locked = [row for row in rows if row["key"] == f"user:{user}"]
    assert locked and locked[0]["locked_until"], rows
    assert live_server.login(*staff_users["manager"]).get("/api/admin/login-throttle").status_code == 403
    r = admin.delete(f"/api/admin/login-throttle/user:{user}")
    assert r.status_code == 200, r.text
    assert live_server.client().post("/api/auth/login", json={"username": user, "password": password}).status_code == 200


def test_delays_grow_per_address_across_usernames(live_server, staff_users) -> None:  # noqa: ANN001
    """Spraying many usernames from one address is throttled too."""
    client = live_server.client()
    statuses = [client.post("/api/auth/login", json={"username": f"nobody{i}", "password": "x" * 12}).status_code
                for i in range(60)]
    assert statuses[0] == 401 and statuses[-1] == 429


def test_unknown_username_costs_a_password_check(engine, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = service._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(service, "_hasher", Counting())
    with session_scope(engine) as session:
        try:
            service.login(session, "no-such-user", "whatever-password", 12)
        except service.AuthError:
            pass
    assert len(calls) == 1
