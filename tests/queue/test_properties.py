"""Property test over random sequences of arrivals, presence changes, accepts, rejects,
hang-ups, wrap-ups and time passing, against the real service layer and a real SQLite database:
no contact is ever lost or assigned twice, and no lawyer exceeds capacity."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from hotline.auth.service import create_user
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.database import make_engine, session_scope
from hotline.directory.service import seed_defaults
from hotline.timeutil import utcnow
from hotline.queue import service
from hotline.queue.models import Offer, QueueEntry
from hotline.roster.models import LawyerProfile, Shift

LAWYERS = 3
CAPACITY = 2
ops = st.lists(st.one_of(
    st.tuples(st.just("arrive"), st.sampled_from(["labour", "family", "other"]), st.sampled_from(["chat", "call"])),
    st.tuples(st.just("available"), st.integers(0, LAWYERS - 1)),
    st.tuples(st.just("break"), st.integers(0, LAWYERS - 1)),
    st.tuples(st.just("accept"), st.integers(0, 50)),
    st.tuples(st.just("reject"), st.integers(0, 50)),
    st.tuples(st.just("hangup"), st.integers(0, 50)),
    st.tuples(st.just("wrapup"), st.integers(0, LAWYERS - 1)),
    st.tuples(st.just("wait"), st.integers(1, 40)),
), min_size=5, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_no_contact_lost_or_double_assigned(tmp_path_factory, steps) -> None:  # noqa: ANN001
    from hotline.config import Settings
    from hotline.database import upgrade

    path = tmp_path_factory.mktemp("prop") / "db.sqlite"
    settings_ = Settings(var_dir=path.parent, database_url=f"sqlite:///{path}", kb_enabled=False)
    upgrade(settings_)
    engine = make_engine(settings_.sqlalchemy_url)
    config = service.Config(offer_timeout_s=10, no_answer_penalty_s=5, overflow_after_s=20, wrapup_s=30)
    now = utcnow()
    arrived: list[int] = []
    with session_scope(engine) as session:
        seed_defaults(session)  # the category list, as `hotline db upgrade` seeds it
        lawyer_ids = []
        for i in range(LAWYERS):
            user = create_user(session, username=f"l{i}", password="password-123", role="lawyer")
            session.add(LawyerProfile(user_id=user.id, skills=["labour"] if i else ["family"], chat_capacity=CAPACITY))
            session.add(Shift(user_id=user.id, days="all", start="00:00", end="00:00"))
            lawyer_ids.append(user.id)
    for step in steps:
        with session_scope(engine) as session:
            kind = step[0]
            try:
                if kind == "arrive":
                    contact, _ = contacts.start_chat(session) if step[2] == "chat" else (
                        contacts.start_call(session, phone=f"1380000{len(arrived):04d}", call_sid=f"CA{len(arrived)}"), "")
                    arrived.append(contact.id)
                    service.enqueue(session, contact.id, step[1], now=now, config=config)
                elif kind in ("available", "break"):
                    service.set_presence(session, lawyer_ids[step[1]], kind, now=now)
                elif kind in ("accept", "reject"):
                    offers = list(session.execute(select(Offer).where(Offer.status == "offered")).scalars())
                    if offers:
                        offer = offers[step[1] % len(offers)]
                        if kind == "accept":
                            service.accept(session, offer.id, offer.user_id, now=now)
                        else:
                            service.reject(session, offer.id, offer.user_id, now=now, config=config)
                elif kind == "hangup" and arrived:
                    contact = contacts.get_contact(session, arrived[step[1] % len(arrived)])
                    contacts.end_contact(session, contact, actor="test", at=now)
                    service.contact_ended(session, contact.id, now=now, config=config)
                elif kind == "wrapup":
                    service.finish_wrapup(session, lawyer_ids[step[1]], "已解答", now=now)
                elif kind == "wait":
                    now += timedelta(seconds=step[1])
                service.tick(session, now=now, config=config)
            except service.RoutingError:
                pass  # refused moves (e.g. presence during wrap-up) change nothing
        _check(engine, arrived)


def _check(engine, arrived: list[int]) -> None:  # noqa: ANN001
    with session_scope(engine) as session:
        entries = {e.contact_id: e for e in session.execute(select(QueueEntry)).scalars()}
        assert set(entries) == set(arrived), "every arrival is in the queue table exactly once"
        for contact_id in arrived:
            contact = session.get(Contact, contact_id)
            entry = entries[contact_id]
            accepted = session.execute(select(func.count()).select_from(Offer).where(
                Offer.contact_id == contact_id, Offer.status == "accepted")).scalar()
            pending = session.execute(select(func.count()).select_from(Offer).where(
                Offer.contact_id == contact_id, Offer.status == "offered")).scalar()
            assert accepted <= 1, "assigned twice"
            assert pending <= 1, "offered to two lawyers at once"
            if entry.status == "waiting":
                assert pending == 0 and contact.status in ("queued",)
            elif entry.status == "offered":
                assert pending == 1
            elif entry.status == "assigned":
                assert accepted == 1 and contact.lawyer_id == entry.lawyer_id
            else:
                assert entry.status == "gone" and contact.status == "ended"
        for lawyer in session.execute(select(LawyerProfile)).scalars():
            active = session.execute(select(Contact.channel, func.count()).where(
                Contact.lawyer_id == lawyer.user_id, Contact.status == "active").group_by(Contact.channel)).all()
            load = dict(active)
            assert load.get("call", 0) <= 1
            assert load.get("chat", 0) <= lawyer.chat_capacity
            assert not (load.get("call") and load.get("chat")), "a call is never taken beside chats"
