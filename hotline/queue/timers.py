"""The queue's timers, run by the ticker (`hotline.queue.flows`): offer timeouts (penalty,
re-offer), overflow, shift-end hand-over, callbacks when nobody is on duty; then dispatch."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.contacts import service as contacts
from hotline.queue.base import Config, Events, lock
from hotline.queue.callbacks import create_callback
from hotline.queue.offers import dispatch, requeue
from hotline.queue.models import Callback, Offer, QueueEntry
from hotline.roster.service import on_duty
from hotline.timeutil import utcnow


_PENDING_OFFERS = select(Offer.id, Offer.user_id, Offer.expires_at).where(Offer.status == "offered")
_OVERFLOW_DUE = (select(QueueEntry.id).where(QueueEntry.status == "waiting", QueueEntry.overflow.is_(False),
                                             QueueEntry.enqueued_at <= bindparam("cutoff"))
                 .order_by(QueueEntry.enqueued_at, QueueEntry.id))
_CLAIMED_CALLBACKS = select(Callback.id, Callback.assigned_to).where(Callback.status == "claimed",
                                                                     Callback.assigned_to.is_not(None))


def tick(session: Session, now: datetime | None = None, config: Config | None = None) -> Events:
    """Timers: offer timeouts (penalty, re-offer), overflow, shift-end hand-over; then dispatch.
    The checks are plain reads; rows are loaded as objects only when there is something to do."""
    now, config = now or utcnow(), config or Config()
    lock(session)
    events = Events()
    session.flush()
    conn = session.connection()
    pending = conn.execute(_PENDING_OFFERS).all()
    for offer_id, user_id, expires_at in pending:
        if expires_at <= now:
            offer = session.get(Offer, offer_id)
            requeue(session, offer, "timeout", now, config, "routing.timeout", "routing", penalty=True)
            events.add(f"staff:{user_id}", {"type": "offer_timeout", "offer_id": offer_id,
                                            "contact_id": offer.contact_id})
    cutoff = now - timedelta(seconds=config.overflow_after_s)
    for entry_id in conn.execute(_OVERFLOW_DUE, {"cutoff": cutoff}).scalars().all():
        entry = session.get(QueueEntry, entry_id)
        entry.overflow = True
        session.add(entry)
        audit.record(session, action="routing.overflow", actor="routing", entity="contact", entity_id=entry.contact_id,
                     contact_id=entry.contact_id, occurred_at=now, data={"skill": entry.skill})
        events.changed = True
    duty = on_duty(session, now, config)
    for offer_id, user_id, expires_at in pending:
        if expires_at > now and user_id not in duty:  # shift over: the waiting work goes to whoever is on duty
            offer = session.get(Offer, offer_id)
            requeue(session, offer, "cancelled", now, config, "routing.handover", "routing", penalty=False)
            events.add(f"staff:{user_id}", {"type": "offer_cancelled", "offer_id": offer_id,
                                            "contact_id": offer.contact_id, "reason": "shift_end"})
    if not duty:  # everyone went off duty while contacts wait: each lands in the callback list (once)
        for contact_id in session.execute(select(QueueEntry.contact_id).where(
                QueueEntry.status == "waiting", QueueEntry.contact_id.not_in(select(Callback.contact_id)))
                .order_by(QueueEntry.enqueued_at, QueueEntry.id)).scalars().all():
            events.items += create_callback(session, contact_id, now=now, reason="值班结束").items
            events.changed = True
    for callback_id, assigned_to in conn.execute(_CLAIMED_CALLBACKS).all():
        if assigned_to not in duty and duty:
            callback = session.get(Callback, callback_id)
            new_owner = min(duty)
            contact = contacts.get_contact(session, callback.contact_id)
            audit.record(session, action="routing.handover", actor="routing", entity="callback", entity_id=callback.id,
                         case_id=contact.case_id, contact_id=callback.contact_id, occurred_at=now,
                         before={"assigned_to": callback.assigned_to}, after={"assigned_to": new_owner})
            callback.assigned_to = new_owner
            session.add(callback)
            events.add(f"staff:{new_owner}", {"type": "callback_handover", "callback_id": callback.id,
                                              "contact_id": callback.contact_id})
    dispatched = dispatch(session, now, config)
    events.items += dispatched.items
    events.changed = events.changed or dispatched.changed
    return events
