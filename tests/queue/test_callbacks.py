"""The callback list (回电/留言) through the running app: redacted for every lawyer, claimed by a
lawyer on duty, marked done with an outcome; a citizen who hangs up keeps their place; contacts
still waiting when everyone goes off duty land in it (once)."""
from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit.models import AuditEntry
from hotline.database import session_scope
from hotline.queue.models import Callback
from hotline.roster.models import RosterException
from tests.core.chat_client import ChatClient
from tests.queue.conftest import TZ, StaffClient, add_lawyer, local_hms


def audit_rows(server, action: str) -> list[AuditEntry]:  # noqa: ANN001
    with Session(server.engine) as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)).scalars())


def test_callbacks_are_redacted_claimed_and_done(server):  # noqa: ANN001
    rep_id = add_lawyer(server.engine, "rep", ["labour"], shift=None)
    other_id = add_lawyer(server.engine, "other", ["labour"], shift=None)
    chat = ChatClient(server.ws_url)  # nobody on duty: straight to the callback list
    chat.say("我的电话是13812345678，老板拖欠工资三个月")
    assert "没有值班律师" in chat.expect("utterance")["text"]
    gone = ChatClient(server.ws_url)
    gone.say("公司不给加班费")
    assert "没有值班律师" in gone.expect("utterance")["text"]  # queued, and in the callback list
    gone.send({"type": "end"})  # then hangs up
    gone.expect("ended")
    rep, other = StaffClient(server, "rep"), StaffClient(server, "other")

    listed = rep.http.get("/api/routing/callbacks").json()
    assert [c["contact_id"] for c in listed] == [chat.session["contact_id"], gone.session["contact_id"]]
    assert [c["status"] for c in listed] == ["open", "open"]  # the citizen who left keeps their place
    words = "".join(listed[0]["transcript"])
    assert "13812345678" not in words and "【手机号】" in words and "老板拖欠工资三个月" in words
    callback_id, case_id = listed[0]["id"], listed[0]["case_id"]
    assert case_id is not None and listed[0]["recording_url"] is None

    # a voice message's recording link comes apart from the note, whole (its ids are no phone numbers)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0123456789ab/Recordings/RE13812345678cd"
    with session_scope(server.engine) as session:
        row = session.get(Callback, listed[1]["id"])
        row.note = f"回电号码 13900001111\n录音：{url}"
        session.add(row)
    voice = rep.http.get("/api/routing/callbacks").json()[1]
    assert voice["recording_url"] == url and voice["note"] == "回电号码 【手机号】"

    r = rep.http.post(f"/api/routing/callbacks/{callback_id}/claim")
    assert r.status_code == 409 and "不在值班" in r.json()["detail"]
    with session_scope(server.engine) as session:  # both come on duty (they stay offline: no offers)
        for uid in (rep_id, other_id):
            session.add(RosterException(user_id=uid, day=datetime.now(TZ).date(), kind="extra",
                                        start="00:00", end="00:00"))
    assert rep.http.post(f"/api/routing/callbacks/{callback_id}/claim").status_code == 200
    assert rep.http.post(f"/api/routing/callbacks/{callback_id}/claim").status_code == 200  # already theirs
    r = other.http.post(f"/api/routing/callbacks/{callback_id}/claim")
    assert r.status_code == 409 and "其他律师" in r.json()["detail"]
    r = other.http.post(f"/api/routing/callbacks/{callback_id}/done", json={"outcome": "已回电"})
    assert r.status_code == 409
    assert rep.http.post("/api/routing/callbacks/999999/claim").status_code == 404
    assert rep.http.post("/api/routing/callbacks/999999/done", json={"outcome": "已回电"}).status_code == 404
    listed = other.http.get("/api/routing/callbacks").json()
    assert listed[0]["status"] == "claimed" and listed[0]["assigned_to"] == rep_id

    r = rep.http.post(f"/api/routing/callbacks/{callback_id}/done", json={"outcome": "已回电，建议申请劳动仲裁"})
    assert r.status_code == 200, r.text
    r = rep.http.post(f"/api/routing/callbacks/{callback_id}/done", json={"outcome": "再次"})
    assert r.status_code == 409 and "已处理完毕" in r.json()["detail"]
    assert other.http.post(f"/api/routing/callbacks/{callback_id}/claim").status_code == 409
    listed = rep.http.get("/api/routing/callbacks").json()
    assert [c["contact_id"] for c in listed] == [gone.session["contact_id"]]
    assert rep.http.get("/api/routing/state").json()["callbacks_open"] == 1
    with Session(server.engine) as session:
        row = session.get(Callback, callback_id)
        assert (row.status, row.assigned_to) == ("done", rep_id) and row.done_at is not None
        assert "建议申请劳动仲裁" in row.note
    claimed, done = audit_rows(server, "routing.callback_claimed"), audit_rows(server, "routing.callback_done")
    assert [(e.case_id, e.entity_id) for e in claimed] == [(case_id, str(callback_id))]
    assert [(e.case_id, e.entity_id) for e in done] == [(case_id, str(callback_id))]
    assert done[0].data["outcome"] == "已回电，建议申请劳动仲裁"


def test_contacts_waiting_when_everyone_goes_off_duty_become_callbacks(server):  # noqa: ANN001
    add_lawyer(server.engine, "ending", ["labour"], shift=("00:00", local_hms(4)))
    lawyer = StaffClient(server, "ending")  # on duty but offline: the contact waits
    chat = ChatClient(server.ws_url)
    chat.say("老板拖欠工资不给")
    assert lawyer.http.get("/api/routing/callbacks").json() == []  # someone is on duty
    deadline = time.monotonic() + 10
    while True:  # after the shift ends the citizen is told, and the contact is in the list
        frame = chat.expect("utterance", timeout=max(0.1, deadline - time.monotonic()))
        if frame["speaker"] == "system" and "没有值班律师" in frame["text"]:
            break
    time.sleep(1.5)  # more ticks: still only one callback
    listed = lawyer.http.get("/api/routing/callbacks").json()
    assert [c["contact_id"] for c in listed] == [chat.session["contact_id"]]
    made = [e for e in audit_rows(server, "routing.callback") if e.contact_id == chat.session["contact_id"]]
    assert len(made) == 1 and made[0].data["reason"] == "值班结束"
    state = lawyer.http.get("/api/routing/state").json()
    assert state["waiting_total"] == 1 and state["callbacks_open"] == 1  # it keeps its place in the queue
