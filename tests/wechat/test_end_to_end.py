"""A WeChat consultation end to end through the running app and the simulator (safe mode): the
citizen writes, is routed and offered to the duty lawyer, sends voice messages (real speech,
AMR-NB and SILK) that the hotline's own recogniser transcribes and an image kept with the case, the
lawyer sees suggestions and replies, and each reply reaches the simulator as a customer-service
message, also after WeChat expired the access token. Then the 48-hour window: closed in the
database (refused, nothing stored), and closed on WeChat's side (stored, marked undelivered).
The case, the audit log and the console's history (an earlier call of the same citizen, linked
by the phone number the citizen wrote) hold it all."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from asr.text import cer
from hotline.audit.models import AuditEntry
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, Utterance
from hotline.database import session_scope
from hotline.timeutil import utcnow
from hotline.wechat.flows import WINDOW_CLOSED
from hotline.wechat.models import CaseAttachment, WechatIdentity, WechatMessage, WechatToken
from tests.conftest import SHARED
from tests.queue.conftest import StaffClient
from tests.voice.conftest import add_lawyer, rows, wait_for
from tests.wechat.conftest import amr_of, silk_of

OPENID = "oW_citizen_8f3a"
VOICE_FILE, SILK_FILE = "utt_002_16k.wav", "utt_003_16k.wav"
REFERENCE = {json.loads(line)["file"]: json.loads(line)["text"] for line in (SHARED / "audio" / "transcripts.jsonl")
             .read_text(encoding="utf-8").splitlines()}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_wechat_consultation(wechat_kb) -> None:  # noqa: ANN001
    sim, server = wechat_kb
    add_lawyer(server.engine, "duty")
    lawyer = StaffClient(server, "duty", password="voice-password")
    lawyer.available()
    # an earlier phone call from the same citizen (not yet linked: WeChat gives no number)
    with session_scope(server.engine) as session:
        call = contacts.start_call(session, phone="+8613812345678", call_sid="CA" + "1" * 32)
        contacts.end_contact(session, call, actor="twilio")
        call_id = call.id

    # 1. the citizen writes; stored and acknowledged; routed and offered to the duty lawyer
    r = sim.text(OPENID, "你好，我在深圳一家电子厂上班，老板已经三个月没发工资了，我该怎么办？", msg_id=3001, safe=True)
    assert r.status_code == 200 and r.text == "success"
    offer = lawyer.expect("offer", timeout=60)
    contact_id = offer["contact_id"]
    assert offer["channel"] == "wechat" and offer["category"] == "labour"
    lawyer.accept(offer)
    contact = rows(server.engine, Contact, id=contact_id)[0]
    assert contact.channel == "wechat" and contact.lawyer_id == lawyer.user_id

    # 2. a voice message: AMR fetched through the media API, recognised by the hotline's recogniser;
    #    WeChat's own Recognition kept beside it; an image kept as a case attachment
    assert sim.voice(OPENID, "MEDIA_VOICE_1", amr_of(VOICE_FILE), msg_id=3002, recognition="我一个月工资6500",
                     safe=True).text == "success"
    assert sim.image(OPENID, "MEDIA_IMG_1", PNG, msg_id=3003, safe=True).text == "success"
    voice = wait_for(lambda: [m for m in rows(server.engine, WechatMessage, dedup_key="3002") if m.status != "pending"],
                     timeout=180)[0]
    assert voice.status == "done" and voice.recognition == "我一个月工资6500", voice.error
    said = rows(server.engine, Utterance, id=voice.utterance_id)[0]
    assert said.source == "asr" and said.speaker == "citizen" and cer(REFERENCE[VOICE_FILE], said.text) <= 0.35, said.text
    # SILK, as WeChat's clients record it, goes the same way
    assert sim.voice(OPENID, "MEDIA_VOICE_2", silk_of(SILK_FILE), msg_id=3005, safe=True).text == "success"
    silk = wait_for(lambda: [m for m in rows(server.engine, WechatMessage, dedup_key="3005") if m.status != "pending"],
                    timeout=180)[0]
    assert silk.status == "done", silk.error
    heard = rows(server.engine, Utterance, id=silk.utterance_id)[0]
    assert heard.source == "asr" and cer(REFERENCE[SILK_FILE], heard.text) <= 0.35, heard.text
    wait_for(lambda: [m for m in rows(server.engine, WechatMessage, dedup_key="3003") if m.status == "done"])
    kept = {a.kind: a for a in rows(server.engine, CaseAttachment, contact_id=contact_id)}
    assert set(kept) == {"voice", "image"} and len(rows(server.engine, CaseAttachment, kind="voice")) == 2 and kept["image"].size == len(PNG) and kept["image"].case_id == contact.case_id
    assert (server.settings.var_dir / "attachments" / kept["image"].sha256).read_bytes() == PNG

    # 3. the lawyer sees suggestions, the open window and (after the number is given) the earlier call
    sugg = lawyer.http.get(f"/api/console/contacts/{contact_id}/suggestions").json()
    assert sugg["items"], sugg
    assert sim.text(OPENID, "我的手机号是13812345678，方便的话可以回电。", msg_id=3004, safe=True).text == "success"
    ctx = lawyer.http.get(f"/api/wechat/contacts/{contact_id}/context").json()
    assert ctx["window"]["open"] and ctx["channel"] == "wechat"
    assert [(h["id"], h["channel"]) for h in ctx["history"]] == [(call_id, "call")]

    # 4. the lawyer replies: it reaches WeChat as a customer-service message
    answer = "根据《保障农民工工资支付条例》，您可以先向当地劳动保障监察部门投诉，也可以申请劳动仲裁。"
    r = lawyer.http.post(f"/api/contacts/{contact_id}/messages", json={"text": answer, "client_id": "r1"})
    assert r.status_code == 200 and r.json()["delivery"] == {"sent": True, "error": "", "errcode": 0}, r.text
    assert sim.sent[-1] == {"touser": OPENID, "msgtype": "text", "text": {"content": answer}}
    assert sim.token_requests == 1
    token_before = rows(server.engine, WechatToken)[0].access_token

    # 5. WeChat expires the token early: the app refreshes it (in the database) and retries once
    sim.expire_tokens()
    r = lawyer.http.post(f"/api/contacts/{contact_id}/messages", json={"text": "请保留好工资条和考勤记录。"})
    assert r.json()["delivery"]["sent"], r.text
    assert sim.sent[-1]["text"]["content"] == "请保留好工资条和考勤记录。" and sim.token_requests == 2
    assert rows(server.engine, WechatToken)[0].access_token not in (token_before, "")

    # 6a. WeChat's side of the window has closed (e.g. the clocks differ): stored, marked undelivered
    sim.window_s = 0
    r = lawyer.http.post(f"/api/contacts/{contact_id}/messages", json={"text": "还有其他问题吗？"})
    assert r.status_code == 200 and r.json()["delivery"] == {"sent": False, "error": WINDOW_CLOSED, "errcode": 45015}
    # 6b. 48 hours since the citizen's last message: the console says so and a reply is refused
    with session_scope(server.engine) as session:
        session.execute(update(WechatIdentity).values(last_inbound_at=utcnow() - timedelta(hours=49)))
    ctx = lawyer.http.get(f"/api/wechat/contacts/{contact_id}/context").json()
    assert not ctx["window"]["open"] and "电话回访或短信" in ctx["window_closed_notice"]
    before = len(rows(server.engine, Utterance, contact_id=contact_id))
    r = lawyer.http.post(f"/api/contacts/{contact_id}/messages", json={"text": "您好？"})
    assert r.status_code == 409 and "48小时" in r.json()["detail"]
    assert len(rows(server.engine, Utterance, contact_id=contact_id)) == before

    # 7. the case and the audit log hold it all
    case = lawyer.http.get(f"/api/cases/{contact.case_id}").json()
    texts = [(u["speaker"], u["text"]) for u in case["transcript"]]
    assert ("citizen", said.text) in texts and ("lawyer", answer) in texts
    assert ("citizen", "你好，我在深圳一家电子厂上班，老板已经三个月没发工资了，我该怎么办？") in texts
    actions = [e.action for e in rows(server.engine, AuditEntry, contact_id=contact_id)]
    for action in ("contact.opened", "wechat.received", "utterance.stored", "routing.offer", "contact.answered",
                   "wechat.voice_recognised", "attachment.kept", "suggestion.shown", "wechat.reply_sent",
                   "wechat.reply_failed"):
        assert action in actions, (action, actions)
    assert actions.count("wechat.reply_sent") == 2
    opened = rows(server.engine, AuditEntry, contact_id=contact_id, action="contact.opened")[0]
    assert opened.data["channel"] == "wechat"
    sent = sorted(rows(server.engine, WechatMessage, direction="out"), key=lambda m: m.id)
    assert [m.status for m in sent] == ["sent", "sent", "failed"]
    lawyer.close()
