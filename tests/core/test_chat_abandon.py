"""Chats whose citizen closed the page end after a grace period (docs/chat-protocol.md "Presence"):
real server, real WebSockets, on SQLite and PostgreSQL. Grace periods are shortened to 2 s
(not yet answered) and 4 s (answered)."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from admin import analytics
from hotline.audit.models import AuditEntry
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, Utterance
from hotline.database import get_engine, session_scope
from hotline.timeutil import as_utc, utcnow
from tests.conftest import make_settings
from tests.core.chat_client import ChatClient
from tests.queue.conftest import StaffClient, add_lawyer

ABANDON_S, IDLE_S = 2, 4
SLACK_S = 15  # the sweep runs every second; the rest is room for a busy shared machine


@pytest.fixture
def settings(tmp_path, database_url):  # noqa: ANN001, ANN201
    return make_settings(tmp_path, database_url, chat_abandon_after_s=ABANDON_S, chat_idle_end_after_s=IDLE_S,
                         offer_timeout_s=60)


def wait_for(check: Callable[[], Any], timeout: float = 15, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


def expect(staff: StaffClient, kind: str, timeout: float, server, **match: object) -> dict:  # noqa: ANN001
    """The staff socket's next `kind` frame; on a timeout, fail with what the log says."""
    try:
        return staff.expect(kind, timeout=timeout, **match)
    except TimeoutError:
        contact_id = match.get("contact_id")
        log = [(e.action, e.actor, e.data) for e in entries(server.settings, contact_id)] if contact_id else []
        pytest.fail(f"no {kind} {match} within {timeout} s; audit: {log}\nserver log:\n{server.log()[-3000:]}")


def contact_row(settings, contact_id: int) -> Contact:  # noqa: ANN001
    with Session(get_engine(settings)) as session:
        return session.get(Contact, contact_id)


def ended(settings, contact_id: int) -> Contact | None:  # noqa: ANN001
    row = contact_row(settings, contact_id)
    return row if row.status == "ended" else None


def entries(settings, contact_id: int) -> list[AuditEntry]:  # noqa: ANN001
    with Session(get_engine(settings)) as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.contact_id == contact_id)
                                    .order_by(AuditEntry.seq)).scalars())


def texts(settings, contact_id: int, speaker: str) -> list[str]:  # noqa: ANN001
    with Session(get_engine(settings)) as session:
        return list(session.execute(select(Utterance.text).where(
            Utterance.contact_id == contact_id, Utterance.speaker == speaker).order_by(Utterance.id)).scalars())


def wait_queued(settings, contact_id: int) -> None:  # noqa: ANN001
    wait_for(lambda: contact_row(settings, contact_id).status != "open", timeout=10)


def assert_abandoned(settings, contact_id: int, max_wait_s: float = ABANDON_S) -> None:  # noqa: ANN001
    row = contact_row(settings, contact_id)
    assert (row.status, row.outcome) == ("ended", "abandoned")
    # the routing hook runs in its own transaction after the one that ended the contact
    wait_for(lambda: "routing.abandoned" in [e.action for e in entries(settings, contact_id)], timeout=SLACK_S)
    log = entries(settings, contact_id)
    actions = [e.action for e in log]
    assert actions.count("routing.abandoned") == 1  # the routing contact-end hook ran, once
    end = next(e for e in log if e.action == "contact.ended")
    assert end.actor == "system" and end.data["outcome"] == "abandoned" and end.data["reason"] == "citizen_gone"
    assert end.data["away_s"] >= ABANDON_S
    # dated by the event (when the citizen left), entered when the sweep noticed
    left = as_utc(datetime.fromisoformat(end.data["citizen_left_at"]))
    abandoned = next(e for e in log if e.action == "routing.abandoned")
    assert as_utc(row.ended_at) == as_utc(end.occurred_at) == as_utc(abandoned.occurred_at) == left
    assert as_utc(end.recorded_at) >= left + timedelta(seconds=ABANDON_S)
    assert texts(settings, contact_id, "system")[-1] == contacts.CITIZEN_LEFT_NOTICE
    # the dashboard counts it as abandoned; its wait runs to when the citizen left (a fraction of a
    # second here, which the default short-abandon rule of 5 s would leave out), not to the sweep
    facts = analytics.fold(log)[contact_id]
    assert facts.abandoned and not facts.answered and facts.outcome == "abandoned"
    assert facts.abandon_wait_s < max_wait_s
    figures = analytics.service_levels([facts], analytics.Thresholds(short_abandon_s=0))
    assert (figures["offered"], figures["abandoned"], figures["waiting"]) == (1, 1, 0)


def test_queued_chat_whose_citizen_left_is_abandoned_after_the_grace(live_server, settings):  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    chat.say("老板拖欠我三个月工资，怎么办？")
    contact_id = chat.session["contact_id"]
    wait_queued(settings, contact_id)  # nobody is on duty: it waits in the queue
    assert contact_row(settings, contact_id).citizen_left_at is None
    chat.close()
    closed = time.monotonic()
    assert wait_for(lambda: contact_row(settings, contact_id).citizen_left_at, timeout=5)
    time.sleep(ABANDON_S - 0.7)
    assert contact_row(settings, contact_id).status == "queued"  # not before the grace
    wait_for(lambda: ended(settings, contact_id), timeout=ABANDON_S + SLACK_S)
    assert time.monotonic() - closed >= ABANDON_S
    assert_abandoned(settings, contact_id)

    # coming back later opens a new contact in the same case (the old one is over)
    again = ChatClient(live_server.ws_url, resume_token=chat.session["resume_token"],
                       chat_token=chat.session["chat_token"])
    assert again.session["resumed"] is False and again.session["contact_id"] != contact_id
    assert again.session["case_reference"] == chat.session["case_reference"]
    again.close()


def test_pending_offer_is_cancelled_when_the_citizen_does_not_come_back(live_server, settings):  # noqa: ANN001
    engine = get_engine(settings)
    add_lawyer(engine, "lawyer_a", ["labour"])
    lawyer = StaffClient(live_server, "lawyer_a")
    lawyer.available()
    chat = ChatClient(live_server.ws_url)
    chat.say("公司拖欠工资不给加班费")
    contact_id = chat.session["contact_id"]
    offer = lawyer.expect("offer", contact_id=contact_id)  # offer_timeout_s = 60: it stays pending
    chat.close()
    cancelled = expect(lawyer, "offer_cancelled", ABANDON_S + SLACK_S, live_server, contact_id=contact_id)
    assert cancelled["offer_id"] == offer["offer_id"]
    wait_for(lambda: ended(settings, contact_id), timeout=SLACK_S)
    assert_abandoned(settings, contact_id)
    r = lawyer.http.post(f"/api/routing/offers/{offer['offer_id']}/accept")
    assert r.status_code == 409
    lawyer.close()


def test_reconnecting_within_the_grace_keeps_the_chat(live_server, settings):  # noqa: ANN001
    chat = ChatClient(live_server.ws_url)
    chat.say("邻居装修噪音很大", client_id="m1")
    contact_id, token = chat.session["contact_id"], chat.session["resume_token"]
    wait_queued(settings, contact_id)
    for _ in range(2):  # twice: each reconnect restarts the grace
        chat.close()
        wait_for(lambda: contact_row(settings, contact_id).citizen_left_at, timeout=5)
        time.sleep(ABANDON_S / 4)
        chat = ChatClient(live_server.ws_url, resume_token=token)
        assert chat.session["resumed"] is True and chat.session["contact_id"] == contact_id
        assert contact_row(settings, contact_id).citizen_left_at is None
    assert [u["text"] for u in chat.session["history"] if u["speaker"] == "citizen"] == ["邻居装修噪音很大"]
    chat.say("物业也不管", client_id="m2")
    time.sleep(ABANDON_S + 2)  # connected: however long the wait, the chat goes on
    row = contact_row(settings, contact_id)
    assert row.status == "queued" and row.citizen_left_at is None
    assert texts(settings, contact_id, "citizen") == ["邻居装修噪音很大", "物业也不管"]
    assert contacts.CITIZEN_LEFT_NOTICE not in texts(settings, contact_id, "system")
    assert "routing.abandoned" not in [e.action for e in entries(settings, contact_id)]

    # two tabs on the same chat: closing one does not mark the citizen as gone
    second = ChatClient(live_server.ws_url, resume_token=token)
    second.close()
    time.sleep(ABANDON_S + 1.5)
    row = contact_row(settings, contact_id)
    assert row.status == "queued" and row.citizen_left_at is None
    chat.say("还在排队吗")
    chat.close()


def test_answered_chat_ends_after_the_idle_grace_with_a_notice(live_server, settings):  # noqa: ANN001
    add_lawyer(get_engine(settings), "lawyer_b", ["traffic", "labour"])
    lawyer = StaffClient(live_server, "lawyer_b")
    lawyer.available()
    chat = ChatClient(live_server.ws_url)
    chat.say("交通事故对方全责不赔钱怎么办")
    contact_id = chat.session["contact_id"]
    lawyer.accept(lawyer.expect("offer", contact_id=contact_id))
    lawyer.ws.send('{"type": "watch", "contact_id": %d}' % contact_id)
    lawyer.expect("watching")
    r = lawyer.http.post(f"/api/contacts/{contact_id}/messages", json={"text": "您好，请先报警并保留证据。"})
    assert r.status_code == 200, r.text

    chat.close()
    closed = time.monotonic()
    wait_for(lambda: contact_row(settings, contact_id).citizen_left_at, timeout=5)
    time.sleep(ABANDON_S + 1)  # past the short grace: an answered chat waits longer
    assert contact_row(settings, contact_id).status == "active"
    notice = expect(lawyer, "utterance", IDLE_S + SLACK_S, live_server, contact_id=contact_id, speaker="system")
    assert "市民已离开会话" in notice["text"]
    lawyer.expect("wrapup", contact_id=contact_id)  # the routing hook runs before the status event
    lawyer.expect("status", contact_id=contact_id, status="ended")
    assert time.monotonic() - closed >= IDLE_S
    row = contact_row(settings, contact_id)
    assert (row.status, row.outcome) == ("ended", "citizen_left")
    log = entries(settings, contact_id)
    actions = [e.action for e in log]
    assert "routing.wrapup_started" in actions and "routing.abandoned" not in actions  # wrap-up as for an end
    facts = analytics.fold(log)[contact_id]
    assert facts.answered and not facts.abandoned and facts.talk_s is not None
    lawyer.close()


def test_restart_ends_chats_whose_citizen_does_not_come_back(live_server, settings):  # noqa: ANN001
    gone, back = ChatClient(live_server.ws_url), ChatClient(live_server.ws_url)
    asked = time.monotonic()
    gone.say("我想咨询离婚财产分割")
    back.say("工伤认定怎么申请", client_id="b1")
    gone_id, back_id = gone.session["contact_id"], back.session["contact_id"]
    wait_queued(settings, gone_id)
    wait_queued(settings, back_id)
    live_server.kill()  # SIGKILL: no socket cleanup runs, nothing is marked as left
    assert contact_row(settings, gone_id).citizen_left_at is None
    assert contact_row(settings, back_id).citizen_left_at is None

    live_server.start()
    started = time.monotonic()
    assert contact_row(settings, gone_id).citizen_left_at is not None  # marked at start-up
    back = ChatClient(live_server.ws_url, resume_token=back.session["resume_token"])
    assert back.session["resumed"] is True and back.session["contact_id"] == back_id
    assert contact_row(settings, back_id).citizen_left_at is None

    wait_for(lambda: ended(settings, gone_id), timeout=ABANDON_S + SLACK_S)
    # nobody knows when a citizen left while the server was down: start-up dates it, so the wait
    # runs to the restart, not to the sweep that ends the chat
    assert_abandoned(settings, gone_id, max_wait_s=started - asked)
    time.sleep(1.5)
    assert contact_row(settings, back_id).status == "queued"
    back.say("还需要准备什么材料", client_id="b2")
    assert texts(settings, back_id, "citizen") == ["工伤认定怎么申请", "还需要准备什么材料"]
    back.close()


# -- the sweep's rules, without a server ------------------------------------------------------------
def test_sweep_rules(engine):  # noqa: ANN001
    now = utcnow()
    with session_scope(engine) as session:
        ids = {}
        for name in ("waiting", "talking", "late_answer", "present", "recent", "ended"):
            contact, _ = contacts.start_chat(session)
            ids[name] = contact.id
        call = contacts.start_call(session, phone="13800000000", call_sid="CA1")
        ids["call"] = call.id
        for name in ("waiting", "talking", "late_answer", "present"):
            session.get(Contact, ids[name]).citizen_left_at = now - timedelta(seconds=10)
        session.get(Contact, ids["recent"]).citizen_left_at = now - timedelta(seconds=1)
        session.get(Contact, ids["talking"]).answered_at = now - timedelta(seconds=60)  # answered, then left
        session.get(Contact, ids["late_answer"]).answered_at = now - timedelta(seconds=5)  # left, then answered
        contacts.end_contact(session, session.get(Contact, ids["ended"]), actor="test")

    with session_scope(engine) as session:
        done = contacts.sweep_departed_chats(session, abandon_after_s=5, idle_end_after_s=30,
                                             present=[ids["present"]], now=now)
    assert sorted(cid for cid, _ in done) == sorted([ids["waiting"], ids["late_answer"]])
    assert all(event["speaker"] == "system" and event["text"] == contacts.CITIZEN_LEFT_NOTICE for _, event in done)
    with Session(engine) as session:
        row = {name: session.get(Contact, cid) for name, cid in ids.items()}
        assert row["waiting"].outcome == "abandoned"
        assert row["late_answer"].outcome == "citizen_left"  # a lawyer took it, but nobody was there
        assert row["talking"].status != "ended"  # answered before leaving: the longer grace
        assert row["present"].status != "ended" and row["present"].citizen_left_at is None
        assert row["recent"].status != "ended"

    with session_scope(engine) as session:  # 30 s later the answered one goes too; nothing twice
        done = contacts.sweep_departed_chats(session, abandon_after_s=5, idle_end_after_s=30,
                                             now=now + timedelta(seconds=30))
    assert sorted(cid for cid, _ in done) == sorted([ids["talking"], ids["recent"]])
    with Session(engine) as session:
        assert session.get(Contact, ids["talking"]).outcome == "citizen_left"

    with session_scope(engine) as session:  # start-up marks running chats only
        contacts.citizen_present(session, session.get(Contact, ids["present"]))
        assert contacts.mark_chats_departed(session, at=now) == 1
    with Session(engine) as session:
        assert as_utc(session.get(Contact, ids["present"]).citizen_left_at) == now
        assert session.get(Contact, ids["call"]).citizen_left_at is None
        assert session.get(Contact, ids["ended"]).citizen_left_at is None
