"""Routing rules at the service layer with explicit times (on SQLite and PostgreSQL), where the
running app cannot set the scene: capacity of a chat-only lawyer, accept refused when away or off
duty, and the shift-end hand-over of a claimed callback."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth.service import create_user
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.directory.service import seed_defaults
from hotline.queue import service
from routing.engine import LawyerState
from hotline.queue.models import Callback, Offer
from hotline.roster.models import LawyerProfile, Shift

TZ = ZoneInfo("Asia/Shanghai")
NINE_THIRTY = datetime(2026, 3, 2, 9, 30, tzinfo=TZ)  # a Monday
CONFIG = service.Config(offer_timeout_s=3600)  # offers outlive the shift


def test_capacity_rules() -> None:
    now = datetime(2026, 3, 2, tzinfo=TZ)
    chat_only = LawyerState(1, frozenset(), now, chat_capacity=2, call_capacity=0)
    assert chat_only.free_for("chat") and not chat_only.free_for("call")
    chat_only.chats = 2
    assert not chat_only.free_for("chat")
    lawyer = LawyerState(2, frozenset(), now)
    assert lawyer.free_for("call") and lawyer.free_for("chat")
    lawyer.chats = 1
    assert not lawyer.free_for("call") and lawyer.free_for("chat")  # a call needs no chats beside it
    lawyer.chats, lawyer.calls = 0, 1
    assert not lawyer.free_for("call") and not lawyer.free_for("chat")  # on a call: nothing else


def _lawyer(s, name: str, start: str, end: str) -> int:  # noqa: ANN001
    user = create_user(s, username=name, password="password-123", role="lawyer", display_name=name)
    s.add(LawyerProfile(user_id=user.id, skills=["labour"]))
    s.add(Shift(user_id=user.id, days="all", start=start, end=end))
    return user.id


@pytest.fixture
def seeded(engine):  # noqa: ANN001, ANN201
    with session_scope(engine) as s:
        seed_defaults(s)
    return engine


def test_accept_is_refused_when_away_or_off_duty(seeded) -> None:  # noqa: ANN001
    now = NINE_THIRTY
    with session_scope(seeded) as s:
        a = _lawyer(s, "a", "09:00", "10:00")
    with session_scope(seeded) as s:
        service.set_presence(s, a, "available", now=now)
        contact, _ = contacts.start_chat(s)
        service.enqueue(s, contact.id, "labour", now=now, config=CONFIG)
        service.dispatch(s, now=now, config=CONFIG)
        offer_id = s.execute(select(Offer.id).where(Offer.user_id == a, Offer.status == "offered")).scalar_one()
    with session_scope(seeded) as s:  # on break without going through set_presence (which withdraws offers)
        s.get(LawyerProfile, a).state = "break"
    with session_scope(seeded) as s, pytest.raises(service.RoutingError, match="小休或离线"):
        service.accept(s, offer_id, a, now=now + timedelta(seconds=5), config=CONFIG)
    with session_scope(seeded) as s:
        s.get(LawyerProfile, a).state = "available"
    with session_scope(seeded) as s, pytest.raises(service.RoutingError, match="不在值班"):
        service.accept(s, offer_id, a, now=NINE_THIRTY + timedelta(minutes=30), config=CONFIG)  # 10:00: shift over
    with session_scope(seeded) as s:
        service.accept(s, offer_id, a, now=now + timedelta(seconds=6), config=CONFIG)


def test_claimed_callback_is_handed_over_at_shift_end_with_its_case(seeded) -> None:  # noqa: ANN001
    with session_scope(seeded) as s:
        a = _lawyer(s, "a", "09:00", "10:00")
        b = _lawyer(s, "b", "10:00", "11:00")
        contact, _ = contacts.start_chat(s)
        contact_id, case_id = contact.id, contact.case_id
        service.create_callback(s, contact_id, now=NINE_THIRTY, reason="测试")
    with session_scope(seeded) as s:
        callback_id = s.execute(select(Callback.id)).scalar_one()
        with pytest.raises(service.RoutingError, match="不在值班"):
            service.claim_callback(s, callback_id, b, now=NINE_THIRTY, config=CONFIG)
    with session_scope(seeded) as s:
        service.claim_callback(s, callback_id, a, now=NINE_THIRTY, config=CONFIG)
    with session_scope(seeded) as s:
        service.tick(s, now=NINE_THIRTY + timedelta(minutes=10), config=CONFIG)  # a still on duty
        assert s.get(Callback, callback_id).assigned_to == a
    with session_scope(seeded) as s:
        events = service.tick(s, now=NINE_THIRTY + timedelta(minutes=40), config=CONFIG)  # 10:10: b's turn
    assert (f"staff:{b}", {"type": "callback_handover", "callback_id": callback_id,
                           "contact_id": contact_id}) in events.items
    with session_scope(seeded) as s:
        row = s.get(Callback, callback_id)
        assert (row.status, row.assigned_to) == ("claimed", b)
        handover = s.execute(select(AuditEntry).where(AuditEntry.action == "routing.handover",
                                                      AuditEntry.entity == "callback")).scalar_one()
        assert handover.case_id == case_id and handover.contact_id == contact_id
        assert handover.before == {"assigned_to": a} and handover.after == {"assigned_to": b}
