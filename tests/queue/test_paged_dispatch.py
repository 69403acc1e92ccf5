"""`offers.dispatch` reads candidate lawyers a page at a time (longest idle first, filtered in
SQL). Over random staff, loads, pending offers, penalties, duty and waiting contacts, with pages
of 2 rows so that most rounds run over several pages, it must make exactly the offers that one
`engine.assign` over every lawyer's full state makes (on SQLite and PostgreSQL)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hotline.auth.service import create_user
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.directory.service import list_categories, seed_defaults
from hotline.queue import offers, service
from routing.engine import ContactRequest, LawyerState, assign
from hotline.queue.models import Offer, QueueEntry
from hotline.roster.models import LawyerProfile, Shift

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday morning
CONFIG = service.Config(offer_timeout_s=600)


def _scene(engine, rng: random.Random) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        seed_defaults(s)
        skills = [c.code for c in list_categories(s)]
        idle_choices = [NOW - timedelta(minutes=m) for m in (1, 5, 5, 9, 30)]  # ties on purpose
        lawyers = []
        for i in range(30):
            user = create_user(s, username=f"p{i}", password="password-123", role="lawyer")
            s.add(LawyerProfile(
                user_id=user.id, skills=rng.sample(skills, rng.randint(1, 3)),
                languages=["普通话", "粤语"] if rng.random() < 0.2 else ["普通话"],
                chat_capacity=rng.choice([0, 1, 2, 3]), call_capacity=rng.choice([0, 1, 1]),
                state=rng.choice(["available"] * 5 + ["break", "offline", "wrapup"]),
                idle_since=rng.choice(idle_choices),
                penalty_until=rng.choice([None, None, None, NOW - timedelta(seconds=5), NOW + timedelta(seconds=20)])))
            if rng.random() < 0.85:  # the rest are off duty
                s.add(Shift(user_id=user.id, days="all", start="00:00", end="00:00"))
            lawyers.append(user.id)
        s.flush()
        for _ in range(25):  # contacts being handled
            contact = _contact(s, rng.choice(["chat", "chat", "call"]))
            contact.status, contact.lawyer_id = "active", rng.choice(lawyers)
            s.add(contact)
        for _ in range(4):  # offers already pending
            contact = _contact(s, "chat")
            service.enqueue(s, contact.id, rng.choice(skills), now=NOW - timedelta(seconds=30), config=CONFIG)
            s.execute(select(QueueEntry).where(QueueEntry.contact_id == contact.id)).scalar_one().status = "offered"
            s.add(Offer(contact_id=contact.id, user_id=rng.choice(lawyers), offered_at=NOW - timedelta(seconds=5),
                        expires_at=NOW + timedelta(seconds=60)))
        for k in range(14):  # the queue
            contact = _contact(s, rng.choice(["chat", "call"]))
            contact.language = "粤语" if rng.random() < 0.15 else "普通话"
            service.enqueue(s, contact.id, rng.choice(skills), now=NOW - timedelta(seconds=100 - k), config=CONFIG)
            if rng.random() < 0.2:
                s.execute(select(QueueEntry).where(QueueEntry.contact_id == contact.id)).scalar_one().overflow = True


def _contact(s, channel: str) -> Contact:  # noqa: ANN001
    if channel == "chat":
        return contacts.start_chat(s)[0]
    return contacts.start_call(s, phone=f"138{random.randrange(10**8):08d}", call_sid=f"CA{random.randrange(10**30)}")


def _expected(engine) -> list[tuple[int, int]]:  # noqa: ANN001
    """One assign over every lawyer, each state read in full and by the obvious queries."""
    with session_scope(engine) as s:
        duty = service.on_duty(s, NOW, CONFIG)
        pending = set(s.execute(select(Offer.user_id).where(Offer.status == "offered")).scalars())
        loads: dict[tuple[int, str], int] = {
            (lawyer_id, channel): n for lawyer_id, channel, n in s.execute(
                select(Contact.lawyer_id, Contact.channel, func.count()).where(Contact.status == "active")
                .group_by(Contact.lawyer_id, Contact.channel))}
        lawyers = [LawyerState(p.user_id, frozenset(p.skills), p.idle_since, p.chat_capacity, p.call_capacity,
                               loads.get((p.user_id, "chat"), 0), loads.get((p.user_id, "call"), 0),
                               available=p.state == "available", on_duty=p.user_id in duty,
                               penalty_until=p.penalty_until, pending_offer=p.user_id in pending,
                               languages=frozenset(p.languages))
                   for p in s.execute(select(LawyerProfile).order_by(LawyerProfile.user_id)).scalars()]
        requests = [ContactRequest(e.contact_id, e.channel, e.skill, e.overflow, e.language)
                    for e in s.execute(select(QueueEntry).where(QueueEntry.status == "waiting")
                                       .order_by(QueueEntry.enqueued_at, QueueEntry.id)).scalars()]
        assert len(requests) == 14
        return [(request.contact_id, lawyer.user_id) for request, lawyer in assign(lawyers, requests, NOW)]


@pytest.mark.parametrize("seed", range(4))
def test_paged_dispatch_makes_the_offers_of_one_full_assign(engine, monkeypatch, seed: int) -> None:  # noqa: ANN001
    rng = random.Random(seed)
    _scene(engine, rng)
    expected = _expected(engine)
    assert expected  # the scene leaves work to do
    monkeypatch.setattr(offers, "PAGE", 2)
    with session_scope(engine) as s:
        held = {c.id: c for c in s.execute(select(Contact).where(Contact.status == "queued")).scalars()}
        events = service.dispatch(s, now=NOW, config=CONFIG)
    for contact_id, _ in expected:  # objects the caller holds say what was written, after the commit too
        assert held[contact_id].status == "offered"
    made = [(p["contact_id"], int(topic.split(":")[1])) for topic, p in events.items if p.get("type") == "offer"]
    assert made == expected
    with session_scope(engine) as s:  # and what it wrote says the same
        rows = s.execute(select(Offer.contact_id, Offer.user_id).where(Offer.offered_at == NOW)
                         .order_by(Offer.id)).all()
        assert [tuple(r) for r in rows] == expected
        for contact_id, _ in expected:
            assert s.get(Contact, contact_id).status == "offered"
            assert s.execute(select(QueueEntry.status).where(QueueEntry.contact_id == contact_id)).scalar() == "offered"


def test_an_ended_contact_still_in_the_queue_is_not_offered(engine) -> None:  # noqa: ANN001
    """The transaction that ends a contact and the hook that takes it out of the queue are two:
    a dispatch in between must not offer it (nor turn the ended contact into an offered one)."""
    with session_scope(engine) as s:
        seed_defaults(s)
        user = create_user(s, username="solo", password="password-123", role="lawyer")
        s.add(LawyerProfile(user_id=user.id, skills=["labour"], state="available", idle_since=NOW))
        s.add(Shift(user_id=user.id, days="all", start="00:00", end="00:00"))
        gone = contacts.start_chat(s)[0]
        service.enqueue(s, gone.id, "labour", now=NOW - timedelta(seconds=60), config=CONFIG)
        waiting = contacts.start_chat(s)[0]
        service.enqueue(s, waiting.id, "labour", now=NOW - timedelta(seconds=30), config=CONFIG)
    with session_scope(engine) as s:
        contacts.end_contact(s, s.get(Contact, gone.id), actor="test", at=NOW)  # the hook has not run yet
    with session_scope(engine) as s:
        events = service.dispatch(s, now=NOW, config=CONFIG)
    assert [p["contact_id"] for _, p in events.items if p.get("type") == "offer"] == [waiting.id]
    with session_scope(engine) as s:
        assert s.get(Contact, gone.id).status == "ended"
