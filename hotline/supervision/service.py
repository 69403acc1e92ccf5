"""Live supervision: the wallboard's list of live contacts, monitoring sessions, whispers, and
joining a chat as 督导. Functions work in the caller's transaction and return the events to
publish after the commit (topic, payload)."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.assist.models import Suggestion
from hotline.audit import service as audit
from hotline.audit.models import AuditEntry
from hotline.auth.models import StaffUser
from hotline.contacts import service as contacts
from hotline.contacts.models import Channel, Contact, ContactStatus
from hotline.deadlines.service import local_text
from hotline.policy import service as policy
from hotline.privacy import redact, redact_value
from hotline.safety.service import flags as safety_flags, labels as safety_labels
from hotline.supervision.models import MonitorSession, Whisper
from hotline.timeutil import as_utc, utcnow

LIVE = [ContactStatus.open, ContactStatus.queued, ContactStatus.offered, ContactStatus.active, ContactStatus.wrapup]
Events = list[tuple[str, dict[str, Any]]]


class SupervisionError(ValueError):
    pass


def _live_contact(session: Session, contact_id: int) -> Contact:
    contact = contacts.get_contact(session, contact_id)
    if contact.status == ContactStatus.ended:
        raise SupervisionError("该咨询已结束 (contact has ended)")
    return contact


def live_contacts(session: Session, tz: ZoneInfo, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every running contact: lawyer, waiting or talking time, category, suggestions marked
    unhelpful, who is monitoring it; the citizen's latest words redacted."""
    from hotline.directory.service import list_categories

    now = now or utcnow()
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    categories = {c.code: c.name for c in list_categories(session, active_only=False)}
    rows = list(session.execute(select(Contact).where(Contact.status.in_(LIVE)).order_by(Contact.id)).scalars())
    ids = [c.id for c in rows]
    unhelpful = dict(session.execute(select(Suggestion.contact_id, func.count()).where(
        Suggestion.contact_id.in_(ids), Suggestion.rating == "unhelpful").group_by(Suggestion.contact_id)).all()) \
        if ids else {}
    watching: dict[int, list[str]] = {}
    for m in session.execute(select(MonitorSession).where(MonitorSession.contact_id.in_(ids),
                                                          MonitorSession.ended_at.is_(None))).scalars():
        watching.setdefault(m.contact_id, []).append(f"{names.get(m.manager_id, '')}（{MODE_LABELS[m.mode]}）")
    out = []
    for c in rows:
        answered = as_utc(c.answered_at)
        since = answered or as_utc(c.queued_at) or as_utc(c.started_at)
        preview = contacts.citizen_texts(session, c.id, limit=1)
        out.append({"id": c.id, "channel": c.channel, "channel_label": "电话" if c.channel == Channel.call else "在线",
                    "status": c.status, "lawyer_id": c.lawyer_id, "lawyer": names.get(c.lawyer_id, "") if c.lawyer_id else "",
                    "category": categories.get(c.category_code, c.category_code or "未分类"),
                    "phase": "talking" if answered else "waiting", "seconds": round((now - since).total_seconds()),
                    "unhelpful": int(unhelpful.get(c.id, 0)), "monitored_by": watching.get(c.id, []),
                    "preview": redact(preview[0])[:60] if preview else "", "started_local": local_text(c.started_at, tz),
                    "safety": safety_labels(session, safety_flags(c)), "priority": c.priority or 0})
    out.sort(key=lambda row: (-row["priority"], row["id"]))  # danger first
    return out


MODE_LABELS = {"monitor": "监听", "coach": "指导", "barge": "插入"}


def _open_session(session: Session, manager_id: int, contact_id: int) -> MonitorSession | None:
    return session.execute(select(MonitorSession).where(
        MonitorSession.contact_id == contact_id, MonitorSession.manager_id == manager_id,
        MonitorSession.ended_at.is_(None)).order_by(MonitorSession.id.desc()).limit(1)).scalar_one_or_none()


def _lawyer_notice(session: Session, contact: Contact, manager: StaffUser, active: bool, mode: str) -> Events:
    if contact.lawyer_id is None or not policy.get(session, "supervision.lawyer_sees_monitoring"):
        return []
    return [(f"staff:{contact.lawyer_id}", {"type": "monitoring", "contact_id": contact.id, "active": active,
                                            "mode": mode, "by": manager.display_name})]


def start_monitor(session: Session, manager: StaffUser, contact_id: int) -> tuple[MonitorSession, Events]:
    contact = _live_contact(session, contact_id)
    row = _open_session(session, manager.id, contact_id)
    if row is not None:
        return row, []
    row = MonitorSession(contact_id=contact_id, manager_id=manager.id, lawyer_id=contact.lawyer_id)
    session.add(row)
    session.flush()
    audit.record(session, action="supervision.monitor_started", actor=f"staff:{manager.id}", entity="monitor",
                 entity_id=row.id, case_id=contact.case_id, contact_id=contact_id,
                 data={"lawyer_id": contact.lawyer_id, "channel": contact.channel})
    return row, _lawyer_notice(session, contact, manager, True, "monitor")


def end_monitor(session: Session, manager: StaffUser, monitor_id: int) -> Events:
    row = session.get(MonitorSession, monitor_id)
    if row is None or row.manager_id != manager.id:
        raise LookupError(f"监听记录不存在 (monitor {monitor_id} not found)")
    if row.ended_at is not None:
        return []
    row.ended_at = utcnow()
    session.add(row)
    contact = contacts.get_contact(session, row.contact_id)
    audit.record(session, action="supervision.monitor_ended", actor=f"staff:{manager.id}", entity="monitor",
                 entity_id=row.id, case_id=contact.case_id, contact_id=row.contact_id,
                 data={"mode": row.mode, "seconds": round((row.ended_at - as_utc(row.started_at)).total_seconds(), 1)})
    return _lawyer_notice(session, contact, manager, False, row.mode)


def whisper(session: Session, manager: StaffUser, contact_id: int, text: str) -> tuple[Whisper, Events]:
    """A note only the lawyer sees: delivered on the lawyer's own staff topic, never on the
    contact's topic (the citizen's chat listens there)."""
    text = text.strip()
    if not text:
        raise SupervisionError("提示内容不能为空 (text)")
    contact = _live_contact(session, contact_id)
    if contact.lawyer_id is None:
        raise SupervisionError("该咨询尚无接待律师 (no lawyer yet)")
    if _open_session(session, manager.id, contact_id) is None:
        raise SupervisionError("请先开始监听 (start monitoring first)")
    row = Whisper(contact_id=contact_id, manager_id=manager.id, lawyer_id=contact.lawyer_id, text=text[:500])
    session.add(row)
    session.flush()
    audit.record(session, action="supervision.whisper", actor=f"staff:{manager.id}", entity="whisper",
                 entity_id=row.id, case_id=contact.case_id, contact_id=contact_id,
                 data={"lawyer_id": contact.lawyer_id, "text": text, "text_hmac": audit.text_digest(session, text)})
    event = {"type": "whisper", "id": row.id, "contact_id": contact_id, "text": row.text,
             "by": manager.display_name, "at": row.created_at.isoformat()}
    return row, [(f"staff:{contact.lawyer_id}", event), (f"staff:{manager.id}", event)]


JOIN_NOTICE = "督导{name}已加入会话。"


def barge_chat(session: Session, manager: StaffUser, contact_id: int) -> tuple[MonitorSession, Events]:
    """The manager joins the chat as 督导: the citizen and the lawyer see a notice, and the
    manager's messages carry speaker `supervisor`."""
    contact = _live_contact(session, contact_id)
    if contact.channel != Channel.chat:
        raise SupervisionError("电话请使用插入通话 (use the call barge for calls)")
    row = _open_session(session, manager.id, contact_id)
    if row is None:
        row, events = start_monitor(session, manager, contact_id)
    else:
        events = []
    if row.mode == "barge":
        return row, events
    row.mode = "barge"
    session.add(row)
    utt, _ = contacts.add_utterance(session, contact, speaker="system", source="system",
                                    text=JOIN_NOTICE.format(name=manager.display_name))
    audit.record(session, action="supervision.barge", actor=f"staff:{manager.id}", entity="monitor",
                 entity_id=row.id, case_id=contact.case_id, contact_id=contact_id,
                 data={"channel": "chat", "lawyer_id": contact.lawyer_id})
    return row, events + [(f"contact:{contact_id}", contacts.utterance_event(utt))] \
        + _lawyer_notice(session, contact, manager, True, "barge")


def supervisor_message(session: Session, manager: StaffUser, contact_id: int, text: str,
                       client_id: str | None = None) -> Events:
    contact = _live_contact(session, contact_id)
    row = _open_session(session, manager.id, contact_id)
    if row is None or row.mode != "barge":
        raise SupervisionError("请先加入会话 (barge in first)")
    utt, _ = contacts.add_utterance(session, contact, speaker="supervisor", text=text.strip(), source="chat",
                                    author_id=manager.id, client_id=client_id)
    return [(f"contact:{contact_id}", contacts.utterance_event(utt))]


def activity(session: Session, contact_id: int, tz: ZoneInfo, after_seq: int = 0, limit: int = 200) -> list[dict]:
    """The contact's log as the monitor view shows it: what the lawyer and the system did."""
    rows = session.execute(select(AuditEntry).where(AuditEntry.contact_id == contact_id, AuditEntry.seq > after_seq)
                           .order_by(AuditEntry.seq).limit(limit)).scalars()
    return [{"seq": e.seq, "action": e.action, "actor": e.actor, "at": local_text(e.occurred_at, tz),
             "data": redact_value({k: v for k, v in (e.data or {}).items() if k not in ("text", "sha256")})}
            for e in rows if e.action != "utterance.stored"]


def for_lawyer(session: Session, lawyer_id: int) -> dict[str, Any]:
    """What the console shows its lawyer on load: open monitoring (if the policy says so) and the
    whispers on their running contacts."""
    running = [c for c, in session.execute(select(Contact.id).where(Contact.lawyer_id == lawyer_id,
                                                                    Contact.status.in_(LIVE)))]
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    monitoring = []
    if running and policy.get(session, "supervision.lawyer_sees_monitoring"):
        monitoring = [{"contact_id": m.contact_id, "mode": m.mode, "by": names.get(m.manager_id, "")}
                      for m in session.execute(select(MonitorSession).where(
                          MonitorSession.contact_id.in_(running), MonitorSession.ended_at.is_(None))).scalars()]
    whispers = [{"id": w.id, "contact_id": w.contact_id, "text": w.text, "by": names.get(w.manager_id, ""),
                 "at": w.created_at.isoformat()}
                for w in session.execute(select(Whisper).where(Whisper.contact_id.in_(running))
                                         .order_by(Whisper.id)).scalars()] if running else []
    return {"monitoring": monitoring, "whispers": whispers}
