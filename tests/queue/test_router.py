"""The router through the running app: real chats, real lawyers' sockets and HTTP calls."""
from __future__ import annotations

import time

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit.models import AuditEntry
from tests.core.chat_client import ChatClient
from tests.queue.conftest import StaffClient, add_lawyer, local_hms


def actions(server, prefix: str = "routing.") -> list[str]:  # noqa: ANN001
    with Session(server.engine) as session:
        return list(session.execute(select(AuditEntry.action).where(AuditEntry.action.startswith(prefix))
                                    .order_by(AuditEntry.seq)).scalars())


def lawyers_a_then_b(server, skill: str, **options) -> tuple[StaffClient, StaffClient]:  # noqa: ANN001, ANN003
    """Lawyers "a" and "b" holding `skill`, both available, "a" idle longer (available first)."""
    add_lawyer(server.engine, "a", [skill], **options)
    add_lawyer(server.engine, "b", [skill], **options)
    a, b = StaffClient(server, "a"), StaffClient(server, "b")
    a.available()
    time.sleep(0.2)
    b.available()
    return a, b


def test_longest_idle_capacity_wrapup_and_fifo(server):  # noqa: ANN001
    a, b = lawyers_a_then_b(server, "labour", chat_capacity=1)  # a has been idle longer

    c1 = ChatClient(server.ws_url)
    c1.say("老板拖欠工资三个月")
    offer = a.expect("offer")
    assert offer["contact_id"] == c1.session["contact_id"] and offer["category"] == "labour"
    a.accept(offer)
    assert c1.expect("utterance")["speaker"] == "system"  # 值班律师…已接入

    c2 = ChatClient(server.ws_url)
    c2.say("公司不给加班费")
    offer2 = b.expect("offer")  # a is at capacity (1 chat)
    assert offer2["contact_id"] == c2.session["contact_id"]
    b.accept(offer2)

    c3, c4 = ChatClient(server.ws_url), ChatClient(server.ws_url)
    c3.say("单位辞退我不给补偿")
    time.sleep(0.1)
    c4.say("工资被克扣了")
    assert a.no_offer(1.5) and b.no_offer(0.5)  # everyone at capacity: both wait

    # a ends the chat: wrap-up; no new contact before a disposition
    r = a.http.post(f"/api/contacts/{c1.session['contact_id']}/end", json={})
    assert r.status_code == 200
    a.expect("wrapup")
    assert a.http.post("/api/routing/presence", json={"state": "available"}).status_code == 409
    assert a.no_offer(1.0)
    assert a.http.post("/api/routing/wrapup", json={"disposition": "已解答"}).status_code == 200
    freed = a.expect("offer")
    assert freed["contact_id"] == c3.session["contact_id"]  # the oldest waiting contact first (FIFO)
    log = actions(server)
    assert log.count("routing.offer") == 3 and "routing.wrapup" in log and "routing.wrapup_started" in log


def test_no_answer_penalty_and_reoffer(server):  # noqa: ANN001
    a, b = lawyers_a_then_b(server, "family")
    chat = ChatClient(server.ws_url)
    chat.say("我想离婚，孩子抚养权怎么争取")
    first = a.expect("offer")
    a.expect("offer_timeout", timeout=6)  # a does not answer within 2 s
    second = b.expect("offer")
    assert second["contact_id"] == first["contact_id"]
    r = b.http.post(f"/api/routing/offers/{second['offer_id']}/reject")
    assert r.status_code == 200
    # both penalised for 4 s: the contact waits, then goes back to the longest idle (a)
    third = a.expect("offer", timeout=10)
    assert third["contact_id"] == first["contact_id"]
    a.accept(third)
    assert a.http.post(f"/api/routing/offers/{second['offer_id']}/accept").status_code in (404, 409)
    log = actions(server)
    assert log.count("routing.penalty") == 2 and "routing.timeout" in log and "routing.reject" in log


def test_overflow_to_general_pool(server):  # noqa: ANN001
    add_lawyer(server.engine, "fam", ["family"])
    fam = StaffClient(server, "fam")
    fam.available()
    chat = ChatClient(server.ws_url)
    chat.say("老板拖欠工资不给")  # labour: nobody with that skill
    assert fam.no_offer(1.5)
    offer = fam.expect("offer", timeout=6)  # after overflow_after_s=3
    assert offer["contact_id"] == chat.session["contact_id"]
    assert "routing.overflow" in actions(server)


def test_dialect_goes_to_a_lawyer_who_speaks_it_then_overflows(server):  # noqa: ANN001
    add_lawyer(server.engine, "putong", ["labour"])
    add_lawyer(server.engine, "yue", ["labour"], languages=("普通话", "粤语"))
    putong, yue = StaffClient(server, "putong"), StaffClient(server, "yue")
    putong.available()
    time.sleep(0.2)
    yue.available()  # putong has been idle longer, but does not speak 粤语

    cantonese = ChatClient(server.ws_url, language="粤语")
    cantonese.say("老细拖欠我三个月人工")
    offer = yue.expect("offer")
    assert offer["contact_id"] == cantonese.session["contact_id"]
    yue.accept(offer)
    assert putong.no_offer(0.5)

    mandarin = ChatClient(server.ws_url)
    mandarin.say("公司拖欠工资")
    offer = putong.expect("offer")
    assert offer["contact_id"] == mandarin.session["contact_id"]
    putong.accept(offer)

    # with the only 粤语 speaker at capacity 1 … a second 粤语 chat waits, then overflows to anyone
    with Session(server.engine) as session:
        from hotline.roster.models import LawyerProfile

        profile = session.get(LawyerProfile, yue.user_id)
        profile.chat_capacity = 1
        session.add(profile)
        session.commit()
    second = ChatClient(server.ws_url, language="粤语")
    second.say("我想问下离职补偿点计")
    assert putong.no_offer(2.0)  # not before the overflow
    offer = putong.expect("offer", timeout=8)  # after overflow_after_s=3
    assert offer["contact_id"] == second.session["contact_id"]
    assert "routing.overflow" in actions(server)


def test_shift_end_hands_waiting_work_to_whoever_is_on_duty(tmp_path, database_url):  # noqa: ANN001
    from datetime import datetime

    from hotline.auth.service import get_user_by_username
    from hotline.database import get_engine, session_scope, upgrade
    from hotline.roster.models import RosterException
    from tests.conftest import LiveServer, make_settings
    from tests.queue.conftest import TZ

    settings = make_settings(tmp_path, database_url, offer_timeout_s=60)  # the offer outlives the shift
    upgrade(settings)
    server = LiveServer(settings).start()
    server.engine = get_engine(settings)
    try:
        add_lawyer(server.engine, "ending", ["traffic"], shift=("00:00", local_hms(4)))
        add_lawyer(server.engine, "next", ["traffic"], shift=None)
        leaving = StaffClient(server, "ending")
        leaving.available()
        chat = ChatClient(server.ws_url)
        chat.say("出了交通事故对方不赔")
        offer = leaving.expect("offer")
        with session_scope(server.engine) as session:  # the next lawyer comes on duty now
            nxt = get_user_by_username(session, "next")
            session.add(RosterException(user_id=nxt.id, day=datetime.now(TZ).date(), kind="extra",
                                        start="00:00", end="00:00"))
        successor = StaffClient(server, "next")
        successor.available()
        assert successor.no_offer(1.0)  # the offer is still with the lawyer on shift
        leaving.expect("offer_cancelled", timeout=8, reason="shift_end")
        got = successor.expect("offer", timeout=5)
        assert got["contact_id"] == offer["contact_id"]
        assert "routing.handover" in actions(server)
    finally:
        server.stop()


def test_nobody_on_duty_leads_to_callback(server):  # noqa: ANN001
    add_lawyer(server.engine, "offduty", ["labour"], shift=None)  # no shift: not on duty
    chat = ChatClient(server.ws_url)
    chat.say("我被公司拖欠工资了")
    notice = chat.expect("utterance")
    assert notice["speaker"] == "system" and "没有值班律师" in notice["text"]
    manager = server.login("admin", "hotline-admin-12348") if False else None  # noqa: F841
    lawyer = StaffClient(server, "offduty")
    callbacks = lawyer.http.get("/api/routing/callbacks").json()
    assert [c["contact_id"] for c in callbacks] == [chat.session["contact_id"]]
    assert "我被公司拖欠工资了" in callbacks[0]["transcript"]
    state = lawyer.http.get("/api/routing/state").json()
    assert state["callbacks_open"] == 1 and state["waiting_total"] == 1  # it keeps its place
    assert "routing.callback" in actions(server)


def test_real_time_state_feed(server):  # noqa: ANN001
    add_lawyer(server.engine, "watcher", ["family"])
    watcher = StaffClient(server, "watcher")
    r = watcher.http.post("/api/routing/presence", json={"state": "break"})
    assert r.status_code == 200
    chat = ChatClient(server.ws_url)
    chat.say("公司拖欠我工资两个月")
    sent = time.monotonic()
    while True:  # the feed pushes the queue wall's state at least once a second
        frame = watcher.expect("state", timeout=3)
        labour = [q for q in frame["queues"] if q["skill"] == "labour"]
        if labour and labour[0]["waiting"] == 1:
            break
        assert time.monotonic() - sent < 5, "the waiting contact never showed on the feed"
    assert frame["waiting_total"] == 1 and frame["lawyers_by_state"] == {"break": 1}
    later = watcher.expect("state", timeout=3)
    assert later["longest_wait_s"] >= frame["longest_wait_s"]  # the wall's clock moves
    api = watcher.http.get("/api/routing/state").json()
    assert api["waiting_total"] == 1 and api["queues"][0]["skill"] == "labour"


def test_chat_only_lawyer_takes_chats(server):  # noqa: ANN001
    add_lawyer(server.engine, "chatonly", ["labour"], call_capacity=0)  # the API allows 0: chats only
    lawyer = StaffClient(server, "chatonly")
    lawyer.available()
    chat = ChatClient(server.ws_url)
    chat.say("老板拖欠工资三个月")
    offer = lawyer.expect("offer")
    assert offer["contact_id"] == chat.session["contact_id"] and offer["channel"] == "chat"
    lawyer.accept(offer)


def test_break_withdraws_pending_offers_and_accept_is_refused(server):  # noqa: ANN001
    a, b = lawyers_a_then_b(server, "labour")
    chat = ChatClient(server.ws_url)
    chat.say("公司拖欠工资")
    offer = a.expect("offer")
    a.presence("break")
    cancelled = a.expect("offer_cancelled")
    assert cancelled["offer_id"] == offer["offer_id"] and cancelled["reason"] == "break"
    again = b.expect("offer", timeout=1.5)  # re-offered at once, not after the 2 s timeout
    assert again["contact_id"] == offer["contact_id"]
    r = a.http.post(f"/api/routing/offers/{offer['offer_id']}/accept")
    assert r.status_code == 409 and "取消" in r.json()["detail"]
    b.accept(again)
    log = actions(server)
    assert "routing.offer_withdrawn" in log
    assert "routing.penalty" not in log and "routing.timeout" not in log  # withdrawing is no fault


def test_transfer_target_must_be_on_duty_present_and_have_room(server):  # noqa: ANN001
    from sqlalchemy import select as select_

    from hotline.contacts.models import Contact

    add_lawyer(server.engine, "full", ["labour"], chat_capacity=1)
    add_lawyer(server.engine, "src", ["labour"])
    add_lawyer(server.engine, "offduty", ["labour"], shift=None)
    add_lawyer(server.engine, "away", ["labour"])
    add_lawyer(server.engine, "dest", ["labour"])
    full = StaffClient(server, "full")
    full.available()
    c0 = ChatClient(server.ws_url)
    c0.say("公司拖欠工资")
    full.accept(full.expect("offer"))  # "full" is now at capacity (1 chat)
    src = StaffClient(server, "src")
    src.available()
    chat = ChatClient(server.ws_url)
    chat.say("单位辞退我不给补偿")
    offer = src.expect("offer")
    src.accept(offer)
    contact_id = offer["contact_id"]
    away, dest = StaffClient(server, "away"), StaffClient(server, "dest")
    away.presence("break")

    def transfer(to: int):  # noqa: ANN202
        return src.http.post(f"/api/routing/contacts/{contact_id}/transfer", json={"to_user_id": to, "reason": "专业对口"})

    with Session(server.engine) as session:
        from hotline.auth.service import get_user_by_username

        ids = {name: get_user_by_username(session, name).id for name in ("full", "offduty", "away", "dest")}
    r = transfer(ids["offduty"])
    assert r.status_code == 409 and r.json()["detail"] == "接收律师不在班"
    r = transfer(ids["away"])
    assert r.status_code == 409 and "接收律师当前不可接待" in r.json()["detail"]
    r = transfer(ids["dest"])  # on duty but offline (never set available)
    assert r.status_code == 409 and "接收律师当前不可接待" in r.json()["detail"]
    r = transfer(ids["full"])
    assert r.status_code == 409 and r.json()["detail"] == "接收律师已满负荷"
    dest.available()
    r = transfer(ids["dest"])
    assert r.status_code == 200, r.text
    assigned = dest.expect("assigned", contact_id=contact_id)
    assert assigned["transferred_from"] == src.user_id
    with Session(server.engine) as session:
        assert session.execute(select_(Contact.lawyer_id).where(Contact.id == contact_id)).scalar() == dest.user_id
    assert actions(server).count("routing.transfer") == 1


def test_two_chats_ending_each_get_their_disposition(server):  # noqa: ANN001
    from hotline.contacts.models import Contact

    add_lawyer(server.engine, "duo", ["labour"], chat_capacity=2)
    duo = StaffClient(server, "duo")
    duo.available()
    c1 = ChatClient(server.ws_url)
    c1.say("老板拖欠工资三个月")
    duo.accept(duo.expect("offer", contact_id=c1.session["contact_id"]))
    c2 = ChatClient(server.ws_url)
    c2.say("公司不给加班费")
    duo.accept(duo.expect("offer", contact_id=c2.session["contact_id"]))
    id1, id2 = c1.session["contact_id"], c2.session["contact_id"]

    assert duo.http.post(f"/api/contacts/{id1}/end", json={}).status_code == 200
    duo.expect("wrapup", contact_id=id1)
    c2.send({"type": "end"})  # the second citizen leaves while the first is still being wrapped up
    c2.expect("ended")
    duo.expect("wrapup", contact_id=id1)  # still the first one: it has no disposition yet
    r = duo.http.post("/api/routing/wrapup", json={"disposition": "已解答"})
    assert r.status_code == 200 and r.json()["state"] == "wrapup"
    duo.expect("wrapup", contact_id=id2)  # then the second one
    assert duo.http.post("/api/routing/presence", json={"state": "available"}).status_code == 409
    rows = {row["id"]: row for row in duo.http.get("/api/console/contacts").json()}
    assert rows[id2]["wrapup"] is True
    r = duo.http.post("/api/routing/wrapup", json={"disposition": "建议申请劳动仲裁"})
    assert r.status_code == 200 and r.json()["state"] == "available"
    with Session(server.engine) as session:
        assert session.get(Contact, id1).disposition == "已解答"
        assert session.get(Contact, id2).disposition == "建议申请劳动仲裁"
        entries = session.execute(select(AuditEntry.contact_id).where(AuditEntry.action == "routing.wrapup")
                                  .order_by(AuditEntry.seq)).scalars().all()
    assert entries == [id1, id2]
    assert duo.http.post("/api/routing/wrapup", json={"disposition": "已解答"}).status_code == 409


def test_pending_offer_survives_reconnect_and_restart(tmp_path, database_url):  # noqa: ANN001
    from hotline.database import get_engine, upgrade
    from tests.conftest import LiveServer, make_settings

    settings = make_settings(tmp_path, database_url, offer_timeout_s=60)
    upgrade(settings)
    server = LiveServer(settings).start()
    server.engine = get_engine(settings)
    try:
        add_lawyer(server.engine, "a", ["family"])
        a = StaffClient(server, "a")
        a.available()
        chat = ChatClient(server.ws_url)
        chat.say("我想离婚，孩子抚养权怎么争取")
        offer = a.expect("offer")
        a.close()
        again = StaffClient(server, "a")  # a reload of the console: the offer comes right after hello
        shown = again.expect("offer", timeout=3)
        assert {k: shown[k] for k in offer} == offer
        again.close()
        server.stop()
        server.start()  # a restart: the offer lives in the database
        after = StaffClient(server, "a")
        shown = after.expect("offer", timeout=3)
        assert shown["offer_id"] == offer["offer_id"] and shown["contact_id"] == offer["contact_id"]
        after.accept(shown)
    finally:
        server.stop()
