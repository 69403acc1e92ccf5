"""Strict input validation (issue 18, item 5), against a running server on SQLite and PostgreSQL:
each probe of the report gets a 4xx naming the field, and nothing is stored. Legal-aid
applications: tests/referrals/test_strict_application.py."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.audit.models import AuditEntry
from hotline.cases.models import Case
from hotline.database import get_engine
from tests.core.chat_client import ChatClient

BIG = 2**64


def fields(response) -> set[str]:  # noqa: ANN001
    """The fields a 422 names, from either error shape (FastAPI's `detail` list or `errors`)."""
    body = response.json()
    if "errors" in body:
        return {e["field"] for e in body["errors"]}
    return {".".join(str(p) for p in e["loc"][1:]) for e in body["detail"]}


def _rows(engine) -> dict[str, int]:  # noqa: ANN001
    with Session(engine) as s:
        return {"cases": s.execute(select(func.count()).select_from(Case)).scalar_one(),
                "audit": s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()}


def test_dates_bounds_and_big_integers(live_server, settings, staff_users) -> None:  # noqa: ANN001
    engine = get_engine(settings)
    lawyer = live_server.login(*staff_users["lawyer"])
    admin = live_server.login(*staff_users["admin"])
    before = _rows(engine)
    r = lawyer.post("/api/cases", json={"received_at": "0621-01-01T09:00:00", "summary": "补录"})
    assert r.status_code == 422 and "received_at" in fields(r), r.text
    r = lawyer.post("/api/cases", json={"received_at": 1764720000, "summary": "补录"})
    assert r.status_code == 422 and "received_at" in fields(r), r.text
    r = lawyer.post("/api/cases", json={"received_at": "2026-11-01T09:00:00", "summary": "补录",
                                        "category_code": ""})
    assert r.status_code == 422 and "category_code" in fields(r), r.text
    assert _rows(engine) == before

    r = admin.get("/api/audit", params={"limit": -1})
    assert r.status_code == 422 and "limit" in fields(r), r.text
    r = admin.get("/api/audit", params={"limit": BIG})
    assert r.status_code == 422 and "limit" in fields(r), r.text
    for path in (f"/api/cases/{BIG}", f"/api/cases/-{BIG}", f"/api/contacts/{BIG}"):
        r = lawyer.get(path)
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert r.json()["detail"][0]["loc"][0] == "path"
    r = lawyer.patch("/api/cases/1", json={"summary": "x", "reason": True})
    assert r.status_code in (404, 422) and r.status_code != 500
    # a good request still works afterwards
    r = lawyer.post("/api/cases", json={"received_at": "2026-11-01T09:00:00", "summary": "补录的咨询"})
    assert r.status_code == 201, r.text


def test_chat_frame_with_lone_surrogate_is_bad_encoding(live_server) -> None:  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    chat.ws.send('{"type": "message", "client_id": "c1", "text": "工资\\ud800被拖欠"}')
    frame = chat.expect("error")
    assert frame["code"] == "bad_encoding", frame
    chat.ws.send(json.dumps({"type": "message", "client_id": "c2", "text": "a\x00b"}))
    assert chat.expect("error")["code"] == "invalid"
    chat.ws.send(json.dumps({"type": "message", "client_id": BIG, "text": "你好"}))
    assert chat.expect("error")["code"] == "invalid"
    ack = chat.say("老板拖欠工资三个月")  # the socket goes on; the message is stored
    assert ack["type"] == "ack"
    chat.close()
