"""Supervision across domains: bridging a call into a conference (voice), and a manager coaching
or barging into it (Twilio Participants API, monitoring sessions, audit)."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import StaffUser
from hotline.contacts.models import Channel, Contact
from hotline.supervision import calls, service
from hotline.supervision.models import MonitorSession
from hotline.voice import twiml
from hotline.voice.models import CallEvent

log = logging.getLogger("hotline.supervision")

LAWYER_LEG = "conference_lawyer"


def bridge_in_conference(session: Session, settings: Any, urls: Any, contact: Contact, lawyer: StaffUser,
                         client: calls.Conferences | None = None) -> str:
    """The caller's conference TwiML; the lawyer's leg is added through the API and its CallSid
    kept (a call event) so a manager can coach the lawyer."""
    from hotline.voice import service as voice

    try:
        client = client or calls.Conferences(settings)
        try:
            leg = client.add(contact.id, calls.endpoint(lawyer), label="lawyer", end_on_exit=False)
        finally:
            client.close()
    except calls.TwilioError as exc:  # the caller still reaches the lawyer, without supervision
        log.error("conference bridge failed for contact %s: %s", contact.id, exc)
        return twiml.dial(settings, urls, contact.id, lawyer, caller_id=settings.twilio_caller_id)
    voice.record_event(session, call_sid=contact.external_id or "", event=LAWYER_LEG, contact=contact, phase="bridged",
                       data={"participant_call_sid": leg.get("call_sid", ""), "lawyer_id": lawyer.id,
                             "conference": calls.conference_name(contact.id)})
    return calls.bridge(settings, urls, contact.id, lawyer)


def lawyer_leg(session: Session, contact_id: int) -> str:
    row = session.execute(select(CallEvent).where(CallEvent.contact_id == contact_id, CallEvent.event == LAWYER_LEG)
                          .order_by(CallEvent.id.desc()).limit(1)).scalar_one_or_none()
    if row is None or not row.data.get("participant_call_sid"):
        raise service.SupervisionError("该通话不在会议桥中，无法指导或插入 (call not bridged in a conference)")
    return row.data["participant_call_sid"]


def join_call(session: Session, settings: Any, manager: StaffUser, contact_id: int, mode: str,
              client: calls.Conferences | None = None) -> tuple[MonitorSession, service.Events]:
    """`mode` coach: the manager's phone joins hearing both, heard by the lawyer only; barge:
    heard by both (a coaching leg is switched over, else a new leg joins)."""
    if mode not in ("coach", "barge"):
        raise service.SupervisionError("mode 须为 coach 或 barge (mode)")
    contact = service._live_contact(session, contact_id)
    if contact.channel != Channel.call:
        raise service.SupervisionError("在线咨询请使用加入会话 (use the chat barge for chats)")
    coach_sid = lawyer_leg(session, contact_id)
    row = service._open_session(session, manager.id, contact_id)
    events: service.Events = []
    if row is None:
        row, events = service.start_monitor(session, manager, contact_id)
    if row.mode == mode:
        return row, events
    client = client or calls.Conferences(settings)
    try:
        if mode == "barge" and row.participant_sid:
            answer = client.stop_coaching(contact_id, row.participant_sid)
        else:
            if row.participant_sid:  # coach again after a barge: a fresh leg
                client.remove(contact_id, row.participant_sid)
            answer = client.add(contact_id, calls.endpoint(manager), label="supervisor",
                                coach_call_sid=coach_sid if mode == "coach" else "")
    finally:
        client.close()
    row.participant_sid = answer.get("call_sid", row.participant_sid)
    row.mode = mode
    session.add(row)
    audit.record(session, action=f"supervision.{mode}", actor=f"staff:{manager.id}", entity="monitor",
                 entity_id=row.id, case_id=contact.case_id, contact_id=contact_id,
                 data={"channel": "call", "participant_call_sid": row.participant_sid,
                       "call_sid_to_coach": coach_sid if mode == "coach" else "", "lawyer_id": contact.lawyer_id})
    return row, events + service._lawyer_notice(session, contact, manager, True, mode)


def leave(session: Session, settings: Any, manager: StaffUser, monitor_id: int,
          client: calls.Conferences | None = None) -> service.Events:
    """End monitoring; a manager's conference leg is hung up."""
    row = session.get(MonitorSession, monitor_id)
    if row is not None and row.manager_id == manager.id and row.ended_at is None and row.participant_sid:
        client = client or calls.Conferences(settings)
        try:
            client.remove(row.contact_id, row.participant_sid)
        except calls.TwilioError:
            pass  # the call may be over already; the monitoring still ends
        finally:
            client.close()
    return service.end_monitor(session, manager, monitor_id)
