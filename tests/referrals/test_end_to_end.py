"""End to end through the running app: a citizen chats over the real WebSocket, routing offers
the chat to a lawyer on duty who accepts it on the staff socket, and the lawyer turns the
consultation into a referral over the API; the receiving office acts on it and the status flows
back to the case and to the citizen's chat. SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session

from hotline.audit.service import verify
from hotline.referrals.service import local_today
from tests.core.chat_client import ChatClient
from tests.referrals.conftest import PASSWORD, add_staff
from tests.queue.conftest import StaffClient, add_lawyer


def _system_message(chat: ChatClient, contains: str, timeout: float = 10) -> dict:
    while True:
        frame = chat.expect("utterance", timeout=timeout)
        if frame["speaker"] == "system" and contains in frame["text"]:
            return frame


def _take_chat(live_server, lawyer: StaffClient, chat: ChatClient) -> dict:  # noqa: ANN001
    """The offer arrives on the lawyer's socket; the lawyer accepts and finds the case."""
    offer = lawyer.expect("offer", timeout=15)
    assert offer["contact_id"] == chat.session["contact_id"]
    lawyer.accept(offer)
    _system_message(chat, "")  # 值班律师已接入
    mine = lawyer.http.get("/api/console/contacts").json()
    return next(c for c in mine if c["id"] == chat.session["contact_id"])


def test_migrant_worker_wages_become_an_exempt_legal_aid_referral(db, live_server) -> None:  # noqa: ANN001
    add_lawyer(db, "e2e-lawyer", ["labour"])
    add_staff(db, "baoan-legal-aid", "legal_aid", "la-sz-baoan")
    add_staff(db, "city-legal-aid", "legal_aid", "la-sz")
    lawyer = StaffClient(live_server, "e2e-lawyer", "lawyer-password")
    lawyer.available()
    chat = ChatClient(live_server.ws_url)
    try:
        chat.say("我是农民工，在宝安西乡的工地干了三个月，包工头一直拖欠我们工资，我一个人就被欠了一万八")
        contact = _take_chat(live_server, lawyer, chat)
        assert contact["category"] == "labour"
        case_id = contact["case_id"]
        http = lawyer.http
        r = http.post(f"/api/contacts/{contact['id']}/messages",
                      json={"text": "您好，欠薪可以申请法律援助，请问您的姓名和联系电话？"})
        assert r.status_code == 200
        chat.say("我叫张三，电话13900001111，劳动仲裁时效下周就到了")
        # the lawyer records what the citizen said on the case
        assert http.patch(f"/api/cases/{case_id}/citizen", json={
            "name": "张三", "phone": "13900001111", "area": "广东省深圳市宝安区西乡街道",
            "reason": "咨询中核实"}).status_code == 200
        assert http.patch(f"/api/cases/{case_id}", json={"summary": "工地包工头拖欠三个月工资一万八", "reason": "接待记录"}
                          ).status_code == 200

        draft = http.get(f"/api/cases/{case_id}/referral-draft", params={"type": "legal_aid"}).json()
        assert draft["suggested_office"]["code"] == "la-sz-baoan"  # the district centre, not the city's
        application = draft["application"]
        assert application["province"] == "广东省" and application["matter_types"][0] == "labour_remuneration"
        assert application["applicant"]["migrant_worker"] is True and "applicant.migrant_worker" in draft["guessed"]
        assert draft["assessment"]["economic_review"] == "exempt"
        assert any("13900001111" in u["text"] for u in draft["transcript_excerpt"])  # raw for the lawyer

        # the lawyer confirms the guesses, adds the deadline and the pledge, and submits
        deadline = (local_today() + timedelta(days=5)).isoformat()
        application.update(deadline_date=deadline, deadline_kind="arbitration",
                           economy={"integrity_pledge": True})
        r = http.post(f"/api/cases/{case_id}/referrals", json={
            "type": "legal_aid", "summary": draft["summary"], "facts": draft["facts"], "parties": draft["parties"],
            "application": application, "contact_id": contact["id"]})
        assert r.status_code == 201, r.text
        referral = r.json()
        rid = referral["id"]
        assert referral["eligible"] is True and referral["economic_review"] == "exempt" and referral["urgent"] is True
        assert referral["office"]["code"] == "la-sz-baoan"
        assert {"法律援助法第三十一条第（五）项", "法律援助法第四十二条第（三）项", "法律援助法第四十四条第（一）项"} <= \
            set(referral["assessment"]["articles"])
        case = http.get(f"/api/cases/{case_id}").json()
        assert case["case"]["status"] == "referred" and case["case"]["status_label"] == "转介"

        # the packet the legal-aid centre reads without the hotline
        staff = live_server.login("baoan-legal-aid", PASSWORD)
        inbox = staff.get("/api/referrals", params={"status": "submitted"}).json()
        assert [(x["id"], x["urgent"]) for x in inbox] == [(rid, True)]
        assert live_server.login("city-legal-aid", PASSWORD).get("/api/referrals").json() == []
        packet = staff.get(f"/api/referrals/{rid}/packet.json").json()
        assert packet["assessment"]["economic_review"] == "exempt"
        assert "法律援助法第四十二条第（三）项" in packet["assessment"]["articles"]
        assert any(d["kind"] == "arbitration" and d["date"] == deadline for d in packet["deadlines"])
        assert packet["case"]["summary"] == "工地包工头拖欠三个月工资一万八"
        dump = json.dumps(packet, ensure_ascii=False)
        assert "13900001111" not in dump and "【手机号】" in dump and "张三" in dump
        assert any("拖欠" in u["text"] for u in packet["transcript"])
        page = staff.get(f"/api/referrals/{rid}/packet.html")
        assert page.status_code == 200 and "免予核查经济困难状况" in page.text and "紧急" in page.text

        # legal-aid staff accept over the API; the citizen is told on the chat; the case shows it
        r = staff.post(f"/api/referrals/{rid}/decision", json={"decision": "accept", "code": "provisional",
                                                                "office_reference": "宝法援〔2026〕12号"})
        assert r.status_code == 200, r.text
        notice = _system_message(chat, "法律援助申请已被深圳市宝安区法律援助处受理")
        assert referral["reference"] in notice["text"] and "先行提供法律援助" in notice["text"]
        listed = http.get(f"/api/cases/{case_id}/referrals").json()
        assert [(x["id"], x["status"], x["status_label"]) for x in listed] == [(rid, "accepted", "已受理")]
        case = http.get(f"/api/cases/{case_id}").json()
        decided = [e for e in case["log"] if e["action"] == "referral.decided"]
        assert decided and decided[0]["after"] == {"status": "accepted"}
        assert [e["data"]["channel"] for e in case["log"] if e["action"] == "referral.citizen_notified"] == ["chat"]
        assert "referral.packet" in {e["action"] for e in case["log"]}
        with Session(db) as s:
            assert verify(s).ok
    finally:
        chat.close()
        lawyer.close()


def test_neighbour_dispute_goes_to_the_street_committee(db, live_server) -> None:  # noqa: ANN001
    add_lawyer(db, "e2e-lawyer", ["property"])
    add_staff(db, "nantou-mediator", "mediation", "med-sz-nanshan-nantou")
    add_staff(db, "nanshan-mediator", "mediation", "med-sz-nanshan")
    lawyer = StaffClient(live_server, "e2e-lawyer", "lawyer-password")
    lawyer.available()
    chat = ChatClient(live_server.ws_url)
    try:
        chat.say("楼上邻居每天晚上十一点以后还在拖椅子跳绳，噪音很大，找物业也没用，想找人调解一下")
        contact = _take_chat(live_server, lawyer, chat)
        assert contact["category"] == "property"
        case_id, http = contact["case_id"], lawyer.http
        assert http.patch(f"/api/cases/{case_id}/citizen", json={
            "name": "李梅", "area": "广东省深圳市南山区南头街道", "reason": "咨询中核实"}).status_code == 200
        draft = http.get(f"/api/cases/{case_id}/referral-draft", params={"type": "mediation"}).json()
        assert draft["suggested_office"]["code"] == "med-sz-nanshan-nantou"
        assert draft["suggested_office"]["matched_area"] == "广东省深圳市南山区南头街道"
        assert draft["consent_required"] is True and draft["consent"]["given"] is False
        assert {"role": "respondent", "name": "", "phone": "", "address": "", "description": "邻居"} in draft["parties"]
        body = {"type": "mediation", "summary": "楼上邻居夜间噪音纠纷", "facts": draft["facts"],
                "parties": draft["parties"], "contact_id": contact["id"], "consent": draft["consent"]}
        r = http.post(f"/api/cases/{case_id}/referrals", json=body)
        assert r.status_code == 422 and "当事人同意" in r.json()["detail"]
        assert http.get(f"/api/cases/{case_id}/referrals").json() == []

        r = http.post(f"/api/contacts/{contact['id']}/messages", json={"text": "可以帮您转到南头街道人民调解委员会调解，您同意吗？"})
        assert r.status_code == 200
        chat.say("同意")
        body["consent"] = {"given": True, "method": "chat", "note": "市民在对话中回复“同意”"}
        r = http.post(f"/api/cases/{case_id}/referrals", json=body)
        assert r.status_code == 201, r.text
        referral = r.json()
        assert referral["office"]["name"] == "南山区南头街道人民调解委员会" and referral["type"] == "mediation"
        assert referral["consent"]["given"] is True and referral["records"][0]["label"] == "申请书"
        assert any(u["text"] == "同意" for u in referral["transcript_excerpt"])

        mediator = live_server.login("nantou-mediator", PASSWORD)
        assert [x["id"] for x in mediator.get("/api/referrals").json()] == [referral["id"]]
        assert live_server.login("nanshan-mediator", PASSWORD).get("/api/referrals").json() == []
        r = mediator.post(f"/api/referrals/{referral['id']}/decision", json={"decision": "accept", "code": "registered"})
        assert r.status_code == 200
        _system_message(chat, "人民调解申请已被南山区南头街道人民调解委员会受理")
        r = mediator.post(f"/api/referrals/{referral['id']}/records", json={"record_type": "registration",
                                                                            "note": "已登记，约定周五下午调解"})
        assert r.status_code == 201 and r.json()["status"] == "registered"
        listed = http.get(f"/api/cases/{case_id}/referrals").json()
        assert [(x["status"], x["status_label"]) for x in listed] == [("registered", "已登记")]
        assert http.get(f"/api/cases/{case_id}").json()["case"]["status"] == "referred"
    finally:
        chat.close()
        lawyer.close()
