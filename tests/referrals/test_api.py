"""The referrals API against a running server (SQLite and PostgreSQL): assessment, hardship
standards, drafts, creation refused with nothing stored, decisions, override, supplements,
withdrawal, packets, visibility by role and office, and the CLI."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.audit.models import AuditEntry
from hotline.referrals.models import HardshipStandard
from tests.referrals.conftest import WAGES, actions, case_status, counts, office_id, open_chat_case

def test_assess_and_hardship_standards(db, live_server, people) -> None:  # noqa: ANN001
    lawyer, manager = people["lawyer"], people["manager"]
    r = lawyer.post("/api/referrals/assess", json={**WAGES, "application_date": "2025-06-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["eligible"] is True and body["economic_review"] == "exempt"
    assert "法律援助法第四十二条第（三）项" in body["articles"]
    assert people["la"].post("/api/referrals/assess", json=WAGES).status_code == 200
    assert people["med"].post("/api/referrals/assess", json=WAGES).status_code == 403
    bad = lawyer.post("/api/referrals/assess", json={"province": "火星省", "matter_types": ["labour_remuneration"],
                                                     "applicant": {"minor": True, "age": 40}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"province", "applicant.minor"}
    assert bad.json()["detail"].startswith("申请信息有误")
    assert lawyer.post("/api/referrals/assess", content=b"{not json", headers={"content-type": "application/json"}
                       ).status_code == 422

    # the table: seeded sample rows, a new version added by a manager and used from its date on
    rows = lawyer.get("/api/referrals/hardship-standards", params={"province": "广东省"}).json()
    assert [(r["effective_from"], r["sample"]) for r in rows] == [("2025-03-01", True), ("2021-12-01", True)]
    assert rows[0]["in_force"] and not rows[1]["in_force"]
    new = {"province": "广东省", "effective_from": "2025-06-01", "monthly_income_per_member": 2600,
           "basis": "省政府公布的经济困难标准"}
    assert lawyer.post("/api/referrals/hardship-standards", json=new).status_code == 403
    assert manager.post("/api/referrals/hardship-standards", json={**new, "province": "火星省"}).status_code == 422
    assert manager.post("/api/referrals/hardship-standards", json={**new, "monthly_income_per_member": 0}
                        ).status_code == 422
    r = manager.post("/api/referrals/hardship-standards", json=new)
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["version"] == 1 and added["in_force"] and added["sample"] is False
    fix = manager.post("/api/referrals/hardship-standards", json={**new, "monthly_income_per_member": 2650})
    assert fix.status_code == 201 and fix.json()["version"] == 2
    income = {"household_size": 2, "household_monthly_income": 5250, "integrity_pledge": True}  # 2625 per person
    support = {"province": "广东省", "matter_types": ["child_support"], "economy": income}
    before = lawyer.post("/api/referrals/assess", json={**support, "application_date": "2025-05-31"}).json()
    after = lawyer.post("/api/referrals/assess", json={**support, "application_date": "2025-06-01"}).json()
    assert before["eligible"] is False and before["hardship_standard"]["monthly_income_per_member"] == 2500
    assert after["eligible"] == "needs_review" and after["hardship_standard"]["id"] == fix.json()["id"]
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(HardshipStandard)
                         .where(HardshipStandard.province == "广东省")).scalar_one() == 4  # nothing overwritten
        logged = s.execute(select(AuditEntry).where(AuditEntry.action == "referral.hardship_standard_added")
                           ).scalars().all()
        assert [e.after["monthly_income_per_member"] for e in logged] == [2600, 2650]


def test_refused_referrals_store_nothing(db, live_server, people) -> None:  # noqa: ANN001
    lawyer, manager = people["lawyer"], people["manager"]
    case = open_chat_case(db, ["楼上邻居天天半夜装修，噪音太大，协商不成"], owner_id=people["lawyer_id"],
                          area="北京市朝阳区", category="property", summary="邻居噪音纠纷")
    cid = case["case_id"]
    base = {"type": "mediation", "summary": "邻居噪音纠纷", "consent": {"given": True, "method": "chat"}}
    start = counts(db)
    status = case_status(db, cid)
    log = actions(db, cid)

    # only the fallback committee serves 北京市朝阳区; switched off, there is no receiving office
    fallback = office_id(db, "med-default")
    assert manager.put(f"/api/admin/offices/{fallback}", json={"active": False}).status_code == 200
    r = lawyer.post(f"/api/cases/{cid}/referrals", json=base)
    assert r.status_code == 422 and "没有可接收该转介的人民调解委员会" in r.json()["detail"] and "北京市朝阳区" in r.json()["detail"]
    draft = lawyer.get(f"/api/cases/{cid}/referral-draft", params={"type": "mediation"}).json()
    assert draft["suggested_office"] is None and "没有可接收" in draft["office_error"]
    match = lawyer.get("/api/referrals/offices/match", params={"type": "mediation", "area": "北京市朝阳区",
                                                                "category": "property"}).json()
    assert match["office"] is None and match["error"]

    refusals = [
        ({**base, "consent": None}, 422, "当事人同意"),
        ({**base, "consent": {"given": False}}, 422, "当事人同意"),
        ({**base, "area": "广东省深圳市南山区南头街道", "category_code": "criminal"}, 422, "不属于适宜人民调解"),
        ({**base, "area": "广东省深圳市南山区南头街道", "office_id": office_id(db, "la-sz-nanshan")}, 422, "不是人民调解"),
        ({**base, "office_id": 999999}, 422, "不存在"),
        ({**base, "area": "广东省深圳市南山区南头街道", "transcript_utterance_ids": [999999]}, 422, "不属于该案件"),
        ({**base, "area": "广东省深圳市南山区南头街道", "contact_id": 999999}, 422, "不属于该案件"),
        ({"type": "court", "summary": "x"}, 422, "转介原因"),
        ({"type": "legal_aid", "summary": "x"}, 422, "申请信息"),
        ({"type": "legal_aid", "summary": "x", "application": {**WAGES, "province": "火星省"}}, 422, "未知的省份"),
        ({"type": "legal_aid", "summary": "x", "application": {**WAGES, "criminal_defence": True,
                                                               "matter_types": []}}, 422, "criminal_defence"),
        ({"type": "bank", "summary": "x"}, 422, ""),
        ({**base, "surprise": 1}, 422, ""),
    ]
    for body, code, text in refusals:
        r = lawyer.post(f"/api/cases/{cid}/referrals", json=body)
        assert r.status_code == code, (body, r.text)
        assert text in json.dumps(r.json(), ensure_ascii=False), (body, r.text)
    r = lawyer.post(f"/api/cases/{cid}/referrals", json={"type": "legal_aid", "summary": "x",
                                                         "application": {"province": "广东省"}})
    assert r.status_code == 422 and r.json()["errors"] == [{"field": "application.matter_types",
                                                            "message": "请至少选择一项申请事项"}]
    # not the owner: 403; unknown case: 404; the case closed: 409
    assert people["lawyer2"].post(f"/api/cases/{cid}/referrals", json=base).status_code == 403
    assert people["la"].post(f"/api/cases/{cid}/referrals", json=base).status_code == 403
    assert lawyer.post("/api/cases/999999/referrals", json=base).status_code == 404
    assert lawyer.get("/api/cases/999999/referral-draft", params={"type": "mediation"}).status_code == 404
    assert lawyer.get(f"/api/cases/{cid}/referral-draft", params={"type": "bank"}).status_code == 422
    assert counts(db) == start and case_status(db, cid) == status and actions(db, cid) == log

    assert lawyer.post(f"/api/cases/{cid}/status", json={"status": "closed", "reason": "已解答"}).status_code == 200
    ok_area = {**base, "area": "广东省深圳市南山区南头街道"}
    assert lawyer.post(f"/api/cases/{cid}/referrals", json=ok_area).status_code == 409
    assert counts(db) == start
    # reopened, with the committee configured: it goes through
    assert lawyer.post(f"/api/cases/{cid}/status", json={"status": "in_progress", "reason": "转介"}).status_code == 200
    r = lawyer.post(f"/api/cases/{cid}/referrals", json=ok_area)
    assert r.status_code == 201, r.text
    assert r.json()["office"]["code"] == "med-sz-nanshan-nantou"
    assert counts(db)["referrals"] == start["referrals"] + 1


def test_legal_aid_decisions_override_and_packet(db, live_server, people) -> None:  # noqa: ANN001
    lawyer, la, manager = people["lawyer"], people["la"], people["manager"]
    case = open_chat_case(db, ["我在南山一家餐馆打工，老板拖欠我两个月工资一万二，我电话13812345678",
                               "身份证号440305199001011234，住南山大道1001号"],
                          owner_id=people["lawyer_id"], area="广东省深圳市南山区南头街道", name="王小二",
                          phone="13812345678", category="labour", summary="餐馆拖欠工资")
    cid = case["case_id"]
    draft = lawyer.get(f"/api/cases/{cid}/referral-draft", params={"type": "legal_aid"}).json()
    assert draft["suggested_office"]["code"] == "la-sz-nanshan"
    assert draft["application"]["province"] == "广东省" and "labour_remuneration" in draft["application"]["matter_types"]
    assert draft["assessment"]["eligible"] == "needs_review"  # not a migrant worker: the centre reviews hardship
    application = {**draft["application"], "economy": {"household_size": 2, "household_monthly_income": 3000,
                                                       "integrity_pledge": True}}
    r = lawyer.post(f"/api/cases/{cid}/referrals", json={"type": "legal_aid", "summary": draft["summary"],
                                                         "facts": draft["facts"], "application": application,
                                                         "contact_id": case["contact_id"]})
    assert r.status_code == 201, r.text
    ref = r.json()
    rid = ref["id"]
    assert ref["status"] == "submitted" and ref["eligible"] == "needs_review" and ref["economic_review"] == "required"
    assert ref["reference"].startswith("ZJ-") and ref["assessment"]["hardship_standard"]["province"] == "广东省"
    assert any(d["kind"] == "legal_aid_review" for d in ref["deadlines"])
    assert case_status(db, cid) == "referred"

    # who sees it
    assert [x["id"] for x in la.get("/api/referrals").json()] == [rid]
    assert people["la_none"].get("/api/referrals").json() == []
    assert people["med"].get("/api/referrals").json() == []
    assert people["med"].get(f"/api/referrals/{rid}").status_code == 403
    assert people["lawyer2"].get(f"/api/referrals/{rid}").status_code == 403
    assert [x["id"] for x in lawyer.get("/api/referrals").json()] == [rid]
    assert [x["id"] for x in people["lawyer2"].get("/api/referrals").json()] == []
    assert lawyer.get("/api/referrals/999999").status_code == 404
    office_view = la.get(f"/api/referrals/{rid}").json()
    assert "13812345678" not in json.dumps(office_view["transcript_excerpt"], ensure_ascii=False)
    assert "440305199001011234" not in json.dumps(office_view, ensure_ascii=False)
    assert office_view["applicant_contact"] == {"name": "王小二", "phone": "13812345678", "address": ""}
    assert office_view["allowed"]["decide"] and office_view["allowed"]["override"]
    assert not office_view["allowed"]["withdraw"]
    assert "13812345678" in json.dumps(lawyer.get(f"/api/referrals/{rid}").json()["transcript_excerpt"],
                                       ensure_ascii=False)

    # the packet: redacted, with the articles
    packet = la.get(f"/api/referrals/{rid}/packet.json").json()
    text = json.dumps(packet, ensure_ascii=False)
    assert "13812345678" not in text and "440305199001011234" not in text and "南山大道1001号" not in text
    assert "【手机号】" in text and "【身份证号】" in text and packet["parties"][0]["name"] == "王小二"
    assert packet["to"]["name"] == "深圳市南山区法律援助处"
    assert "法律援助法第三十一条第（五）项" in packet["assessment"]["articles"]
    html = la.get(f"/api/referrals/{rid}/packet.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert ref["reference"] in html.text and "法律援助法第三十一条第（五）项" in html.text
    assert "13812345678" not in html.text and "<script" not in html.text and "http" not in html.text.split("<body>")[1]

    # the legal-aid staff override, reason mandatory; only legal-aid staff of the office
    assert la.post(f"/api/referrals/{rid}/override", json={"eligible": True}).status_code == 422
    assert people["med"].post(f"/api/referrals/{rid}/override", json={"eligible": True, "reason": "x"}
                              ).status_code == 403
    assert manager.post(f"/api/referrals/{rid}/override", json={"eligible": True, "reason": "x"}).status_code == 403
    r = la.post(f"/api/referrals/{rid}/override", json={"eligible": True, "economic_review": "exempt",
                                                         "reason": "经信息共享查询，申请人系低保对象"})
    assert r.status_code == 200, r.text
    assert r.json()["eligible"] is True and r.json()["assessment"]["eligible"] == "needs_review"
    assert r.json()["override"]["assessed"]["eligible"] == "needs_review"

    # more information, supplement, then acceptance
    assert la.post(f"/api/referrals/{rid}/decision", json={"decision": "more_info"}).status_code == 422
    assert la.post(f"/api/referrals/{rid}/decision", json={"decision": "more_info", "code": "nope",
                                                           "reason": "x"}).status_code == 422
    r = la.post(f"/api/referrals/{rid}/decision", json={"decision": "more_info", "code": "missing_documents",
                                                         "reason": "请补充欠薪的工资条或聊天记录"})
    assert r.status_code == 200 and r.json()["status"] == "more_info"
    assert r.json()["citizen_notices"][-1]["channel"] == "chat"  # the citizen's chat is still open
    assert people["lawyer2"].post(f"/api/referrals/{rid}/supplement", json={"note": "x"}).status_code == 403
    assert lawyer.post(f"/api/referrals/{rid}/supplement", json={}).status_code == 422
    r = lawyer.post(f"/api/referrals/{rid}/supplement", json={"note": "市民已通过微信发送工资条照片",
                                                               "application": {**application,
                                                                               "applicant": {"migrant_worker": True}}})
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert r.json()["assessment"]["economic_review"] == "exempt"
    assert people["med"].post(f"/api/referrals/{rid}/decision", json={"decision": "accept"}).status_code == 403
    r = la.post(f"/api/referrals/{rid}/decision", json={"decision": "accept", "code": "granted",
                                                         "office_reference": "南法援〔2026〕88号"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["decision"]["office_reference"] == "南法援〔2026〕88号"
    assert la.post(f"/api/referrals/{rid}/decision", json={"decision": "reject", "code": "other",
                                                           "reason": "x"}).status_code == 409
    assert lawyer.post(f"/api/referrals/{rid}/records", json={"record_type": "session"}).status_code == 403
    assert la.post(f"/api/referrals/{rid}/records", json={"record_type": "session"}).status_code == 409
    history = [(h["event"], h["to_status"]) for h in r.json()["history"]]
    assert history == [("created", None), ("override", None), ("decision", "more_info"), ("notice", None),
                       ("supplement", "submitted"), ("decision", "accepted"), ("notice", None)]
    listed = lawyer.get(f"/api/cases/{cid}/referrals").json()
    assert [(x["id"], x["status"]) for x in listed] == [(rid, "accepted")]
    log = actions(db, cid)
    for action in ("referral.created", "case.status", "referral.override", "referral.decided",
                   "referral.citizen_notified", "referral.supplemented", "referral.packet"):
        assert action in log, action
    verify = manager.get("/api/audit/verify").json()
    assert verify["ok"] is True


def test_rejection_and_withdrawal_return_the_case(db, live_server, people) -> None:  # noqa: ANN001
    lawyer, la = people["lawyer"], people["la"]
    case = open_chat_case(db, ["朋友借了我五万块不还"], owner_id=people["lawyer_id"],
                          area="广东省深圳市南山区", category="contract_debt", summary="民间借贷纠纷")
    cid = case["case_id"]
    app = {"province": "广东省", "matter_types": ["contract_debt"], "economy": {"integrity_pledge": True}}
    r = lawyer.post(f"/api/cases/{cid}/referrals", json={"type": "legal_aid", "summary": "借款不还",
                                                         "application": app})
    assert r.status_code == 201 and r.json()["eligible"] is False  # the lawyer may still refer; the centre decides
    assert r.json()["assessment"]["suggested_routes"] == ["mediation", "court"]
    rid = r.json()["id"]
    # the chat has ended: the citizen cannot be told on it; the notice is logged as pending, not lost
    assert lawyer.post(f"/api/contacts/{case['contact_id']}/end", json={"disposition": "转介"}).status_code == 200
    r = la.post(f"/api/referrals/{rid}/decision", json={"decision": "reject", "code": "not_qualifying_matter",
                                                         "reason": "民间借贷不属于法律援助事项范围，可申请人民调解"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    notice = r.json()["citizen_notices"][-1]
    assert notice["channel"] == "none" and "未被深圳市南山区法律援助处受理" in notice["text"]
    with Session(db) as s:
        logged = s.execute(select(AuditEntry).where(AuditEntry.action == "referral.citizen_notified",
                                                    AuditEntry.case_id == cid)).scalar_one()
        assert logged.data["pending"] is True
    assert case_status(db, cid) == "in_progress"  # back to 办理
    # a court hand-off, then withdrawn
    r = lawyer.post(f"/api/cases/{cid}/referrals", json={"type": "court", "summary": "借款不还",
                                                         "reason": "调解不成，告知诉讼途径"})
    assert r.status_code == 201 and r.json()["office"]["code"] == "court-sz-nanshan"
    assert case_status(db, cid) == "referred"
    court = r.json()["id"]
    assert lawyer.post(f"/api/referrals/{court}/withdraw", json={}).status_code == 422
    r = lawyer.post(f"/api/referrals/{court}/withdraw", json={"reason": "当事人决定先协商"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert case_status(db, cid) == "in_progress"
    assert lawyer.post(f"/api/referrals/{court}/withdraw", json={"reason": "x"}).status_code == 409
    assert la.post(f"/api/referrals/{court}/override", json={"eligible": True, "reason": "x"}).status_code == 409
    # the manager sees everything and can filter
    everything = people["manager"].get("/api/referrals").json()
    assert {x["id"] for x in everything} == {rid, court}
    assert [x["id"] for x in people["manager"].get("/api/referrals", params={"type": "court"}).json()] == [court]
    assert [x["id"] for x in people["manager"].get("/api/referrals", params={"status": "rejected"}).json()] == [rid]
    assert people["manager"].get("/api/referrals", params={"status": "lost"}).status_code == 422
