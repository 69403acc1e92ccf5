"""Over real HTTP and WebSocket, on SQLite and PostgreSQL: only managers monitor, whisper, barge
and read the wallboard; lawyers see only their own inspections; every refused attempt is a 403
(the monitor socket's handshake too) and an `access.denied` audit entry. Whisper goes to the
lawyer's staff socket only; the chat barge shows the citizen 督导; bad input is a 422 naming the
field; the staffing plan and its CSV."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from hotline.audit.models import AuditEntry
from hotline.auth.service import get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.quality import review, service as quality
from tests.core.chat_client import ChatClient
from tests.queue.conftest import StaffClient


def denied(engine) -> list[AuditEntry]:  # noqa: ANN001
    with session_scope(engine) as s:
        rows = list(s.execute(select(AuditEntry).where(AuditEntry.action == "access.denied")
                              .order_by(AuditEntry.seq)).scalars())
        s.expunge_all()
        return rows


def test_roles_are_enforced_and_refusals_logged(live_server, staff_users, engine) -> None:  # noqa: ANN001
    citizen = ChatClient(live_server.ws_url)
    contact_id = citizen.session["contact_id"]
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        contact = contacts.get_contact(s, contact_id)
        contacts.add_utterance(s, contact, speaker="citizen", text="我的身份证号110101199003071234被冒用了")
        contacts.mark_answered(s, contact, lawyer.id)
        lawyer_id = lawyer.id

    clients = {role: live_server.login(*staff_users[role]) for role in ("lawyer", "legal_aid", "mediation", "manager")}
    attempts = [("lawyer", "GET", "/api/supervision/live", None),
                ("mediation", "GET", "/api/supervision/live", None),
                ("lawyer", "POST", f"/api/supervision/contacts/{contact_id}/whisper", {"text": "x"}),
                ("legal_aid", "POST", f"/api/supervision/contacts/{contact_id}/barge", None),
                ("legal_aid", "GET", "/api/followup/tasks", None),
                ("lawyer", "GET", "/api/quality/queue", None),
                ("lawyer", "PUT", "/api/deadlines/categories/labour", {"answer_days": 3}),
                ("mediation", "GET", "/api/admin/staffing", None)]
    for role, method, path, body in attempts:
        r = clients[role].request(method, path, json=body)
        assert r.status_code == 403, (role, path, r.text)
    logged = denied(engine)
    role_names = {"lawyer": "lawyer", "legal_aid": "legal_aid", "mediation": "mediation"}
    assert [(e.data["path"], e.data["role"]) for e in logged] == [(p, role_names[r]) for r, _, p, _ in attempts]

    # the monitor socket: a lawyer is refused (4403) and logged
    token = clients["lawyer"].cookies.get(live_server.settings.session_cookie)
    with pytest.raises(InvalidStatus) as refused:  # closed before the handshake completes: HTTP 403
        connect(f"{live_server.ws_url}/ws/supervision/{contact_id}",
                additional_headers={"Cookie": f"hotline_session={token}"})
    assert refused.value.response.status_code == 403
    assert denied(engine)[-1].data["path"] == f"/ws/supervision/{contact_id}"

    # the manager monitors: the wallboard shows the contact redacted; whisper reaches the lawyer only
    manager = clients["manager"]
    live = manager.get("/api/supervision/live").json()
    row = next(c for c in live["contacts"] if c["id"] == contact_id)
    assert row["lawyer"] == "张律师" and row["phase"] == "talking" and "110101199003071234" not in row["preview"]
    assert manager.post(f"/api/supervision/contacts/{contact_id}/whisper", json={"text": "先问清楚"}).status_code == 409
    lawyer_ws = StaffClient(live_server, *staff_users["lawyer"])
    mtoken = manager.cookies.get(live_server.settings.session_cookie)
    with connect(f"{live_server.ws_url}/ws/supervision/{contact_id}",
                 additional_headers={"Cookie": f"hotline_session={mtoken}"}) as monitor:
        import json

        first = json.loads(monitor.recv(timeout=10))
        assert first["type"] == "monitoring"
        assert lawyer_ws.expect("monitoring", contact_id=contact_id)["active"] is True
        assert manager.post(f"/api/supervision/contacts/{contact_id}/whisper", json={"text": ""}).status_code == 422
        r = manager.post(f"/api/supervision/contacts/{contact_id}/whisper", json={"text": "提醒：告知诉讼时效三年"})
        assert r.status_code == 200, r.text
        assert lawyer_ws.expect("whisper", contact_id=contact_id)["text"] == "提醒：告知诉讼时效三年"
        assert manager.post(f"/api/supervision/contacts/{contact_id}/messages", json={"text": "x"}).status_code == 409
        assert manager.post(f"/api/supervision/contacts/{contact_id}/barge").status_code == 200
        notice = citizen.expect("utterance")
        assert notice["speaker"] == "system" and "督导" in notice["text"]
        assert manager.post(f"/api/supervision/contacts/{contact_id}/messages",
                            json={"text": "您好，我是督导，补充一点"}).status_code == 200
        said = citizen.expect("utterance")
        assert said["speaker"] == "supervisor" and said["text"] == "您好，我是督导，补充一点"
        mine = clients["lawyer"].get("/api/supervision/mine").json()
        assert mine["whispers"][0]["text"] == "提醒：告知诉讼时效三年" and mine["monitoring"][0]["mode"] == "barge"
    lawyer_ws.expect("monitoring", contact_id=contact_id, active=False)  # the socket closed: monitoring ended
    citizen.close()
    lawyer_ws.close()
    with session_scope(engine) as s:
        actions = [e.action for e in s.execute(select(AuditEntry).where(
            AuditEntry.action.startswith("supervision."), AuditEntry.contact_id == contact_id)
            .order_by(AuditEntry.seq)).scalars()]
        # the whisper never entered the transcript the citizen sees
        assert all("诉讼时效" not in u.text for u in contacts.transcript(s, contact_id))
    assert actions == ["supervision.monitor_started", "supervision.whisper", "supervision.barge",
                       "supervision.monitor_ended"]

    # policy: strict validation naming the field
    assert manager.put("/api/supervision/policy/followup.due_days", json={"value": True}).status_code == 422
    assert "followup.due_days" in manager.put("/api/supervision/policy/followup.due_days",
                                              json={"value": 2.5}).json()["detail"]
    assert manager.put("/api/supervision/policy/nope", json={"value": 1}).status_code == 422
    assert manager.put("/api/supervision/policy/followup.due_days", json={"value": 5}).json()["value"] == 5
    assert manager.put("/api/deadlines/categories/labour", json={"answer_days": True}).status_code == 422
    assert manager.put("/api/deadlines/categories/nope", json={"answer_days": 3}).status_code == 404
    r = manager.put("/api/deadlines/categories/labour", json={"answer_days": 5, "complex_days": 15})
    assert r.status_code == 200 and r.json()["handover_days"] == 1
    cal = clients["lawyer"].get("/api/deadlines/calendar", params={"start": "2026-02-13", "end": "2026-02-16"}).json()
    assert [d["workday"] for d in cal["days"]] == [True, True, False, False]

    # lawyers see only their own inspections
    with session_scope(engine) as s:
        contact = contacts.get_contact(s, contact_id)
        contacts.end_contact(s, contact, actor="staff:1")
        sample = quality.add_sample(s, contact, "complaint", note="投诉")
        form = quality.ensure_default_form(s)
        mgr = get_user_by_username(s, "manager1")
        answers = {q["id"]: ("yes" if q["kind"] == "yesno" else 5) for sec in form.sections for q in sec["questions"]}
        inspection_id = review.inspect(s, sample.id, form_id=form.id, answers=answers, comment="", inspector=mgr).id
    assert clients["lawyer"].get(f"/api/quality/inspections/{inspection_id}").status_code == 200
    assert [i["id"] for i in clients["lawyer"].get("/api/quality/inspections").json()] == [inspection_id]
    assert clients["mediation"].get(f"/api/quality/inspections/{inspection_id}").status_code == 403
    with session_scope(engine) as s:
        from hotline.auth.service import create_user

        create_user(s, username="lawyer9", password="pw-lawyer-9", role="lawyer", display_name="赵律师", actor="t")
    stranger = live_server.login("lawyer9", "pw-lawyer-9")
    assert stranger.get(f"/api/quality/inspections/{inspection_id}").status_code == 403
    assert stranger.get("/api/quality/inspections").json() == []
    assert stranger.post(f"/api/quality/inspections/{inspection_id}/dispute", json={"reason": "x"}).status_code == 403
    assert denied(engine)[-1].data["path"] == f"/api/quality/inspections/{inspection_id}/dispute"

    # the staffing plan (from the log) and its export
    plan = manager.get("/api/admin/staffing", params={"weeks": 2, "shrinkage": 0.3}).json()
    assert len(plan["required"]) == 7 and len(plan["required"][0]) == 48 and len(plan["rostered"][0]) == 48
    assert plan["rostered"][0][20] >= 1  # the demo lawyer's all-day shift
    assert manager.get("/api/admin/staffing", params={"level": 1.5}).status_code == 422
    exported = manager.get("/api/admin/staffing.csv", params={"weeks": 2})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["星期", "时段", "来话（平均）"] and len(table) == 1 + 7 * 48
