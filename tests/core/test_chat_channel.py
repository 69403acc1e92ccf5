"""The citizen chat channel over a real WebSocket to a running server, on SQLite and PostgreSQL."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlmodel import Session

from hotline.contacts.models import Utterance
from hotline.database import get_engine
from tests.core.chat_client import ChatClient


def stored_texts(settings, contact_id: int) -> list[str]:  # noqa: ANN001
    with Session(get_engine(settings)) as session:
        return list(session.execute(select(Utterance.text).where(
            Utterance.contact_id == contact_id, Utterance.speaker == "citizen").order_by(Utterance.id)).scalars())


def test_message_is_stored_before_ack_and_session_resumes(live_server, settings):  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    session = chat.session
    assert session["case_reference"].startswith("12348-")
    ack = chat.say("老板拖欠我三个月工资，怎么办？")
    # acknowledged means committed: another connection to the database sees it now
    assert stored_texts(settings, session["contact_id"]) == ["老板拖欠我三个月工资，怎么办？"]
    assert ack["id"] > 0
    chat.close()

    resumed = ChatClient(live_server.ws_url, resume_token=session["resume_token"])
    assert resumed.session["contact_id"] == session["contact_id"]
    assert resumed.session["resumed"] is True
    assert [u["text"] for u in resumed.session["history"] if u["speaker"] == "citizen"] == ["老板拖欠我三个月工资，怎么办？"]
    resumed.close()


def test_resending_a_message_does_not_duplicate_it(live_server, settings):  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    first = chat.say("我想咨询离婚", client_id="fixed-1")
    again = chat.say("我想咨询离婚", client_id="fixed-1")
    assert again["id"] == first["id"] and again["duplicate"] is True
    assert stored_texts(settings, chat.session["contact_id"]) == ["我想咨询离婚"]


def test_bad_frames_get_error_frames_and_connection_stays_usable(live_server, settings):  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    limit = settings.chat_max_chars

    chat.send({"type": "message", "client_id": "big", "text": "字" * (limit + 1)})
    err = chat.recv()
    assert err["type"] == "error" and err["code"] == "too_large" and err["client_id"] == "big"

    chat.ws.send("x" * (settings.chat_max_frame_bytes + 10))  # oversized frame
    assert chat.recv()["code"] == "too_large"

    chat.ws.send(b"\xff\xfe\x00garbage")  # binary frame, not UTF-8
    assert chat.recv()["code"] == "bad_encoding"

    chat.ws.send("{not json")
    assert chat.recv()["code"] == "bad_json"

    chat.ws.send(json.dumps([1, 2, 3]))
    assert chat.recv()["code"] == "bad_json"

    chat.send({"type": "teleport"})
    assert chat.recv()["code"] == "unknown_type"

    chat.send({"type": "message", "client_id": "e", "text": "   "})
    assert chat.recv()["code"] == "empty"

    # still usable, and nothing bad was stored
    chat.say("邻居装修噪音很大")
    assert stored_texts(settings, chat.session["contact_id"]) == ["邻居装修噪音很大"]


def test_message_before_hello_is_refused(live_server):  # noqa: ANN001
    from websockets.sync.client import connect

    with connect(f"{live_server.ws_url}/ws/chat") as ws:
        ws.send(json.dumps({"type": "message", "text": "hi"}))
        frame = json.loads(ws.recv(timeout=10))
        assert frame["code"] == "no_session"


def test_lawyer_reply_reaches_citizen_and_rating_after_end(live_server, settings, staff_users):  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    chat.say("交通事故对方全责不赔钱怎么办")
    contact_id = chat.session["contact_id"]
    from tests.core.test_cases import _answer

    _answer(settings, contact_id, staff_users["lawyer"][0])  # routing itself is tested in tests/routing
    lawyer_client = live_server.login(*staff_users["lawyer"])
    r = lawyer_client.post(f"/api/contacts/{contact_id}/messages", json={"text": "您好，请先报警并保留证据。"})
    assert r.status_code == 200, r.text
    frame = chat.expect("utterance")
    while frame["speaker"] != "lawyer":  # the routing notice (nobody on duty) may come first
        frame = chat.expect("utterance")
    assert frame["text"] == "您好，请先报警并保留证据。"

    chat.send({"type": "end"})
    chat.expect("ended")
    chat.send({"type": "rate", "score": 5, "comment": "很耐心"})
    assert chat.expect("rated")["score"] == 5
    chat.send({"type": "rate", "score": 4})
    assert chat.expect("error")["code"] == "invalid"  # only one rating per contact
    chat.send({"type": "message", "text": "还在吗"})
    assert chat.expect("error")["code"] == "ended"

    cases = lawyer_client.get("/api/cases").json()  # 首问负责: the answering lawyer owns the case
    assert [c["reference"] for c in cases] == [chat.session["case_reference"]]
    assert cases[0]["status"] == "in_progress"
