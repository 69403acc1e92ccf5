"""The queue: presence, enqueue, wrap-up, transfer, a contact's end; with the offers
(`hotline.queue.offers`), callbacks (`hotline.queue.callbacks`), timers (`hotline.queue.timers`)
and the real-time snapshot (`hotline.queue.snapshot`), that other packages call through this
module.

Every function works in the caller's transaction and returns the events to publish after the
commit. Decisions are serialised across workers: SQLite runs each transaction as BEGIN
IMMEDIATE; on PostgreSQL the writers' advisory lock is taken first (`lock`, hotline.database)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import StaffUser
from hotline.cases import service as cases
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, ContactStatus
from hotline.directory.service import get_category
from hotline.queue.base import CALLBACK_PENDING, RECORDING_PREFIX, Config, Events, RoutingError, loads, lock  # noqa: F401
from hotline.queue.callbacks import (callback_state, claim_callback, create_callback, finish_callback,  # noqa: F401
                                     leave_phone, masked, normalise_phone)  # the queue's API
from hotline.queue.callbacks import pending as pending_callbacks  # noqa: F401 - the queue's API
from hotline.queue.models import Offer, QueueEntry
from hotline.queue.offers import accept, dispatch, pending_offers, reject, requeue  # noqa: F401 - the queue's API
from hotline.queue.snapshot import snapshot  # noqa: F401 - the queue's API
from hotline.queue.timers import tick  # noqa: F401 - the queue's API
from hotline.roster.models import LawyerProfile, Presence
from hotline.roster.service import on_duty, profile
from hotline.timeutil import as_utc, utcnow
from routing.engine import MANDARIN, LawyerState


def set_presence(session: Session, user_id: int, state: str, now: datetime | None = None) -> Events:
    now = now or utcnow()
    if state not in ("available", "break", "offline"):
        raise RoutingError("状态只能设为 空闲(available)、小休(break) 或 离线(offline)")
    lock(session)
    row = profile(session, user_id)
    if row.state == Presence.wrapup:
        raise RoutingError("请先填写话后处理结果（disposition）再接待下一位")
    before = row.state
    row.state, row.state_since = state, now
    if state == "available" and before != "available":
        row.idle_since = now
    session.add(row)
    audit.record(session, action="presence.changed", actor=Actor.staff(user_id), entity="lawyer", entity_id=user_id,
                 before={"state": before}, after={"state": state}, occurred_at=now)
    events = Events()
    if state in ("break", "offline"):  # pending offers go back to the queue, to be offered to someone else
        for offer in session.execute(select(Offer).where(Offer.user_id == user_id,
                                                         Offer.status == "offered")).scalars().all():
            requeue(session, offer, "cancelled", now, Config(), "routing.offer_withdrawn", Actor.staff(user_id),
                    penalty=False)
            events.add(f"staff:{user_id}", {"type": "offer_cancelled", "offer_id": offer.id,
                                            "contact_id": offer.contact_id, "reason": state})
    events.add("queues", {"type": "presence", "user_id": user_id, "state": state})
    return events


# -- queue ----------------------------------------------------------------------------------------
def enqueue(session: Session, contact_id: int, category_code: str | None = None, now: datetime | None = None,
            config: Config | None = None) -> Events:
    """Put a contact in the queue of its category's skill (idempotent)."""
    now, config = now or utcnow(), config or Config()
    lock(session)
    events = Events()
    if session.execute(select(QueueEntry).where(QueueEntry.contact_id == contact_id)).scalar_one_or_none():
        return events
    contact = contacts.get_contact(session, contact_id)
    skill = category_code or contact.category_code or "other"
    if get_category(session, skill) is None:
        raise RoutingError(f"未知的业务类别: {skill}")
    entry = QueueEntry(contact_id=contact_id, channel=contact.channel, skill=skill, enqueued_at=now, updated_at=now,
                       language=contact.language or MANDARIN, priority=contact.priority or 0)
    session.add(entry)
    contact.status, contact.queued_at, contact.category_code = ContactStatus.queued, now, skill
    session.add(contact)
    if contact.case_id is not None:
        case = cases.get_case(session, contact.case_id)
        if case.category_code is None:
            cases.update(session, case, cases.CaseUpdate(category_code=skill, reason="自动分类"), actor="routing")
        if case.status == "received":
            cases.move(session, case, "routed", actor="routing", reason=f"queue {skill}")
    session.flush()
    audit.record(session, action="routing.enqueued", actor="routing", entity="contact", entity_id=contact_id,
                 case_id=contact.case_id, contact_id=contact_id, data={"skill": skill, "channel": contact.channel},
                 occurred_at=now)
    if not on_duty(session, now, config):
        events.items += create_callback(session, contact_id, now=now, reason="无人值班").items
    events.add("queues", {"type": "enqueued", "contact_id": contact_id, "skill": skill})
    return events


def recategorise(session: Session, contact_id: int, category_code: str) -> None:
    entry = session.execute(select(QueueEntry).where(QueueEntry.contact_id == contact_id)).scalar_one_or_none()
    if entry is not None and entry.status == "waiting" and entry.skill != category_code:
        before = entry.skill
        entry.skill = category_code
        session.add(entry)
        contact = contacts.get_contact(session, contact_id)
        contact.category_code = category_code
        audit.record(session, action="routing.categorised", actor="routing", entity="contact", entity_id=contact_id,
                     case_id=contact.case_id, contact_id=contact_id, before={"skill": before},
                     after={"skill": category_code})


def contact_ended(session: Session, contact_id: int, now: datetime | None = None,
                  config: Config | None = None) -> Events:
    """The contact is over: leave the queue, or put its lawyer into wrap-up."""
    now, config = now or utcnow(), config or Config()
    lock(session)
    events = Events()
    contact = contacts.get_contact(session, contact_id)
    entry = session.execute(select(QueueEntry).where(QueueEntry.contact_id == contact_id)).scalar_one_or_none()
    if entry is not None and entry.status in ("waiting", "offered"):
        # the citizen gave up when the contact ended (a chat's citizen may have left well before the
        # sweep noticed), not when this hook runs: the abandon wait is measured to then
        ended_at = as_utc(contact.ended_at)
        gone_at = ended_at if ended_at is not None and ended_at <= now else now
        for offer in session.execute(select(Offer).where(Offer.contact_id == contact_id,
                                                         Offer.status == "offered")).scalars():
            offer.status, offer.answered_at = "cancelled", now
            session.add(offer)
            events.add(f"staff:{offer.user_id}", {"type": "offer_cancelled", "offer_id": offer.id,
                                                  "contact_id": contact_id})
        entry.status, entry.updated_at = "gone", now
        session.add(entry)
        audit.record(session, action="routing.abandoned", actor="routing", entity="contact", entity_id=contact_id,
                     contact_id=contact_id, occurred_at=gone_at,
                     data={"waited_s": round(max(0.0, (gone_at - as_utc(entry.enqueued_at)).total_seconds()), 3)})
    if contact.lawyer_id is not None and contact.answered_at is not None:
        row = profile(session, contact.lawyer_id)
        until = now + timedelta(seconds=config.wrapup_s)
        current = (session.get(Contact, row.wrapup_contact_id)
                   if row.state == Presence.wrapup and row.wrapup_contact_id not in (None, contact_id) else None)
        if current is None or current.disposition:  # else: this one waits until that one has its disposition
            row.wrapup_contact_id, row.wrapup_until = contact_id, until
        if row.state != Presence.wrapup:  # state_since: when this wrap-up episode began
            row.state, row.state_since = Presence.wrapup, now
        session.add(row)
        audit.record(session, action="routing.wrapup_started", actor="routing", entity="lawyer",
                     entity_id=contact.lawyer_id, contact_id=contact_id, case_id=contact.case_id, occurred_at=now,
                     data={"until": until.isoformat()})
        events.add(f"staff:{contact.lawyer_id}", {"type": "wrapup", "contact_id": row.wrapup_contact_id,
                                                  "until": row.wrapup_until.isoformat()})
    events.add("queues", {"type": "ended", "contact_id": contact_id})
    return events


WRAPUP_LOOKBACK = timedelta(hours=12)


def _next_wrapup(session: Session, row: LawyerProfile, now: datetime) -> Contact | None:
    """The oldest other contact this lawyer answered and that ended without a disposition (since
    this wrap-up episode began, or in the last 12 h): it is wrapped up next."""
    since = min(row.state_since, now - WRAPUP_LOOKBACK)
    return session.execute(select(Contact).where(
        Contact.lawyer_id == row.user_id, Contact.answered_at.is_not(None), Contact.status == ContactStatus.ended,
        Contact.ended_at >= since, or_(Contact.disposition.is_(None), Contact.disposition == ""),
        Contact.id != row.wrapup_contact_id).order_by(Contact.ended_at, Contact.id).limit(1)).scalar_one_or_none()


def finish_wrapup(session: Session, user_id: int, disposition: str, now: datetime | None = None,
                  config: Config | None = None) -> Events:
    now, config = now or utcnow(), config or Config()
    disposition = (disposition or "").strip()
    if not disposition:
        raise RoutingError("请选择或填写话后处理结果（disposition）")
    row = profile(session, user_id)
    if row.state != Presence.wrapup:
        raise RoutingError("当前不在话后整理状态")
    contact = None
    if row.wrapup_contact_id:
        contact = contacts.get_contact(session, row.wrapup_contact_id)
        contact.disposition = disposition[:60]
        session.add(contact)
    audit.record(session, action="routing.wrapup", actor=Actor.staff(user_id), entity="lawyer", entity_id=user_id,
                 contact_id=row.wrapup_contact_id, case_id=contact.case_id if contact else None, occurred_at=now,
                 data={"disposition": disposition, "overdue": bool(row.wrapup_until and row.wrapup_until < now)})
    session.flush()
    events = Events()
    following = _next_wrapup(session, row, now)
    if following is not None:  # several chats ended: each gets its disposition, oldest first
        row.wrapup_contact_id, row.wrapup_until = following.id, now + timedelta(seconds=config.wrapup_s)
        session.add(row)
        events.add(f"staff:{user_id}", {"type": "wrapup", "contact_id": following.id,
                                        "until": row.wrapup_until.isoformat()})
        events.add("queues", {"type": "presence", "user_id": user_id, "state": "wrapup"})
        return events
    row.state, row.state_since, row.idle_since = Presence.available, now, now
    row.wrapup_contact_id = row.wrapup_until = None
    session.add(row)
    events.add("queues", {"type": "presence", "user_id": user_id, "state": "available"})
    return events


def transfer(session: Session, contact_id: int, from_user: int, to_user: int, reason: str,
             now: datetime | None = None, manager: bool = False, config: Config | None = None) -> Events:
    """Move an active contact (and its case, with the transcript) to another lawyer: one on duty
    now, present (available) and with room for the contact's channel."""
    now, config = now or utcnow(), config or Config()
    if not reason.strip():
        raise RoutingError("转接须填写原因")
    lock(session)
    contact = contacts.get_contact(session, contact_id)
    if contact.status != ContactStatus.active or (contact.lawyer_id != from_user and not manager):
        raise RoutingError("只能转接您正在接待的咨询")
    target = session.get(StaffUser, to_user)
    if target is None or target.role != "lawyer" or not target.active:
        raise RoutingError("接收律师不存在")
    if to_user not in on_duty(session, now, config):
        raise RoutingError("接收律师不在班")
    row = profile(session, to_user)
    if row.state != Presence.available:
        raise RoutingError("接收律师当前不可接待（小休、离线或话后整理中）")
    load = loads(session).get(to_user, {})
    if not LawyerState(to_user, frozenset(), row.idle_since, row.chat_capacity, row.call_capacity,
                       load.get("chat", 0), load.get("call", 0)).free_for(contact.channel):
        raise RoutingError("接收律师已满负荷")
    before = contact.lawyer_id
    contact.lawyer_id = to_user
    session.add(contact)
    entry = session.execute(select(QueueEntry).where(QueueEntry.contact_id == contact_id)).scalar_one_or_none()
    if entry is not None:
        entry.lawyer_id = to_user
        session.add(entry)
    if contact.case_id is not None:
        cases.hand_over(session, cases.get_case(session, contact.case_id), to_user, actor=Actor.staff(from_user),
                        reason=f"转接: {reason}")
    audit.record(session, action="routing.transfer", actor=Actor.staff(from_user), entity="contact",
                 entity_id=contact_id, case_id=contact.case_id, contact_id=contact_id, occurred_at=now,
                 before={"lawyer_id": before}, after={"lawyer_id": to_user}, data={"reason": reason})
    events = Events()
    events.add(f"staff:{to_user}", {"type": "assigned", "contact_id": contact_id, "channel": contact.channel,
                                    "transferred_from": before, "reason": reason})
    events.add(f"staff:{before}", {"type": "transferred", "contact_id": contact_id, "to": to_user})
    events.add("queues", {"type": "transfer", "contact_id": contact_id})
    return events


def assigned_lawyer(session: Session, contact_id: int) -> StaffUser | None:
    """The lawyer who accepted this contact (for <Dial> to their phone), or None."""
    contact = contacts.get_contact(session, contact_id)
    if contact.lawyer_id is None or contact.status not in (ContactStatus.active, ContactStatus.wrapup):
        return None
    return session.get(StaffUser, contact.lawyer_id)
