"""The WeChat webhook through the running app: URL verification, plain and safe mode, refusals
(bad signature, malformed XML, unencrypted on a safe account) that store nothing, a replayed
message stored once, the consent greeting, menu quick questions, and the account API (secrets
write-only, never in the log)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from hotline.audit.models import AuditEntry
from hotline.contacts.models import Contact, Utterance
from hotline.wechat.models import WechatAccount, WechatIdentity, WechatMessage
from hotline.wechat.service import CONSENT_GREETING, QUICK_QUESTIONS
from tests.voice.conftest import rows, wait_for
from tests.wechat.wechat_sim import AES_KEY, SECRET, TOKEN, decrypt, message_xml, sign


def test_url_verification(wechat) -> None:  # noqa: ANN001
    sim, server = wechat
    r = sim.verify_url(echostr="5893210474")
    assert r.status_code == 200 and r.text == "5893210474"
    r = sim.verify_url(signature="0" * 40)
    assert r.status_code == 403 and "签名" in r.json()["detail"]
    sim.account = "nosuch"
    assert sim.verify_url().status_code == 404


def test_text_stored_once_and_refusals_store_nothing(wechat) -> None:  # noqa: ANN001
    sim, server = wechat
    # bad signature: 403, nothing stored
    r = sim.text("o_citizen_1", "老板拖欠工资", msg_id=1001, signature="f" * 40)
    assert r.status_code == 403
    assert not rows(server.engine, WechatMessage) and not rows(server.engine, Contact)
    # malformed XML, correctly signed
    for body, field in [("<xml><ToUserName>gh</ToUserName><FromUser", "malformed"),
                        ("<root><a>1</a></root>", "<xml>"),
                        (message_xml("o_citizen_1", "text", msg_id=5).replace("<FromUserName><![CDATA[o_citizen_1]]>"
                                                                             "</FromUserName>", ""), "FromUserName"),
                        (message_xml("o_citizen_1", "text", create_time=1, msg_id=6).replace(
                            "<CreateTime>1</CreateTime>", "<CreateTime>yesterday</CreateTime>"), "CreateTime"),
                        ('<!DOCTYPE x [<!ENTITY a "b">]><xml><a>&a;</a></xml>', "DTD")]:
        r = sim.push(body)
        assert r.status_code == 400 and field in r.json()["detail"], (body, r.text)
    r = sim.push(message_xml("o_citizen_1", "text", msg_id=7))  # a text without Content
    assert r.status_code == 400 and "Content" in r.json()["detail"]
    assert not rows(server.engine, WechatMessage) and not rows(server.engine, Contact)

    # a good message, then WeChat's retry of it (same MsgId): stored once, both answered success
    for _ in range(2):
        r = sim.text("o_citizen_1", "老板拖欠我三个月工资，怎么办？", msg_id=1001)
        assert r.status_code == 200 and r.text == "success"
    [msg] = rows(server.engine, WechatMessage, direction="in")
    [contact] = rows(server.engine, Contact)
    assert contact.channel == "wechat" and contact.case_id and msg.contact_id == contact.id
    [utt] = rows(server.engine, Utterance, contact_id=contact.id)
    assert (utt.text, utt.speaker, utt.source) == ("老板拖欠我三个月工资，怎么办？", "citizen", "wechat")
    assert msg.utterance_id == utt.id and msg.dedup_key == "1001"
    assert len([e for e in rows(server.engine, AuditEntry, action="wechat.received")]) == 1
    # a second message joins the same running contact; a number given links the phone
    assert sim.text("o_citizen_1", "我的电话是13812345678", msg_id=1002).text == "success"
    assert len(rows(server.engine, Contact)) == 1
    [identity] = rows(server.engine, WechatIdentity)
    from hotline.contacts.models import Citizen
    assert rows(server.engine, Citizen, id=identity.citizen_id)[0].phone == "13812345678"


def test_events_greeting_quick_question_and_replayed_event(wechat) -> None:  # noqa: ANN001
    sim, server = wechat
    r = sim.event("o_new", "subscribe", create_time=1760000000)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    reply = ET.fromstring(r.text)
    assert reply.findtext("MsgType") == "text" and reply.findtext("ToUserName") == "o_new"
    assert reply.findtext("Content") == CONSENT_GREETING and "人工智能" in CONSENT_GREETING
    # the same event delivered again (FromUserName + CreateTime): stored once, plain success
    r = sim.event("o_new", "subscribe", create_time=1760000000)
    assert r.status_code == 200 and r.text == "success"
    assert len(rows(server.engine, WechatMessage, event="subscribe")) == 1
    assert not rows(server.engine, Contact)  # following alone opens no consultation
    # a menu button: its quick question is the citizen's first message
    r = sim.event("o_new", "CLICK", key="Q_WAGES", create_time=1760000100)
    assert r.text == "success"
    [contact] = rows(server.engine, Contact)
    [utt] = rows(server.engine, Utterance, contact_id=contact.id)
    assert utt.text == QUICK_QUESTIONS["Q_WAGES"]
    # an unknown menu key is stored, nothing else
    assert sim.event("o_new", "CLICK", key="NOPE", create_time=1760000200).text == "success"
    assert len(rows(server.engine, Utterance)) == 1


def test_safe_mode(wechat_safe) -> None:  # noqa: ANN001
    sim, server = wechat_safe
    # unencrypted on a safe-mode account: refused
    r = sim.text("o_safe", "你好", msg_id=2001)
    assert r.status_code == 400 and "encrypt_type" in r.json()["detail"]
    # encrypted with a wrong msg_signature: refused
    r = sim.text("o_safe", "你好", msg_id=2001, safe=True, signature="0" * 40)
    assert r.status_code == 403
    # ciphertext under another key: the signature holds (token) but it cannot be decrypted to our app id
    other = type(sim)(app_url=sim.app_url, aes_key="Z" * 43)
    r = other.text("o_safe", "你好", msg_id=2001, safe=True)
    assert r.status_code in (400, 403)
    assert not rows(server.engine, WechatMessage)
    # a good encrypted message
    r = sim.text("o_safe", "离婚后孩子抚养权怎么判？", msg_id=2001, safe=True)
    assert r.status_code == 200 and r.text == "success"
    [utt] = rows(server.engine, Utterance)
    assert utt.text == "离婚后孩子抚养权怎么判？"
    # the greeting comes back encrypted and signed
    r = sim.event("o_safe2", "subscribe", safe=True)
    envelope = ET.fromstring(r.text)
    encrypted = envelope.findtext("Encrypt")
    assert envelope.findtext("MsgSignature") == sign(TOKEN, envelope.findtext("TimeStamp"), envelope.findtext("Nonce"),
                                                     encrypted)
    inner, app_id = decrypt(encrypted)
    assert app_id == sim.app_id and ET.fromstring(inner).findtext("Content") == CONSENT_GREETING


def test_account_api_secrets_write_only(wechat) -> None:  # noqa: ANN001
    sim, server = wechat
    admin = server.admin
    [account] = admin.get("/api/wechat/accounts").json()
    assert account["secret_set"] and account["token_set"] and account["aes_key_set"]
    listing = admin.get("/api/wechat/accounts").text
    for secret in (SECRET, TOKEN, AES_KEY):
        assert secret not in listing
    # strict validation, naming the field; nothing changed
    for bad, field in [({"active": "yes"}, "active"), ({"aes_key": "short"}, "aes_key"),
                       ({"encrypt_mode": "open"}, "encrypt_mode"), ({"app_id": 12}, "app_id")]:
        r = admin.put(f"/api/wechat/accounts/{sim.account}", json={"name": sim.account, "app_id": sim.app_id, **bad})
        assert r.status_code == 422 and field in r.text, (bad, r.text)
    r = admin.post("/api/wechat/accounts", json={"name": "second", "app_id": "wx2"})
    assert r.status_code == 422 and "secret" in r.text
    # update without secrets keeps them; the old token still verifies
    r = admin.put(f"/api/wechat/accounts/{sim.account}", json={"name": sim.account, "app_id": sim.app_id,
                                                              "title": "掌上12348（改名）"})
    assert r.status_code == 200 and r.json()["title"] == "掌上12348（改名）"
    assert sim.verify_url(echostr="ok").text == "ok"
    [row] = rows(server.engine, WechatAccount)
    assert row.secret == SECRET and row.token == TOKEN
    # the audit log names the fields changed, never a secret's value
    entries = rows(server.engine, AuditEntry, entity="wechat_account")
    assert [e.data["changed"] for e in entries][-1] == ["title"]
    assert not any(s in str(e.data) for e in entries for s in (SECRET, TOKEN, AES_KEY))
    # lawyers may not see or change accounts
    from tests.voice.conftest import add_user
    add_user(server.engine, "lw", "lawyer")
    assert server.login("lw", "voice-password").get("/api/wechat/accounts").status_code == 403
    # traffic so far (token verification, messages) left no secret in the server's log
    sim.text("o_log", "测试", msg_id=9)
    wait_for(lambda: rows(server.engine, Utterance))
    log = server.log()
    assert not any(s in log for s in (SECRET, TOKEN, AES_KEY))
