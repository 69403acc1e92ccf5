"""Intake (统一受理): citizens, contacts, utterances, ratings. Every contact opens or joins a case.

These functions work inside the caller's transaction; callers publish events after commit.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, select, update
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.cases import service as cases
from hotline.cases.models import OPEN_STATUSES, Case
from hotline.contacts.models import (Channel, Citizen, CitizenUpdate, Contact, ContactStatus, Outcome, SatisfactionRating,
                                     Speaker, Utterance)
from hotline.revisions import service as revisions
from hotline.timeutil import as_utc, utcnow


class ContactError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def utterance_event(utt: Utterance) -> dict[str, Any]:
    return {"type": "utterance", "contact_id": utt.contact_id, "id": utt.id, "speaker": utt.speaker,
            "text": utt.text, "client_id": utt.client_id, "source": utt.source,
            "at": utt.started_at.isoformat(), "stored_at": utt.created_at.isoformat()}


def _open_case_for(session: Session, citizen: Citizen, contact: Contact, actor: str) -> Case:
    """Join the citizen's open case if there is one, else open a new one."""
    case = session.execute(
        select(Case).where(Case.citizen_id == citizen.id, Case.status.in_(list(OPEN_STATUSES)))
        .order_by(Case.id.desc()).limit(1)).scalar_one_or_none()
    if case is None:
        case = cases.open_case(session, citizen_id=citizen.id, actor=actor, received_at=contact.started_at,
                               contact_id=contact.id)
    contact.case_id = case.id
    session.add(contact)
    return case


def start_chat(session: Session, *, chat_token: str | None = None, language: str | None = None) -> tuple[Contact, str]:
    """A new chat session; returns the contact and its resume token (only the hash is stored).
    `language`: a language or dialect the citizen asked for (routing prefers lawyers who speak it)."""
    citizen = None
    if chat_token:
        citizen = session.execute(select(Citizen).where(Citizen.chat_token == chat_token)).scalar_one_or_none()
    if citizen is None:
        citizen = Citizen(chat_token=secrets.token_urlsafe(16))
        session.add(citizen)
        session.flush()
    resume = secrets.token_urlsafe(24)
    contact = Contact(channel=Channel.chat, citizen_id=citizen.id, resume_token_hash=token_hash(resume))
    if language:
        contact.language = language
    session.add(contact)
    session.flush()
    actor = f"citizen:{citizen.id}"
    case = _open_case_for(session, citizen, contact, actor)
    audit.record(session, action="contact.opened", actor=actor, entity="contact", entity_id=contact.id,
                 case_id=case.id, contact_id=contact.id, data={"channel": "chat"}, occurred_at=contact.started_at)
    return contact, resume


def resume_chat(session: Session, resume_token: str) -> Contact | None:
    """The chat contact a resume token belongs to, if it is still running."""
    contact = session.execute(
        select(Contact).where(Contact.resume_token_hash == token_hash(resume_token))).scalar_one_or_none()
    if contact is None or contact.status == ContactStatus.ended:
        return None
    return contact


def start_call(session: Session, *, phone: str, call_sid: str, started_at: datetime | None = None) -> Contact:
    """A new phone call (idempotent on the CallSid)."""
    existing = session.execute(select(Contact).where(Contact.external_id == call_sid)).scalar_one_or_none()
    if existing is not None:
        return existing
    citizen = session.execute(select(Citizen).where(Citizen.phone == phone).order_by(Citizen.id)).scalars().first()
    if citizen is None:
        citizen = Citizen(phone=phone)
        session.add(citizen)
        session.flush()
    contact = Contact(channel=Channel.call, citizen_id=citizen.id, external_id=call_sid,
                      started_at=as_utc(started_at) or utcnow())
    session.add(contact)
    session.flush()
    case = _open_case_for(session, citizen, contact, "twilio")
    audit.record(session, action="contact.opened", actor="twilio", entity="contact", entity_id=contact.id,
                 case_id=case.id, contact_id=contact.id, data={"channel": "call", "call_sid": call_sid,
                                                               "from": phone},
                 occurred_at=contact.started_at)
    return contact


def get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"contact {contact_id} not found")
    return contact


def contact_by_call_sid(session: Session, call_sid: str) -> Contact | None:
    return session.execute(select(Contact).where(Contact.external_id == call_sid)).scalar_one_or_none()


def add_utterance(session: Session, contact: Contact, *, speaker: str, text: str, client_id: str | None = None,
                  source: str = "chat", author_id: int | None = None, started_at: datetime | None = None,
                  ended_at: datetime | None = None, confidence: float | None = None,
                  raw_text: str | None = None) -> tuple[Utterance, bool]:
    """Store one final utterance. Idempotent on (contact, client_id): returns (utterance, created)."""
    if speaker not in Speaker.__members__:
        raise ContactError(f"unknown speaker {speaker!r}")
    if client_id:
        existing = session.execute(select(Utterance).where(
            Utterance.contact_id == contact.id, Utterance.client_id == client_id)).scalar_one_or_none()
        if existing is not None:
            return existing, False
    now = utcnow()
    utt = Utterance(contact_id=contact.id, speaker=speaker, text=text, client_id=client_id, source=source,
                    author_id=author_id, started_at=as_utc(started_at) or now, ended_at=as_utc(ended_at),
                    created_at=now, confidence=confidence, raw_text=raw_text)
    session.add(utt)
    session.flush()
    actor = Actor.staff(author_id) if author_id else (f"citizen:{contact.citizen_id}" if speaker == "citizen" else "system")
    audit.record(session, action="utterance.stored", actor=actor, entity="utterance", entity_id=utt.id,
                 case_id=contact.case_id, contact_id=contact.id, occurred_at=utt.started_at,
                 data={"speaker": speaker, "source": source, "text": text, "text_hmac": audit.text_digest(session, text),
                       **({"raw_text": raw_text} if raw_text is not None else {})})
    return utt, True


def transcript(session: Session, contact_id: int, limit: int | None = None) -> list[Utterance]:
    query = select(Utterance).where(Utterance.contact_id == contact_id).order_by(Utterance.id)
    rows = list(session.execute(query).scalars())
    return rows[-limit:] if limit else rows


def case_transcript(session: Session, case_id: int) -> list[Utterance]:
    query = (select(Utterance).join(Contact, Contact.id == Utterance.contact_id)
             .where(Contact.case_id == case_id).order_by(Utterance.id))
    return list(session.execute(query).scalars())


_CITIZEN_TEXTS = (select(Utterance.text).where(Utterance.contact_id == bindparam("contact_id"),
                                                Utterance.speaker == Speaker.citizen)
                  .order_by(Utterance.id.desc()).limit(bindparam("limit", type_=Integer)))


def citizen_texts(session: Session, contact_id: int, limit: int = 8) -> list[str]:
    """The most recent citizen utterances of a contact, oldest first (for conversation queries).
    A statement built once: every routing offer previews the contact with it."""
    rows = session.execute(_CITIZEN_TEXTS, {"contact_id": contact_id, "limit": limit}).scalars().all()
    return list(reversed(rows))


def mark_answered(session: Session, contact: Contact, lawyer_id: int, *, at: datetime | None = None) -> None:
    """A lawyer has taken the contact: answer time, queue wait, and 首问负责 on the case."""
    at = as_utc(at) or utcnow()
    contact.lawyer_id = lawyer_id
    contact.status = ContactStatus.active
    if contact.answered_at is None:
        contact.answered_at = at
        contact.queue_wait_s = (at - (contact.queued_at or contact.started_at)).total_seconds()
    session.add(contact)
    if contact.case_id is not None:
        case = cases.get_case(session, contact.case_id)
        cases.claim_first_response(session, case, lawyer_id, actor=Actor.staff(lawyer_id))
        if case.status in ("received", "routed"):
            cases.move(session, case, "in_progress", actor=Actor.staff(lawyer_id), reason="lawyer answered")
    audit.record(session, action="contact.answered", actor=Actor.staff(lawyer_id), entity="contact",
                 entity_id=contact.id, case_id=contact.case_id, contact_id=contact.id, occurred_at=at,
                 data={"queue_wait_s": contact.queue_wait_s})


def end_contact(session: Session, contact: Contact, *, actor: str, outcome: str | None = None,
                at: datetime | None = None, disposition: str = "", data: dict[str, Any] | None = None) -> Contact:
    """End a contact; the outcome is 'answered' if a lawyer took it, else 'abandoned' unless given.
    `data`: more facts for the audit entry (e.g. why the system ended it)."""
    if contact.status == ContactStatus.ended:
        return contact
    at = as_utc(at) or utcnow()
    contact.ended_at = at
    contact.status = ContactStatus.ended
    contact.outcome = outcome or (Outcome.answered if contact.answered_at else Outcome.abandoned)
    if disposition:
        contact.disposition = disposition
    session.add(contact)
    audit.record(session, action="contact.ended", actor=actor, entity="contact", entity_id=contact.id,
                 case_id=contact.case_id, contact_id=contact.id, occurred_at=at,
                 data={"outcome": contact.outcome, "disposition": contact.disposition, **(data or {})})
    return contact


# -- citizen presence on chats ---------------------------------------------------------------------
# A chat survives its socket (a reload, a network change, a server restart: the page reconnects
# with its resume token), so a closed socket does not end it. Instead `Contact.citizen_left_at`
# records when the citizen's last socket went away, and `sweep_departed_chats` ends the chats
# whose citizen stayed away past a grace period. All of it is in the database, so it holds across
# restarts and worker processes.

CITIZEN_LEFT_NOTICE = "市民已离开会话，本次咨询已自动结束。"


def citizen_present(session: Session, contact: Contact) -> None:
    """A citizen socket said hello to, resumed or wrote on this chat: the citizen is here."""
    if contact.citizen_left_at is not None:
        contact.citizen_left_at = None
        session.add(contact)


def citizen_left(session: Session, contact_id: int, at: datetime | None = None) -> bool:
    """The last citizen socket bound to this chat (in this process) went away."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.channel != Channel.chat or contact.status == ContactStatus.ended:
        return False
    contact.citizen_left_at = as_utc(at) or utcnow()
    session.add(contact)
    return True


def mark_chats_departed(session: Session, at: datetime | None = None) -> int:
    """At start-up: running chats not marked as left lost their sockets with the previous process.
    Citizens still there reconnect within seconds and clear the mark. Returns how many were marked."""
    result = session.execute(update(Contact).where(
        Contact.channel == Channel.chat, Contact.status != ContactStatus.ended, Contact.citizen_left_at.is_(None))
        .values(citizen_left_at=as_utc(at) or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def sweep_departed_chats(session: Session, *, abandon_after_s: float, idle_end_after_s: float,
                         present: Iterable[int] = (), now: datetime | None = None) -> list[tuple[int, dict[str, Any]]]:
    """End the chats whose citizen has been away past the grace period: `abandon_after_s` if no
    lawyer had answered when the citizen left (outcome abandoned, or citizen_left if a lawyer took
    the chat meanwhile), `idle_end_after_s` if one had (outcome citizen_left). Each gets a system
    utterance (CITIZEN_LEFT_NOTICE) for the lawyer and the record.

    `present`: the contacts a socket of the calling process is bound to; their mark is cleared
    (another process's start-up may have set it) and they are never ended.
    Returns (contact_id, notice utterance event) per contact ended; after the commit the caller
    runs `hotline.contacts.flows.contact_ended` (the queue: routing.abandoned, offers cancelled,
    wrap-up; then the events), as for a citizen's `end` frame."""
    now = as_utc(now) or utcnow()
    present = sorted(set(present))
    if present:
        session.execute(update(Contact).where(Contact.id.in_(present), Contact.citizen_left_at.is_not(None))
                        .values(citizen_left_at=None).execution_options(synchronize_session=False))
    cutoff = now - timedelta(seconds=min(abandon_after_s, idle_end_after_s))
    query = (select(Contact).where(Contact.channel == Channel.chat, Contact.status != ContactStatus.ended,
                                   Contact.citizen_left_at.is_not(None), Contact.citizen_left_at <= cutoff)
             .order_by(Contact.citizen_left_at, Contact.id)
             .with_for_update(skip_locked=True))  # PostgreSQL: another worker's sweep takes the others
    if present:
        query = query.where(Contact.id.not_in(present))
    ended: list[tuple[int, dict[str, Any]]] = []
    for contact in session.execute(query).scalars():
        left_at, answered_at = as_utc(contact.citizen_left_at), as_utc(contact.answered_at)
        away_s = (now - left_at).total_seconds()
        # a citizen who left while still waiting gets the short grace, even if a lawyer has since
        # taken the chat (the lawyer would otherwise talk to nobody for the long one)
        talking = answered_at is not None and answered_at < left_at
        if away_s < (idle_end_after_s if talking else abandon_after_s):
            continue
        utt, _ = add_utterance(session, contact, speaker="system", text=CITIZEN_LEFT_NOTICE, source="system",
                               started_at=now)
        end_contact(session, contact, actor="system", at=left_at,  # the event: when the citizen left
                    outcome=Outcome.citizen_left if answered_at is not None else Outcome.abandoned,
                    data={"reason": "citizen_gone", "citizen_left_at": left_at.isoformat(), "away_s": round(away_s, 3)})
        ended.append((contact.id, utterance_event(utt)))
    return ended


def rate(session: Session, contact: Contact, *, score: int, comment: str = "", actor: str) -> SatisfactionRating:
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ContactError("评分须为 1 到 5 的整数 (score must be 1-5)")
    if len(comment) > 500:
        raise ContactError("评价内容不能超过 500 字")
    rating = session.execute(select(SatisfactionRating).where(
        SatisfactionRating.contact_id == contact.id)).scalar_one_or_none()
    if rating is not None:
        raise ContactError("本次服务已评价 (this contact is already rated)")
    rating = SatisfactionRating(contact_id=contact.id, case_id=contact.case_id, score=score, comment=comment,
                                channel=contact.channel)
    session.add(rating)
    session.flush()
    audit.record(session, action="contact.rated", actor=actor, entity="contact", entity_id=contact.id,
                 case_id=contact.case_id, contact_id=contact.id, data={"score": score, "comment": comment})
    return rating


def correct_utterance(session: Session, utt: Utterance, text: str, *, actor: str, reason: str) -> Utterance:
    """Correct a stored utterance (e.g. an ASR error); the earlier text is kept as a revision."""
    text = text.strip()
    if not text:
        raise ContactError("更正后的内容不能为空")
    if not reason.strip():
        raise ContactError("更正须填写原因 (a correction needs a reason)")
    if text == utt.text:
        return utt
    before = revisions.keep(session, "utterance", utt, actor=actor, reason=reason)
    utt.text = text
    session.add(utt)
    contact = get_contact(session, utt.contact_id)
    audit.record(session, action="utterance.corrected", actor=actor, entity="utterance", entity_id=utt.id,
                 case_id=contact.case_id, contact_id=contact.id, before={"text": before["text"]},
                 after={"text": text}, data={"reason": reason, "version": utt.version,
                                             "text_hmac": audit.text_digest(session, text)})
    return utt


def update_citizen(session: Session, citizen: Citizen, changes: CitizenUpdate, *, actor: str,
                   case_id: int | None = None) -> Citizen:
    """Fill in or correct a citizen's details; earlier versions are kept, the log holds redacted values."""
    fields = {k: v.strip() for k, v in changes.model_dump(exclude_unset=True, exclude={"reason"}).items()
              if v is not None and getattr(citizen, k) != v.strip()}
    if not fields:
        return citizen
    before = revisions.keep(session, "citizen", citizen, actor=actor, reason=changes.reason or "update")
    for key, value in fields.items():
        setattr(citizen, key, value)
    session.add(citizen)
    audit.record(session, action="citizen.updated", actor=actor, entity="citizen", entity_id=citizen.id,
                 case_id=case_id, before={k: before[k] for k in fields}, after=fields,
                 data={"reason": changes.reason, "version": citizen.version})
    return citizen


def record_consent(session: Session, contact: Contact, version: str) -> bool:
    """The citizen agreed to the privacy notice `version` for this contact (once; later calls
    change nothing). Returns whether it was recorded now."""
    if contact.consent_at is not None:
        return False
    contact.consent_at, contact.consent_version = utcnow(), version[:20]
    session.add(contact)
    audit.record(session, action="contact.consent", actor=f"citizen:{contact.citizen_id}", entity="contact",
                 entity_id=contact.id, case_id=contact.case_id, contact_id=contact.id,
                 occurred_at=contact.consent_at, data={"version": contact.consent_version})
    return True
