"""The routing decision and its offers: `dispatch` offers waiting contacts, oldest first, each to
the longest-idle eligible lawyer (the choice itself is the pure `routing.engine.assign`); a
lawyer accepts or rejects; an offer that times out or is withdrawn puts the contact back in the
queue (`requeue`). Functions work in the caller's transaction and return the events.

The decision's reads and writes are plain statements built once at import: every arrival, end of
wrap-up and timer tick runs them (benchmarks/routing.py measures them)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, String, and_, bindparam, cast, func, insert, or_, select, type_coerce, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import StaffUser
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, ContactStatus
from hotline.queue.base import CALLBACK_PENDING, Config, Events, RoutingError, lock
from hotline.queue.models import Callback, Offer, QueueEntry
from hotline.roster.models import LawyerProfile, Presence
from hotline.roster.service import on_duty, profile
from hotline.safety import service as safety
from hotline.timeutil import as_utc, utcnow
from routing.engine import GENERAL_SKILL, ContactRequest, LawyerState, assign, load_channel


@lru_cache(maxsize=4096)
def _parse_skills(raw: str) -> frozenset[str]:
    return frozenset(json.loads(raw) or ())


def _skill_set(raw: Any) -> frozenset[str]:
    """Skills as stored (JSON text on SQLite; psycopg hands PostgreSQL JSON over parsed)."""
    if raw is None:
        return frozenset()
    return _parse_skills(raw) if isinstance(raw, str) else frozenset(raw)


# The routing decision's reads and writes are plain statements built once at import (their SQL is
# compiled once and cached): every arrival, end of wrap-up and timer tick runs them.
# A contact that has ended is never offered, even in the moment between the transaction that
# ended it and the contact-end hook that takes it out of the queue.
_WAITING = (select(QueueEntry.id, QueueEntry.contact_id, QueueEntry.channel, QueueEntry.skill,
                   QueueEntry.overflow, QueueEntry.language, QueueEntry.enqueued_at)
            .join(Contact, Contact.id == QueueEntry.contact_id)
            .where(QueueEntry.status == "waiting", Contact.status != ContactStatus.ended)
            .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id))
_OFFER_INSERT = insert(Offer).returning(Offer.id)
_ENTRY_OFFERED = (update(QueueEntry).where(QueueEntry.id == bindparam("b_id"))
                  .values(status="offered", updated_at=bindparam("b_now")))
_CONTACT_OFFERED = (update(Contact).where(Contact.id == bindparam("b_id"))
                    .values(status=ContactStatus.offered).returning(Contact.case_id))
PAGE = 16  # candidate lawyers read per page, longest idle first; the page grows 4x when it runs dry


TEXT_CHANNELS = ("chat", "wechat")  # contacts that take a lawyer's chat capacity


def _active(channel: str) -> Any:
    """How many contacts on `channel` the lawyer of the outer row is handling (an index seek)."""
    same = Contact.channel.in_(TEXT_CHANNELS) if channel == "chat" else Contact.channel == channel
    return (select(func.count()).where(Contact.status == ContactStatus.active,
                                       Contact.lawyer_id == LawyerProfile.user_id, same)
            .scalar_subquery())


@lru_cache(maxsize=256)
def _candidates(skills: frozenset[str] | None, channels: frozenset[str]) -> Select:
    """Lawyers who could take work now, longest idle first, one page at a time: present, not on
    penalty, no offer pending, with room for one of `channels` and (when `skills` is given)
    holding one of those skills. Duty, language and the exact skill are checked by the engine
    (duty as a bound list of ids would cost more than the rows it saves: an available lawyer is
    nearly always on duty)."""
    chats, calls = _active("chat"), _active("call")
    room = []
    if "chat" in channels:  # the engine's LawyerState.free_for
        room.append(and_(calls == 0, chats < LawyerProfile.chat_capacity))
    if "call" in channels:
        room.append(and_(chats == 0, calls < LawyerProfile.call_capacity))
    query = (select(LawyerProfile.user_id, type_coerce(LawyerProfile.skills, String),
                    type_coerce(LawyerProfile.languages, String), LawyerProfile.idle_since,
                    LawyerProfile.chat_capacity, LawyerProfile.call_capacity, chats, calls)
             .where(LawyerProfile.state == Presence.available,
                    or_(LawyerProfile.penalty_until.is_(None), LawyerProfile.penalty_until <= bindparam("now")),
                    LawyerProfile.user_id.not_in(select(Offer.user_id).where(Offer.status == "offered")),
                    or_(*room))
             .order_by(LawyerProfile.idle_since, LawyerProfile.user_id)
             .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
    if skills is not None:  # skills are stored as a JSON list of category codes
        query = query.where(or_(*[cast(LawyerProfile.skills, String).like(f'%"{code}"%') for code in sorted(skills)]))
    return query


def _choose(session: Session, now: datetime, duty: dict[int, datetime], requests: list[ContactRequest],
            skills: frozenset[str] | None) -> list[tuple[ContactRequest, LawyerState]]:
    """`engine.assign` over every lawyer who could take work, read a page at a time: the requests
    left over by one page (oldest first) go on to the next. The same choices as one `assign` over
    all of them (each request takes the longest-idle eligible lawyer the earlier requests left),
    but a round usually ends within the first page, so it reads a handful of rows, not the staff."""
    if not duty or not requests:
        return []
    conn = session.connection()
    query = _candidates(skills, frozenset(load_channel(request.channel) for request in requests))
    chosen: list[tuple[ContactRequest, LawyerState]] = []
    remaining, offset, size = list(requests), 0, PAGE
    while remaining:
        rows = conn.execute(query, {"now": now, "limit": size, "offset": offset}).all()
        if not rows:
            break
        lawyers = [LawyerState(user_id, _skill_set(skill_codes), idle_since, chat_capacity, call_capacity,
                               chats, calls, on_duty=user_id in duty, languages=_skill_set(languages))
                   for user_id, skill_codes, languages, idle_since, chat_capacity, call_capacity, chats, calls in rows]
        page = assign(lawyers, remaining, now)
        chosen += page
        taken = {id(request) for request, _ in page}
        remaining = [request for request in remaining if id(request) not in taken]
        if len(rows) < size:
            break
        offset, size = offset + size, size * 4
    order = {id(request): k for k, request in enumerate(requests)}
    return sorted(chosen, key=lambda pair: order[id(pair[0])])


def _written(session: Session, model: type, pk: int, **values: Any) -> None:
    """A row changed by a plain statement: the session's copy, if it holds one, takes the new
    values as already stored (no reload, nothing left to flush; callers may use it after commit)."""
    obj = session.identity_map.get(session.identity_key(model, pk))
    if obj is not None:
        for key, value in values.items():
            set_committed_value(obj, key, value)


def dispatch(session: Session, now: datetime | None = None, config: Config | None = None) -> Events:
    """Offer waiting contacts, highest priority (hotline.safety) then oldest first, each to the
    longest-idle eligible lawyer."""
    now, config = now or utcnow(), config or Config()
    lock(session)
    events = Events()
    session.flush()
    conn = session.connection()
    waiting = conn.execute(_WAITING).all()
    if not waiting:
        return events
    duty = on_duty(session, now, config)
    general = any(e.overflow or e.skill == GENERAL_SKILL for e in waiting)
    entries = {e.contact_id: e for e in waiting}
    requests = [ContactRequest(e.contact_id, e.channel, e.skill, e.overflow, e.language) for e in waiting]
    for request, chosen in _choose(session, now, duty, requests,
                                   None if general else frozenset(e.skill for e in waiting)):
        entry = entries[request.contact_id]
        expires_at = now + timedelta(seconds=config.offer_timeout_s)
        offer_id = conn.execute(_OFFER_INSERT, {"contact_id": entry.contact_id, "user_id": chosen.user_id,
                                                "offered_at": now, "expires_at": expires_at,
                                                "status": "offered"}).scalar_one()
        conn.execute(_ENTRY_OFFERED, {"b_id": entry.id, "b_now": now})
        case_id = conn.execute(_CONTACT_OFFERED, {"b_id": entry.contact_id}).scalar_one()
        _written(session, QueueEntry, entry.id, status="offered", updated_at=now)
        _written(session, Contact, entry.contact_id, status=ContactStatus.offered)
        audit.record(session, action="routing.offer", actor="routing", entity="offer", entity_id=offer_id,
                     case_id=case_id, contact_id=entry.contact_id, occurred_at=now,
                     data={"user_id": chosen.user_id, "skill": entry.skill, "overflow": entry.overflow,
                           "waited_s": round((now - as_utc(entry.enqueued_at)).total_seconds(), 3)})
        events.add(f"staff:{chosen.user_id}", _offer_event(session, offer_id, entry.contact_id, entry.channel,
                                                           entry.skill, expires_at, config))
    if events.items:
        events.add("queues", {"type": "offers"})
    return events


def _offer_event(session: Session, offer_id: int, contact_id: int, channel: str, category: str,
                 expires_at: datetime, config: Config) -> dict[str, Any]:
    preview = contacts.citizen_texts(session, contact_id, limit=3)
    return {"type": "offer", "offer_id": offer_id, "contact_id": contact_id, "channel": channel,
            "category": category, "expires_at": expires_at.isoformat(), "safety": _safety(session, contact_id),
            "timeout_s": config.offer_timeout_s, "preview": "；".join(preview)[-200:]}


def _safety(session: Session, contact_id: int) -> list[str]:
    """The labels of the safety rules the contact fired (hotline.safety), for the offer."""
    contact = session.get(Contact, contact_id)
    return safety.labels(session, safety.flags(contact)) if contact is not None else []


def pending_offers(session: Session, user_id: int, now: datetime | None = None,
                   config: Config | None = None) -> list[dict[str, Any]]:
    """The lawyer's offers still open, as the "offer" events the ticker sent (for a console that
    (re)connects: the offer survives a reload or a server restart)."""
    now, config = now or utcnow(), config or Config()
    rows = session.execute(select(Offer, QueueEntry).join(QueueEntry, QueueEntry.contact_id == Offer.contact_id)
                           .where(Offer.user_id == user_id, Offer.status == "offered", Offer.expires_at > now)
                           .order_by(Offer.offered_at, Offer.id)).all()
    return [_offer_event(session, offer.id, offer.contact_id, entry.channel, entry.skill, offer.expires_at, config)
            for offer, entry in rows]


def _open_offer(session: Session, offer_id: int, user_id: int) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None or offer.user_id != user_id:
        raise LookupError(f"offer {offer_id} not found")
    if offer.status != "offered":
        raise RoutingError(f"该分配已{ {'accepted': '接受', 'rejected': '拒绝', 'timeout': '超时', 'cancelled': '取消'}.get(offer.status, offer.status)}")
    return offer


def accept(session: Session, offer_id: int, user_id: int, now: datetime | None = None,
           config: Config | None = None) -> Events:
    now, config = now or utcnow(), config or Config()
    lock(session)
    offer = _open_offer(session, offer_id, user_id)
    if offer.expires_at < now:
        raise RoutingError("该分配已超时")
    if profile(session, user_id).state in (Presence.break_, Presence.offline):
        raise RoutingError("您当前为小休或离线状态，不能接受分配")
    if user_id not in on_duty(session, now, config):
        raise RoutingError("您当前不在值班时间，不能接受分配")
    offer.status, offer.answered_at = "accepted", now
    entry = session.execute(select(QueueEntry).where(QueueEntry.contact_id == offer.contact_id)).scalar_one()
    entry.status, entry.lawyer_id, entry.updated_at = "assigned", user_id, now
    contact = contacts.get_contact(session, offer.contact_id)
    session.add_all([offer, entry])
    contacts.mark_answered(session, contact, user_id, at=now)
    audit.record(session, action="routing.accept", actor=Actor.staff(user_id), entity="offer", entity_id=offer.id,
                 case_id=contact.case_id, contact_id=contact.id, occurred_at=now,
                 data={"answer_s": round((now - offer.offered_at).total_seconds(), 3)})
    callback = session.execute(select(Callback).where(Callback.contact_id == contact.id)).scalar_one_or_none()
    if callback is not None and callback.status in CALLBACK_PENDING:
        callback.status, callback.done_at, callback.assigned_to = "done", now, user_id
    events = Events()
    events.add(f"contact:{contact.id}", {"type": "status", "contact_id": contact.id, "status": "active",
                                         "lawyer_id": user_id})
    events.add(f"staff:{user_id}", {"type": "assigned", "contact_id": contact.id, "channel": contact.channel})
    events.add("queues", {"type": "accepted", "contact_id": contact.id})
    if contact.channel == "chat":
        lawyer = session.get(StaffUser, user_id)
        utt, _ = contacts.add_utterance(session, contact, speaker="system", source="system",
                                        text=f"值班律师{lawyer.display_name}已接入，请继续描述您的问题。")
        events.add(f"contact:{contact.id}", contacts.utterance_event(utt))
    return events


def requeue(session: Session, offer: Offer, status: str, now: datetime, config: Config, action: str,
             actor: str, penalty: bool) -> None:
    offer.status, offer.answered_at = status, now
    session.add(offer)
    entry = session.execute(select(QueueEntry).where(QueueEntry.contact_id == offer.contact_id)).scalar_one()
    if entry.status == "offered":
        entry.status, entry.updated_at = "waiting", now
        session.add(entry)
        contact = contacts.get_contact(session, offer.contact_id)
        contact.status = ContactStatus.queued
        session.add(contact)
    contact = contacts.get_contact(session, offer.contact_id)
    audit.record(session, action=action, actor=actor, entity="offer", entity_id=offer.id, case_id=contact.case_id,
                 contact_id=offer.contact_id, occurred_at=now, data={"user_id": offer.user_id})
    if penalty:
        row = profile(session, offer.user_id)
        row.penalty_until = now + timedelta(seconds=config.no_answer_penalty_s)
        session.add(row)
        audit.record(session, action="routing.penalty", actor="routing", entity="lawyer", entity_id=offer.user_id,
                     occurred_at=now, data={"until": row.penalty_until.isoformat(), "reason": action})


def reject(session: Session, offer_id: int, user_id: int, now: datetime | None = None,
           config: Config | None = None) -> Events:
    now, config = now or utcnow(), config or Config()
    lock(session)
    offer = _open_offer(session, offer_id, user_id)
    requeue(session, offer, "rejected", now, config, "routing.reject", Actor.staff(user_id), penalty=True)
    events = Events()
    events.add("queues", {"type": "rejected", "contact_id": offer.contact_id})
    return events
