"""Phone calls in the database: call events, recognised speech stored as utterances, the next
step of a call (bridge to the lawyer, voice message, keep waiting), voice messages becoming
callbacks, the satisfaction rating and the end of the call.

Functions work in the caller's transaction; those that change routing state return the
routing `Events` to publish after the commit.
"""
from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import StaffUser
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, ContactStatus, Outcome, Utterance
from hotline.queue import service as queue
from hotline.queue.models import Callback
from hotline.roster.service import anyone_on_duty
from hotline.timeutil import as_utc, utcnow
from hotline.voice.models import CallEvent

# Twilio CallStatus values that end a call, and what they mean for the contact's outcome.
TERMINAL = {"completed", "failed", "busy", "no-answer", "canceled"}
STATUS_NAMES = {"queued": "queued", "initiated": "initiated", "ringing": "ringing", "in-progress": "answered",
                "completed": "completed", "failed": "failed", "busy": "busy", "no-answer": "no_answer",
                "canceled": "canceled"}
VOICEMAIL_DIGIT = "0"


class VoiceError(ValueError):
    pass


def twilio_time(value: str | None) -> datetime | None:
    """Twilio's `Timestamp` parameter (RFC 2822, e.g. 'Tue, 10 Jun 2025 03:04:05 +0000')."""
    if not value:
        return None
    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def record_event(session: Session, *, call_sid: str, event: str, contact: Contact | None = None, phase: str = "",
                 occurred_at: datetime | None = None, data: dict[str, Any] | None = None,
                 actor: str = "twilio") -> CallEvent:
    """One call event, with its audit entry (`call.<event>`)."""
    now = utcnow()
    row = CallEvent(contact_id=contact.id if contact else None, call_sid=call_sid, event=event, phase=phase,
                    occurred_at=as_utc(occurred_at) or now, recorded_at=now, data=dict(data or {}))
    session.add(row)
    session.flush()
    audit.record(session, action=f"call.{event}", actor=actor, entity="contact", entity_id=contact.id if contact else "",
                 case_id=contact.case_id if contact else None, contact_id=contact.id if contact else None,
                 occurred_at=row.occurred_at, data={"call_sid": call_sid, "phase": phase, **(data or {})})
    return row


def events(session: Session, call_sid: str, event: str | None = None) -> list[CallEvent]:
    query = select(CallEvent).where(CallEvent.call_sid == call_sid)
    if event:
        query = query.where(CallEvent.event == event)
    return list(session.execute(query.order_by(CallEvent.id)).scalars())


def incoming_call(session: Session, *, call_sid: str, phone: str, to: str = "",
                  occurred_at: datetime | None = None) -> Contact:
    """The voice webhook: the contact for this call (idempotent on the CallSid, Twilio retries)."""
    if not call_sid or len(call_sid) > 64:
        raise VoiceError("缺少或无效的 CallSid (missing or invalid CallSid)")
    existing = contacts.contact_by_call_sid(session, call_sid)
    if existing is not None:
        return existing
    contact = contacts.start_call(session, phone=(phone or "unknown")[:32], call_sid=call_sid, started_at=occurred_at)
    record_event(session, call_sid=call_sid, event="incoming", contact=contact, occurred_at=contact.started_at,
                 data={"from": phone, "to": to})
    return contact


def contact_for_call(session: Session, call_sid: str) -> Contact:
    contact = contacts.contact_by_call_sid(session, call_sid or "")
    if contact is None:
        raise LookupError(f"未知的通话 (unknown call {call_sid!r})")
    return contact


def call_status(session: Session, contact: Contact, status: str, *, occurred_at: datetime | None = None,
                data: dict[str, Any] | None = None) -> bool:
    """A status callback. Returns True when it ended the contact (then run `contacts.flows.contact_ended`)."""
    name = STATUS_NAMES.get(status)
    if name is None:
        raise VoiceError(f"未知的通话状态 (unknown CallStatus {status!r})")
    at = as_utc(occurred_at) or utcnow()
    record_event(session, call_sid=contact.external_id or "", event=name, contact=contact, occurred_at=at,
                 data=data or {})
    if status not in TERMINAL or contact.status == ContactStatus.ended:
        return False
    if events(session, contact.external_id or "", "voicemail"):
        outcome = Outcome.callback
    elif contact.answered_at is not None:
        outcome = Outcome.answered
    elif status in ("failed", "busy", "no-answer"):
        outcome = Outcome.failed
    else:
        outcome = Outcome.abandoned
    contacts.end_contact(session, contact, actor="twilio", outcome=outcome, at=at)
    return True


def store_final(session: Session, contact_id: int, *, speaker: str, text: str, client_id: str,
                started_at: datetime, ended_at: datetime, confidence: float | None,
                raw_text: str | None = None) -> tuple[Utterance, bool]:
    """A final recognised utterance, stored as it comes (idempotent on `client_id`). The lawyer's
    words (the outbound track of a bridged call) are theirs: authored by the contact's lawyer."""
    contact = contacts.get_contact(session, contact_id)
    author = contact.lawyer_id if speaker == "lawyer" else None
    return contacts.add_utterance(session, contact, speaker=speaker, text=text, client_id=client_id, source="asr",
                                  started_at=started_at, ended_at=ended_at, confidence=confidence, author_id=author,
                                  raw_text=raw_text)


def next_step(session: Session, contact: Contact, config: queue.Config) -> tuple[str, StaffUser | None]:
    """After the intake stream closed: ('dial', lawyer) | ('voicemail', None) | ('wait', None)."""
    lawyer = queue.assigned_lawyer(session, contact.id)
    if lawyer is not None:
        return "dial", lawyer
    asked = any(e.data.get("digit") == VOICEMAIL_DIGIT for e in events(session, contact.external_id or "", "dtmf"))
    if asked or not anyone_on_duty(session, utcnow(), config):
        return "voicemail", None
    return "wait", None


def voicemail_left(session: Session, contact: Contact, *, recording_url: str = "", duration_s: float | None = None,
                   recording_sid: str = "", since: datetime | None = None) -> queue.Events:
    """The caller left a voice message: a callback task carrying its transcript (the citizen's
    recognised speech of the voice-message phase, or of the whole call when there is none)."""
    queue.lock(session)  # before the look for a callback: the intake may be creating one right now
    said = [u for u in contacts.transcript(session, contact.id) if u.speaker == "citizen"]
    phase_said = [u for u in said if since is None or as_utc(u.started_at) >= since]
    transcript = "".join(u.text for u in (phase_said or said))
    note = f"语音留言（{round(duration_s or 0)} 秒）：{transcript or '（未识别到语音）'}"
    if recording_url:
        note += f"\n{queue.RECORDING_PREFIX}{recording_url}"
    existing = session.execute(select(Callback).where(Callback.contact_id == contact.id)).scalar_one_or_none()
    events = queue.Events()
    if existing is None:
        events = queue.create_callback(session, contact.id, reason="语音留言", note=note)
    elif note not in existing.note:
        before = existing.note
        existing.note = (existing.note + "\n" + note).strip()
        session.add(existing)
        audit.record(session, action="routing.callback_note", actor="twilio", entity="callback", entity_id=existing.id,
                     case_id=contact.case_id, contact_id=contact.id, before={"note": before},
                     after={"note": existing.note})
        events.add("queues", {"type": "callback", "contact_id": contact.id})
    record_event(session, call_sid=contact.external_id or "", event="voicemail", contact=contact, phase="voicemail",
                 data={"recording_url": recording_url, "recording_sid": recording_sid, "duration_s": duration_s,
                       "transcript": transcript})
    return events


def rate_call(session: Session, contact: Contact, digits: str) -> int:
    """The satisfaction keypress (1-5) after the lawyer hung up."""
    digits = (digits or "").strip()
    if len(digits) != 1 or digits not in "12345":
        raise contacts.ContactError(f"评分须为 1 到 5 (got {digits!r})")
    score = int(digits)
    contacts.rate(session, contact, score=score, actor=f"citizen:{contact.citizen_id}")
    return score


def dial_finished(session: Session, contact: Contact, *, status: str, duration_s: float | None,
                  data: dict[str, Any] | None = None) -> bool:
    """The <Dial> to the lawyer ended; True if the lawyer was actually talked to."""
    record_event(session, call_sid=contact.external_id or "", event="dial_ended", contact=contact, phase="bridged",
                 data={"dial_status": status, "duration_s": duration_s, **(data or {})})
    return status == "completed"
