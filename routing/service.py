"""Routing with its state in the database: enqueue, dispatch (offers), accept/reject, timeouts,
overflow, wrap-up, presence, transfers, shift-end hand-over and callbacks.

Every function works in the caller's transaction and returns the events to publish after the
commit. Decisions are serialised across workers: SQLite runs each transaction as BEGIN
IMMEDIATE; on PostgreSQL the writers' advisory lock is taken first (hotline.database)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, String, and_, bindparam, cast, func, insert, or_, select, type_coerce, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import StaffUser
from hotline.cases import service as cases
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, ContactStatus
from hotline.database import writer_lock
from hotline.directory.service import get_category
from hotline.timeutil import as_utc, utcnow
from routing import roster, roster_cache
from routing.engine import GENERAL_SKILL, MANDARIN, ContactRequest, LawyerState, assign, load_channel
from routing.models import Callback, Holiday, LawyerProfile, Offer, Presence, QueueEntry, RosterException, Shift


class RoutingError(ValueError):
    pass


@dataclass
class Events:
    """Events to publish after commit: (topic, payload)."""

    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed: bool = False

    def add(self, topic: str, payload: dict[str, Any]) -> None:
        self.items.append((topic, payload))
        self.changed = True


@dataclass
class Config:
    offer_timeout_s: float = 20
    no_answer_penalty_s: float = 30
    overflow_after_s: float = 60
    wrapup_s: float = 60
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_settings(cls, settings: Any) -> "Config":
        return cls(settings.offer_timeout_s, settings.no_answer_penalty_s, settings.overflow_after_s,
                   settings.wrapup_s, settings.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def lock(session: Session) -> None:
    """Serialise routing decisions across worker processes: on PostgreSQL the writers' advisory
    lock (`hotline.database.writer_lock`), taken once per transaction before it reads the
    queue; SQLite transactions already begin IMMEDIATE."""
    writer_lock(session.connection())


# -- roster ---------------------------------------------------------------------------------------
def _rules(session: Session, around: datetime | None = None, tz: ZoneInfo | None = None
           ) -> tuple[list[roster.ShiftRule], list[roster.Exception_], roster.Calendar]:
    """The roster as plain rules. With `around`, only the exceptions and holidays of the days
    that can matter at that moment (yesterday to tomorrow, local time) are read. Plain column
    rows, not ORM objects: this runs inside every routing decision."""
    rules = [roster.ShiftRule(user_id, days, roster.parse_time(start), roster.parse_time(end), kind, vf, vt)
             for user_id, days, start, end, kind, vf, vt in session.execute(
                 select(Shift.user_id, Shift.days, Shift.start, Shift.end, Shift.kind, Shift.valid_from,
                        Shift.valid_to))]
    exc_query = select(RosterException.user_id, RosterException.day, RosterException.kind, RosterException.start,
                       RosterException.end)
    hol_query = select(Holiday.day, Holiday.is_workday)
    if around is not None:
        local = around.astimezone(tz) if tz else around
        first, last = local.date() - timedelta(days=1), local.date() + timedelta(days=1)
        exc_query = exc_query.where(RosterException.day >= first, RosterException.day <= last)
        hol_query = hol_query.where(Holiday.day >= first, Holiday.day <= last)
    exceptions = [roster.Exception_(user_id, day, kind, roster.parse_time(start) if start else None,
                                    roster.parse_time(end) if end else None)
                  for user_id, day, kind, start, end in session.execute(exc_query)]
    calendar = roster.Calendar({day: is_workday for day, is_workday in session.execute(hol_query)})
    return rules, exceptions, calendar


def on_duty(session: Session, now: datetime, config: Config) -> dict[int, datetime]:
    """Lawyers on duty now, with the end of their window (谁值班谁接管)."""
    return roster_cache.cache.on_duty(session, now, config.tz, _rules)


def anyone_on_duty(session: Session, now: datetime | None = None, config: Config | None = None) -> bool:
    return bool(on_duty(session, now or utcnow(), config or Config()))


def duty_summary(session: Session, now: datetime, config: Config) -> dict[str, Any]:
    rules, exceptions, calendar = _rules(session)
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    current = roster.on_duty_users(rules, exceptions, calendar, now, config.tz)
    upcoming = roster.next_on_duty(rules, exceptions, calendar, now, config.tz)
    return {"now": [{"user_id": u, "name": names.get(u, str(u)), "until": end.isoformat()} for u, end in current.items()],
            "next": [{"user_id": u, "name": names.get(u, str(u)), "from": b.isoformat(), "until": e.isoformat()}
                     for u, b, e in upcoming]}


# -- profiles and presence ------------------------------------------------------------------------
def profile(session: Session, user_id: int) -> LawyerProfile:
    row = session.get(LawyerProfile, user_id)
    if row is None:
        user = session.get(StaffUser, user_id)
        if user is None or user.role != "lawyer":
            raise RoutingError(f"user {user_id} is not a lawyer")
        row = LawyerProfile(user_id=user_id)
        session.add(row)
        session.flush()
    return row


# Loads: contacts being handled, per lawyer and channel. Served by the (status, lawyer_id, channel)
# index on contact, so only the active rows are read, never a lawyer's whole history.
_LOADS = (select(Contact.lawyer_id, Contact.channel, func.count())
          .where(Contact.status == ContactStatus.active, Contact.lawyer_id.is_not(None))
          .group_by(Contact.lawyer_id, Contact.channel))


def _loads(session: Session) -> dict[int, dict[str, int]]:
    """Active contacts per lawyer and channel (the transfer check and the state feed; a routing
    decision counts them in its candidate query instead)."""
    rows = session.execute(_LOADS)
    loads: dict[int, dict[str, int]] = {}
    for lawyer_id, channel, count in rows:
        load = loads.setdefault(lawyer_id, {})
        load[load_channel(channel)] = load.get(load_channel(channel), 0) + count  # WeChat counts as chat
    return loads


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
    audit.record(session, action="presence.changed", actor=f"staff:{user_id}", entity="lawyer", entity_id=user_id,
                 before={"state": before}, after={"state": state}, occurred_at=now)
    events = Events()
    if state in ("break", "offline"):  # pending offers go back to the queue, to be offered to someone else
        for offer in session.execute(select(Offer).where(Offer.user_id == user_id,
                                                         Offer.status == "offered")).scalars().all():
            _requeue(session, offer, "cancelled", now, Config(), "routing.offer_withdrawn", f"staff:{user_id}",
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
                       language=contact.language or MANDARIN)
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


def create_callback(session: Session, contact_id: int, *, now: datetime | None = None, reason: str = "",
                    note: str = "") -> Events:
    """Land the contact in the callback list (留言/回电); it keeps its place in the queue."""
    now = now or utcnow()
    lock(session)  # the look and the insert as one step (a voice message and the intake may race)
    events = Events()
    if session.execute(select(Callback).where(Callback.contact_id == contact_id)).scalar_one_or_none():
        return events
    contact = contacts.get_contact(session, contact_id)
    session.add(Callback(contact_id=contact_id, created_at=now, note=note))
    audit.record(session, action="routing.callback", actor="routing", entity="contact", entity_id=contact_id,
                 case_id=contact.case_id, contact_id=contact_id, data={"reason": reason}, occurred_at=now)
    if contact.channel == "chat":
        utt, _ = contacts.add_utterance(session, contact, speaker="system", source="system",
                                        text="当前没有值班律师。您可以继续留言说明情况，我们会在值班时间尽快回复或回电；"
                                             "如有值班律师上线，会优先为您服务。")
        events.add(f"contact:{contact_id}", contacts.utterance_event(utt))
    events.add("queues", {"type": "callback", "contact_id": contact_id})
    return events


CALLBACK_PENDING = ("open", "claimed")  # open: nobody has it yet; claimed: a lawyer calls back / answers
RECORDING_PREFIX = "录音："  # the note line that carries a voice message's recording URL


def _callback(session: Session, callback_id: int, user_id: int) -> Callback:
    callback = session.get(Callback, callback_id)
    if callback is None:
        raise LookupError("回电记录不存在")
    if callback.status == "done":
        raise RoutingError("该回电已处理完毕")
    if callback.status == "claimed" and callback.assigned_to not in (None, user_id):
        raise RoutingError("该回电已由其他律师认领")
    return callback


def claim_callback(session: Session, callback_id: int, user_id: int, now: datetime | None = None,
                   config: Config | None = None) -> Events:
    """A lawyer on duty takes a callback (回电/回复留言) from the list."""
    now, config = now or utcnow(), config or Config()
    lock(session)
    callback = _callback(session, callback_id, user_id)
    events = Events()
    if callback.status == "claimed":  # already theirs
        return events
    if user_id not in on_duty(session, now, config):
        raise RoutingError("您当前不在值班时间，不能认领回电")
    contact = contacts.get_contact(session, callback.contact_id)
    before = {"status": callback.status, "assigned_to": callback.assigned_to}
    callback.status, callback.assigned_to = "claimed", user_id
    session.add(callback)
    audit.record(session, action="routing.callback_claimed", actor=f"staff:{user_id}", entity="callback",
                 entity_id=callback.id, case_id=contact.case_id, contact_id=contact.id, occurred_at=now,
                 before=before, after={"status": "claimed", "assigned_to": user_id})
    events.add("queues", {"type": "callback_claimed", "callback_id": callback.id, "user_id": user_id})
    return events


def finish_callback(session: Session, callback_id: int, user_id: int, outcome: str,
                    now: datetime | None = None) -> Events:
    """The citizen has been called back / answered: the callback is done, with its outcome."""
    now = now or utcnow()
    outcome = (outcome or "").strip()
    if not outcome:
        raise RoutingError("请填写回电处理结果")
    lock(session)
    callback = _callback(session, callback_id, user_id)
    contact = contacts.get_contact(session, callback.contact_id)
    before = {"status": callback.status, "assigned_to": callback.assigned_to}
    callback.status, callback.done_at, callback.assigned_to = "done", now, user_id
    callback.note = f"{callback.note}\n处理结果：{outcome}" if callback.note else f"处理结果：{outcome}"
    session.add(callback)
    audit.record(session, action="routing.callback_done", actor=f"staff:{user_id}", entity="callback",
                 entity_id=callback.id, case_id=contact.case_id, contact_id=contact.id, occurred_at=now,
                 before=before, after={"status": "done", "assigned_to": user_id}, data={"outcome": outcome})
    events = Events()
    events.add("queues", {"type": "callback_done", "callback_id": callback.id, "user_id": user_id})
    return events


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
            .order_by(QueueEntry.enqueued_at, QueueEntry.id))
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
    """Offer waiting contacts, oldest first, each to the longest-idle eligible lawyer."""
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
            "category": category, "expires_at": expires_at.isoformat(),
            "timeout_s": config.offer_timeout_s, "preview": "；".join(preview)[-200:]}


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
    audit.record(session, action="routing.accept", actor=f"staff:{user_id}", entity="offer", entity_id=offer.id,
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


def _requeue(session: Session, offer: Offer, status: str, now: datetime, config: Config, action: str,
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
    _requeue(session, offer, "rejected", now, config, "routing.reject", f"staff:{user_id}", penalty=True)
    events = Events()
    events.add("queues", {"type": "rejected", "contact_id": offer.contact_id})
    return events


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
    audit.record(session, action="routing.wrapup", actor=f"staff:{user_id}", entity="lawyer", entity_id=user_id,
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
    load = _loads(session).get(to_user, {})
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
        cases.hand_over(session, cases.get_case(session, contact.case_id), to_user, actor=f"staff:{from_user}",
                        reason=f"转接: {reason}")
    audit.record(session, action="routing.transfer", actor=f"staff:{from_user}", entity="contact",
                 entity_id=contact_id, case_id=contact.case_id, contact_id=contact_id, occurred_at=now,
                 before={"lawyer_id": before}, after={"lawyer_id": to_user}, data={"reason": reason})
    events = Events()
    events.add(f"staff:{to_user}", {"type": "assigned", "contact_id": contact_id, "channel": contact.channel,
                                    "transferred_from": before, "reason": reason})
    events.add(f"staff:{before}", {"type": "transferred", "contact_id": contact_id, "to": to_user})
    events.add("queues", {"type": "transfer", "contact_id": contact_id})
    return events


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
            _requeue(session, offer, "timeout", now, config, "routing.timeout", "routing", penalty=True)
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
            _requeue(session, offer, "cancelled", now, config, "routing.handover", "routing", penalty=False)
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


def state(session: Session, now: datetime | None = None, config: Config | None = None) -> dict[str, Any]:
    """Real-time routing state for the console and the dashboard's queue wall."""
    now, config = now or utcnow(), config or Config()
    queues: dict[str, dict[str, Any]] = {}
    for entry in session.execute(select(QueueEntry).where(QueueEntry.status.in_(["waiting", "offered"]))).scalars():
        q = queues.setdefault(entry.skill, {"skill": entry.skill, "waiting": 0, "offered": 0, "longest_wait_s": 0.0})
        q[entry.status] += 1
        q["longest_wait_s"] = max(q["longest_wait_s"], round((now - entry.enqueued_at).total_seconds(), 1))
    duty = on_duty(session, now, config)
    loads = _loads(session)
    names = {u.id: u.display_name for u in session.execute(select(StaffUser).where(StaffUser.role == "lawyer")).scalars()}
    lawyers = []
    for p in session.execute(select(LawyerProfile)).scalars():
        load = loads.get(p.user_id, {})
        shown = p.state
        if p.state == Presence.available and (load.get("call") or load.get("chat", 0) >= p.chat_capacity):
            shown = Presence.busy
        lawyers.append({"user_id": p.user_id, "name": names.get(p.user_id, ""), "state": shown,
                        "on_duty": p.user_id in duty, "chats": load.get("chat", 0), "calls": load.get("call", 0),
                        "skills": p.skills, "penalty": bool(p.penalty_until and p.penalty_until > now)})
    by_state: dict[str, int] = {}
    for lawyer in lawyers:
        by_state[lawyer["state"]] = by_state.get(lawyer["state"], 0) + 1
    callbacks = session.execute(select(func.count()).select_from(Callback)
                                .where(Callback.status.in_(CALLBACK_PENDING))).scalar()
    return {"at": now.isoformat(), "queues": sorted(queues.values(), key=lambda q: q["skill"]),
            "lawyers": lawyers, "lawyers_by_state": by_state, "callbacks_open": callbacks,
            "waiting_total": sum(q["waiting"] for q in queues.values()),
            "longest_wait_s": max((q["longest_wait_s"] for q in queues.values()), default=0.0)}


def assigned_lawyer(session: Session, contact_id: int) -> StaffUser | None:
    """The lawyer who accepted this contact (for <Dial> to their phone), or None."""
    contact = contacts.get_contact(session, contact_id)
    if contact.lawyer_id is None or contact.status not in (ContactStatus.active, ContactStatus.wrapup):
        return None
    return session.get(StaffUser, contact.lawyer_id)
