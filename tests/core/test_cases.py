"""Case lifecycle over HTTP: 首问负责, hand-over, corrections with kept versions, back-filled
event dates, 限时办结 deadlines and the overdue list, role checks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session

from hotline.auth.service import create_user, get_user_by_username
from hotline.contacts.models import Contact
from hotline.contacts.service import mark_answered
from hotline.database import get_engine, session_scope
from tests.core.chat_client import ChatClient


def _answer(settings, contact_id: int, username: str) -> int:  # noqa: ANN001
    """Answer a contact directly (routing is tested in tests/routing): wait until routing has
    queued it after the first message, so the two do not race."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with Session(get_engine(settings)) as session:
            if session.get(Contact, contact_id).status != "open":
                break
        time.sleep(0.05)
    with session_scope(get_engine(settings)) as session:
        user = get_user_by_username(session, username)
        mark_answered(session, session.get(Contact, contact_id), user.id)
        return user.id


def test_case_lifecycle_over_http(live_server, settings, staff_users):  # noqa: ANN001
    with session_scope(get_engine(settings)) as session:
        create_user(session, username="lawyer2", password="second-lawyer", role="lawyer", display_name="李律师")
    chat = ChatClient(live_server.ws_url)
    chat.say("我在公司干了五年被辞退了，没有经济补偿金")
    lawyer1_id = _answer(settings, chat.session["contact_id"], staff_users["lawyer"][0])

    lawyer1 = live_server.login(*staff_users["lawyer"])
    lawyer2 = live_server.login("lawyer2", "second-lawyer")
    manager = live_server.login(*staff_users["manager"])

    [case] = lawyer1.get("/api/cases").json()
    assert case["owner_id"] == lawyer1_id and case["status"] == "in_progress"
    case_id = case["id"]
    assert lawyer2.get("/api/cases").json() == []  # a lawyer sees their own cases

    # 首问负责: a second lawyer answering a later contact does not take the case over
    chat2 = ChatClient(live_server.ws_url, chat_token=chat.session["chat_token"])
    assert chat2.session["case_reference"] == case["reference"]  # the citizen's open case is joined
    _answer(settings, chat2.session["contact_id"], "lawyer2")
    assert lawyer1.get(f"/api/cases/{case_id}").json()["case"]["owner_id"] == lawyer1_id

    # only the owner (or a manager) changes it
    assert lawyer2.post(f"/api/cases/{case_id}/status", json={"status": "closed"}).status_code == 403

    # correction: category and a back-filled event date; the earlier version is kept
    received = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)
    r = lawyer1.patch(f"/api/cases/{case_id}", json={"category_code": "labour", "summary": "违法解除劳动合同",
                                                      "received_at": received.isoformat(), "reason": "补录来电时间"})
    assert r.status_code == 200, r.text
    corrected = r.json()
    assert corrected["version"] > case["version"]
    assert datetime.fromisoformat(corrected["received_at"]) == received
    assert datetime.fromisoformat(corrected["created_at"]) > received  # entry date is not the event date
    assert datetime.fromisoformat(corrected["deadline_at"]) == received + timedelta(hours=72)
    detail = lawyer1.get(f"/api/cases/{case_id}").json()
    assert any(rev["snapshot"]["summary"] == "" for rev in detail["revisions"])
    edit = [e for e in detail["log"] if e["action"] == "case.edited"][-1]
    assert edit["after"]["summary"] == "违法解除劳动合同" and edit["data"]["reason"] == "补录来电时间"
    assert lawyer1.patch(f"/api/cases/{case_id}", json={"category_code": "nope"}).status_code == 422

    # 限时办结: the back-filled case is past its deadline
    overdue = manager.get("/api/cases/overdue").json()
    assert [c["id"] for c in overdue] == [case_id] and overdue[0]["overdue"] is True

    # lifecycle rules
    assert lawyer1.post(f"/api/cases/{case_id}/status", json={"status": "followed_up"}).status_code == 409
    assert lawyer1.post(f"/api/cases/{case_id}/status", json={"status": "closed"}).json()["status"] == "closed"
    assert manager.get("/api/cases/overdue").json() == []
    assert lawyer1.post(f"/api/cases/{case_id}/status", json={"status": "followed_up"}).status_code == 200

    # explicit hand-over needs a reason
    with Session(get_engine(settings)) as session:
        lawyer2_id = get_user_by_username(session, "lawyer2").id
    assert lawyer1.post(f"/api/cases/{case_id}/handover", json={"to_user_id": lawyer2_id, "reason": " "}).status_code == 422
    assert lawyer1.post(f"/api/cases/{case_id}/handover",
                        json={"to_user_id": lawyer2_id, "reason": "休假交接"}).json()["owner_id"] == lawyer2_id
    assert lawyer1.get(f"/api/cases/{case_id}").json()["case"]["summary"] == "违法解除劳动合同"

    assert manager.get("/api/cases/999999").status_code == 404


def test_non_owner_sees_redacted_text(live_server, settings, staff_users):  # noqa: ANN001
    with session_scope(get_engine(settings)) as session:
        create_user(session, username="lawyer3", password="third-lawyer", role="lawyer")
    chat = ChatClient(live_server.ws_url)
    chat.say("我的电话是13912345678，身份证号110101199003071234")
    _answer(settings, chat.session["contact_id"], staff_users["lawyer"][0])
    owner = live_server.login(*staff_users["lawyer"])
    other = live_server.login("lawyer3", "third-lawyer")
    case_id = owner.get("/api/cases").json()[0]["id"]
    assert "13912345678" in owner.get(f"/api/cases/{case_id}").json()["transcript"][0]["text"]
    text = other.get(f"/api/cases/{case_id}").json()["transcript"][0]["text"]  # the citizen's, first
    assert "13912345678" not in text and "110101199003071234" not in text
    assert "【手机号】" in text and "【身份证号】" in text
    log_texts = str(owner.get(f"/api/cases/{case_id}").json()["log"])
    assert "13912345678" not in log_texts  # the log holds redacted text only

    # the citizen's details: masked field by field for a lawyer who does not own the case,
    # whatever their form (a Hong Kong number, an address without a house number)
    r = owner.patch(f"/api/cases/{case_id}/citizen", json={
        "name": "陈六", "phone": "+85291234567", "address": "深圳市宝安区西乡街道", "id_number": "11010519491231002X",
        "area": "广东省深圳市宝安区", "reason": "来电登记"})
    assert r.status_code == 200 and r.json()["address"] == "深圳市宝安区西乡街道"
    seen = other.get(f"/api/cases/{case_id}/citizen").json()
    assert (seen["name"], seen["phone"], seen["address"], seen["id_number"], seen["area"]) == (
        "陈六", "+852******67", "（已隐去）", "【身份证号】", "广东省深圳市宝安区")
    raw = owner.get(f"/api/cases/{case_id}/citizen").json()
    assert (raw["phone"], raw["address"], raw["id_number"]) == ("+85291234567", "深圳市宝安区西乡街道", "11010519491231002X")


def test_corrections_keep_every_earlier_version(live_server, settings, staff_users):  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    ack = chat.say("我的公资被拖欠了")  # an ASR-style error to correct
    contact_id = chat.session["contact_id"]
    _answer(settings, contact_id, staff_users["lawyer"][0])
    lawyer = live_server.login(*staff_users["lawyer"])
    case_id = lawyer.get("/api/cases").json()[0]["id"]

    r = lawyer.patch(f"/api/contacts/{contact_id}/utterances/{ack['id']}", json={"text": "我的工资被拖欠了", "reason": ""})
    assert r.status_code == 422  # a correction needs a reason
    r = lawyer.patch(f"/api/contacts/{contact_id}/utterances/{ack['id']}",
                     json={"text": "我的工资被拖欠了", "reason": "转写错误"})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert lawyer.get(f"/api/contacts/{contact_id}").json()["transcript"][0]["text"] == "我的工资被拖欠了"

    r = lawyer.patch(f"/api/cases/{case_id}/citizen", json={"name": "王五", "area": "广东省深圳市宝安区新安街道",
                                                            "phone": "13700001111", "reason": "来电登记"})
    assert r.status_code == 200 and r.json()["area"] == "广东省深圳市宝安区新安街道"
    lawyer.patch(f"/api/cases/{case_id}/citizen", json={"phone": "13700002222", "reason": "当事人更正号码"})

    from hotline.revisions.service import history

    with Session(get_engine(settings)) as session:
        utt_history = history(session, "utterance", ack["id"])
        citizen_id = session.get(Contact, contact_id).citizen_id
        citizen_history = history(session, "citizen", citizen_id)
    assert [h.snapshot["text"] for h in utt_history] == ["我的公资被拖欠了"]
    assert [h.snapshot["phone"] for h in citizen_history] == [None, "13700001111"]
    log = lawyer.get(f"/api/cases/{case_id}").json()["log"]
    updated = [e for e in log if e["action"] == "citizen.updated"]
    assert updated[-1]["after"]["phone"] == "【手机号】"  # the log never holds the raw number


def test_backfilled_case_keeps_its_event_date(live_server, settings, staff_users):  # noqa: ANN001
    """补录: a call taken on the duty phone during an outage, entered the next day."""
    lawyer = live_server.login(*staff_users["lawyer"])
    manager = live_server.login(*staff_users["manager"])
    came_in = datetime.now(timezone.utc) - timedelta(days=1, hours=2)
    body = {"received_at": came_in.isoformat(), "summary": "工地欠薪两个月", "category_code": "labour",
            "name": "赵七", "phone": "13700001111", "note": "值班手机来电（系统停机期间）"}
    r = lawyer.post("/api/cases", json=body)
    assert r.status_code == 201, r.text
    case = r.json()
    assert datetime.fromisoformat(case["received_at"]) == came_in  # the event date, not today
    assert datetime.fromisoformat(case["created_at"]) > came_in + timedelta(days=1)
    local_day = came_in.astimezone(ZoneInfo(settings.timezone))  # the hotline's day (issue 19, item 15)
    assert case["reference"].startswith(f"12348-{local_day:%Y%m%d}-")
    assert case["status"] == "in_progress" and case["owner_id"] is not None  # 首问负责: whoever took it
    detail = lawyer.get(f"/api/cases/{case['id']}").json()
    entry = [e for e in detail["log"] if e["action"] == "case.backfilled"][0]
    assert datetime.fromisoformat(entry["occurred_at"]) == came_in
    assert datetime.fromisoformat(entry["recorded_at"]) > came_in + timedelta(days=1)
    assert lawyer.get(f"/api/cases/{case['id']}/citizen").json()["phone"] == "13700001111"

    # a time without a zone is the hotline's local time (Asia/Shanghai)
    r = lawyer.post("/api/cases", json={**body, "received_at": "2026-01-05T09:00:00"})
    assert datetime.fromisoformat(r.json()["received_at"]) == datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)

    # refused, nothing stored: a future date, an unknown category, no summary, no date
    before = len(manager.get("/api/cases").json())
    future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert lawyer.post("/api/cases", json={**body, "received_at": future}).status_code == 422
    assert lawyer.post("/api/cases", json={**body, "category_code": "nope"}).status_code == 422
    assert lawyer.post("/api/cases", json={**body, "summary": ""}).status_code == 422
    assert lawyer.post("/api/cases", json={k: v for k, v in body.items() if k != "received_at"}).status_code == 422
    assert len(manager.get("/api/cases").json()) == before
    # a correction cannot move the event date into the future either
    assert lawyer.patch(f"/api/cases/{case['id']}", json={"received_at": future, "reason": "x"}).status_code == 422

    # hand-over only to a lawyer or manager
    with Session(get_engine(settings)) as session:
        legal_aid = get_user_by_username(session, staff_users["legal_aid"][0]).id
    r = lawyer.post(f"/api/cases/{case['id']}/handover", json={"to_user_id": legal_aid, "reason": "转法援"})
    assert r.status_code == 422
