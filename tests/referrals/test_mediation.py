"""A mediation referral's record chain (受理, 登记, 调解, 协议, 回访) through the API."""
from __future__ import annotations

import base64
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlmodel import Session

from hotline.privacy import redact
from hotline.referrals.models import ReferralEvent
from tests.referrals.conftest import PASSWORD, add_staff, open_chat_case


CONSENT_PHONE, CONSENT_ADDRESS = "13822223333", "深南大道88号"
CONSENT_NOTE = f"来电人同意调解，回访请打{CONSENT_PHONE}；地址：{CONSENT_ADDRESS}"


def test_mediation_record_chain(db, live_server, people) -> None:  # noqa: ANN001
    lawyer, med = people["lawyer"], people["med"]
    case = open_chat_case(db, ["邻居家空调外机对着我家窗户，噪音很大"], owner_id=people["lawyer_id"],
                          area="广东省深圳市南山区南头街道", name="李四", category="property", summary="空调噪音纠纷")
    r = lawyer.post(f"/api/cases/{case['case_id']}/referrals", json={
        "type": "mediation", "summary": "空调外机噪音纠纷",
        "consent": {"given": True, "method": "phone", "note": CONSENT_NOTE},
        "parties": [{"role": "applicant", "name": "李四"}, {"role": "respondent", "description": "隔壁邻居"}]})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert [x["record_type"] for x in r.json()["records"]] == ["application"]
    assert "人民调解法第十七条" in r.json()["records"][0]["note"]
    assert people["med_other"].post(f"/api/referrals/{rid}/records", json={"record_type": "registration"}
                                    ).status_code == 403
    assert med.post(f"/api/referrals/{rid}/records", json={"record_type": "registration"}).status_code == 409
    # two mediators of the committee accept at the same moment: exactly one decision is recorded
    add_staff(db, "med-nantou2", "mediation", "med-sz-nanshan-nantou")
    med2 = live_server.login("med-nantou2", PASSWORD)
    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(lambda c: c.post(f"/api/referrals/{rid}/decision",
                                                 json={"decision": "accept", "code": "registered"}).status_code,
                                [med, med2]))
    assert codes == [200, 409]
    with Session(db) as s:
        decisions = s.execute(select(ReferralEvent).where(ReferralEvent.referral_id == rid,
                                                          ReferralEvent.event == "decision")).scalars().all()
        assert [(d.from_status, d.to_status) for d in decisions] == [("submitted", "accepted")]
    pdf = b"%PDF-1.4 mediation agreement test file"
    steps = [({"record_type": "registration", "note": "受理登记"}, "registered"),
             ({"record_type": "session", "note": "第一次调解：双方到场"}, "mediating"),
             ({"record_type": "session", "note": "第二次调解"}, "mediating"),
             ({"record_type": "agreement", "note": "邻居移装外机", "agreement_date": "2026-01-12",
               "attachment": {"filename": "调解协议书.pdf", "content_type": "application/pdf",
                              "content_base64": base64.b64encode(pdf).decode()}}, "agreement")]
    assert med.post(f"/api/referrals/{rid}/records", json={"record_type": "follow_up"}).status_code == 409
    for body, status in steps:
        r = med.post(f"/api/referrals/{rid}/records", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == status
    assert med.post(f"/api/referrals/{rid}/records", json={"record_type": "termination", "note": "x"}
                    ).status_code == 409
    bad = {"record_type": "follow_up", "attachment": {"filename": "a.txt", "content_base64": "@@@"}}
    assert med.post(f"/api/referrals/{rid}/records", json=bad).status_code == 422
    r = med.post(f"/api/referrals/{rid}/records", json={"record_type": "follow_up", "note": "回访：已履行"})
    assert r.status_code == 201 and r.json()["status"] == "followed_up"
    detail = r.json()
    assert [x["record_type"] for x in detail["records"]] == ["application", "registration", "session", "session",
                                                            "agreement", "follow_up"]
    deadline = next(d for d in detail["deadlines"] if d["kind"] == "judicial_confirmation")
    assert deadline["date"] == "2026-02-11" and deadline["article"] == "人民调解法第三十三条"
    record = next(x for x in detail["records"] if x["attachment"])
    got = med.get(f"/api/referrals/{rid}/records/{record['id']}/attachment")
    assert got.status_code == 200 and got.content == pdf and got.headers["content-type"] == "application/pdf"
    assert record["attachment"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert med.get(f"/api/referrals/{rid}/records/{detail['records'][0]['id']}/attachment").status_code == 404
    # the mediation packet carries the consent and the record chain
    packet = med.get(f"/api/referrals/{rid}/packet.json").json()
    assert packet["consent"]["given"] is True and packet["to"]["name"] == "南山区南头街道人民调解委员会"
    # the consent note leaves the hotline redacted, like the facts and the transcript
    assert packet["consent"]["method"] == "phone" and packet["consent"]["given_at"]
    note = redact(CONSENT_NOTE)
    assert note != CONSENT_NOTE and packet["consent"]["note"] == note and "【手机号】" in note
    html = med.get(f"/api/referrals/{rid}/packet.html").text
    assert note in html
    for raw in (CONSENT_PHONE, CONSENT_ADDRESS):
        assert raw not in json.dumps(packet, ensure_ascii=False) and raw not in html
    assert [x["label"] for x in packet["records"]][:2] == ["申请书", "受理登记表"]
    assert any(n["article"] == "人民调解法第十七条" for n in packet["legal_notes"])
    # a legal-aid-only action on a mediation referral
    assert people["admin"].post(f"/api/referrals/{rid}/override", json={"eligible": True, "reason": "x"}
                                ).status_code == 409
