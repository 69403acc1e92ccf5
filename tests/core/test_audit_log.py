"""The audit log is hash-chained: tampering with, inserting or deleting an entry is found."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hotline.audit import service as audit
from hotline.database import session_scope
from tests.conftest import run_cli


def _fill(engine, n: int = 5) -> None:  # noqa: ANN001
    with session_scope(engine) as session:
        for i in range(n):
            audit.record(session, action="test.event", actor="system", entity="test", entity_id=i,
                         data={"text": f"条目{i}", "phone": "13812345678"})


def _remove_append_only_guard(conn) -> None:  # noqa: ANN001
    """What an attacker with the database owner's rights would do first."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_entry_no_change ON audit_entry"))
    else:
        conn.execute(text("DROP TRIGGER audit_entry_no_update"))
        conn.execute(text("DROP TRIGGER audit_entry_no_delete"))


def test_database_refuses_to_change_or_delete_entries(settings, engine):  # noqa: ANN001
    _fill(engine, 3)
    for statement in ("UPDATE audit_entry SET actor = 'staff:999' WHERE seq = 2",
                      "DELETE FROM audit_entry WHERE seq = 3"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    _fill(engine, 1)  # appending still works
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 0 and "4 entries" in result.stdout, result.stderr


def test_verify_passes_on_an_intact_log(settings, engine):  # noqa: ANN001
    _fill(engine)
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "5 entries" in result.stdout


def test_event_times_in_other_zones_are_hashed_as_stored(settings, engine):  # noqa: ANN001
    """A +08:00 time (and a naive one, taken as UTC) is stored and hashed as aware UTC, so the
    chain still verifies when the entries are read back."""
    beijing = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    with session_scope(engine) as session:
        audit.record(session, action="test.local_time", actor="system", occurred_at=beijing)
        audit.record(session, action="test.local_time", actor="system", occurred_at=datetime(2026, 3, 2, 1, 30))
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "2 entries" in result.stdout
    with session_scope(engine) as session:
        first, second = audit.entries_for(session, action_prefix="test.local_time")
        assert first.occurred_at == beijing and first.occurred_at.utcoffset() == timedelta(0)
        assert second.occurred_at == datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)


def test_tampered_row_is_named(settings, engine):  # noqa: ANN001
    _fill(engine)
    with engine.begin() as conn:
        _remove_append_only_guard(conn)
        row = conn.execute(text("SELECT id, seq FROM audit_entry WHERE seq = 3")).one()
        conn.execute(text("UPDATE audit_entry SET actor = 'staff:999' WHERE id = :id"), {"id": row.id})
    result = run_cli(settings, "audit", "verify")
    assert result.returncode != 0
    assert f"seq=3 id={row.id}" in result.stderr
    assert "content does not match" in result.stderr


def test_deleted_row_is_found(settings, engine):  # noqa: ANN001
    _fill(engine)
    with engine.begin() as conn:
        _remove_append_only_guard(conn)
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    result = run_cli(settings, "audit", "verify")
    assert result.returncode != 0
    assert "sequence gap: expected 2, found 3" in result.stderr


def test_truncated_tail_is_found(settings, engine):  # noqa: ANN001
    _fill(engine)
    with engine.begin() as conn:
        _remove_append_only_guard(conn)
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 5"))
    result = run_cli(settings, "audit", "verify")
    assert result.returncode != 0
    assert "missing at the end" in result.stderr


def test_entries_hold_redacted_text_only(engine):  # noqa: ANN001
    _fill(engine, 1)
    with session_scope(engine) as session:
        entry = audit.entries_for(session, action_prefix="test.")[0]
        assert entry.data["phone"] == "【手机号】"


def test_api_cannot_delete_or_rewrite_entries(live_server, staff_users):  # noqa: ANN001
    manager = live_server.login(*staff_users["manager"])
    entries = manager.get("/api/audit").json()
    assert entries, "login and seeding are logged"
    first = entries[0]["id"]
    for method in ("DELETE", "PUT", "PATCH", "POST"):
        r = manager.request(method, f"/api/audit/{first}")
        assert r.status_code in (404, 405), (method, r.status_code)
    assert manager.get("/api/audit/verify").json()["ok"] is True
