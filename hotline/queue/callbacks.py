"""The callback list (留言/回电): a citizen nobody could serve lands in it, a lawyer on duty claims
it and records the outcome. Functions work in the caller's transaction and return the events."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.queue.base import CALLBACK_PENDING, Config, Events, RoutingError, lock
from hotline.queue.models import Callback
from hotline.roster.service import on_duty
from hotline.timeutil import utcnow


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
                                        text="当前没有值班律师。您可以继续留言说明情况，并在下方留下电话号码，"
                                             "我们会在值班时间尽快回复或回电；如有值班律师上线，会优先为您服务。")
        events.add(f"contact:{contact_id}", contacts.utterance_event(utt))
        events.add(f"contact:{contact_id}", {"type": "callback_request", "contact_id": contact_id})
    events.add("queues", {"type": "callback", "contact_id": contact_id})
    return events


MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")


def normalise_phone(raw: str) -> str:
    """A Chinese mobile (13800138000, +86 allowed) or landline (区号 + number: 010-12345678,
    0755 1234 5678) number as digits; ValueError otherwise."""
    digits = re.sub(r"[\s\-()（）]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if MOBILE.fullmatch(digits) or LANDLINE.fullmatch(digits):
        return digits
    raise ValueError("请填写正确的手机号（11 位）或带区号的固定电话，例如 13800138000 或 010-12345678")


def masked(phone: str) -> str:
    """138****8000: enough to recognise, not to dial."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else ("*" * len(phone))


def leave_phone(session: Session, contact_id: int, phone: str, *, consent: bool, now: datetime | None = None) -> Events:
    """The citizen leaves a number for the call back, with their consent to keep it, on the
    contact's open callback. The audit log keeps the number masked."""
    now = now or utcnow()
    if consent is not True:
        raise RoutingError("请先勾选同意热线保存您的电话号码用于回电")
    phone = normalise_phone(phone)
    lock(session)
    callback = session.execute(select(Callback).where(Callback.contact_id == contact_id)).scalar_one_or_none()
    if callback is None or callback.status == "done":
        raise LookupError("本次咨询没有待回电记录")
    contact = contacts.get_contact(session, contact_id)
    before = {"phone": masked(callback.phone) if callback.phone else ""}
    callback.phone, callback.phone_consent_at = phone, now
    session.add(callback)
    audit.record(session, action="routing.callback_phone", actor=f"citizen:{contact.citizen_id}", entity="callback",
                 entity_id=callback.id, case_id=contact.case_id, contact_id=contact_id, occurred_at=now,
                 before=before, after={"phone": masked(phone), "consent": True})
    events = Events()
    events.add("queues", {"type": "callback", "contact_id": contact_id})
    return events


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
    audit.record(session, action="routing.callback_claimed", actor=Actor.staff(user_id), entity="callback",
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
    audit.record(session, action="routing.callback_done", actor=Actor.staff(user_id), entity="callback",
                 entity_id=callback.id, case_id=contact.case_id, contact_id=contact.id, occurred_at=now,
                 before=before, after={"status": "done", "assigned_to": user_id}, data={"outcome": outcome})
    events = Events()
    events.add("queues", {"type": "callback_done", "callback_id": callback.id, "user_id": user_id})
    return events


def callback_state(session: Session, contact_id: int) -> dict | None:
    """For the chat page: whether the contact waits for a call back and has left a number."""
    callback = session.execute(select(Callback).where(Callback.contact_id == contact_id)).scalar_one_or_none()
    if callback is None or callback.status == "done":
        return None
    return {"phone": masked(callback.phone) if callback.phone else ""}


def pending(session: Session) -> list[tuple[Callback, Contact]]:
    """The callback list: open and claimed callbacks with their contacts, oldest first."""
    return [(cb, ct) for cb, ct in session.execute(
        select(Callback, Contact).join(Contact, Contact.id == Callback.contact_id)
        .where(Callback.status.in_(CALLBACK_PENDING)).order_by(Callback.created_at, Callback.id)).all()]
