"""Case lifecycle: intake, status moves, the first-responder owner (首问负责), deadlines
(限时办结), corrections that keep every earlier version."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.cases.models import OPEN_STATUSES, STATUS_LABELS, TRANSITIONS, Case, CaseStatus, CaseUpdate
from hotline.config import get_settings
from hotline.directory.service import get_category
from hotline.revisions import service as revisions_service
from hotline.revisions.models import Revision
from hotline.timeutil import as_utc, utcnow


class CaseError(ValueError):
    pass


def snapshot(case: Case) -> dict[str, Any]:
    return case.model_dump(mode="json")


def _deadline(session: Session, case: Case) -> datetime | None:
    from hotline.deadlines.service import answer_deadline  # working days, where the category has them

    due = answer_deadline(session, case)
    if due is not None:
        return due
    category = get_category(session, case.category_code)
    if category is None:
        return None
    return case.received_at + timedelta(hours=category.time_limit_hours)


def open_case(session: Session, *, citizen_id: int, actor: str, received_at: datetime | None = None,
              category_code: str | None = None, summary: str = "", contact_id: int | None = None) -> Case:
    """Register a new matter (受理). `received_at` is when it came in; it may be in the past."""
    now = utcnow()
    case = Case(reference=f"pending-{uuid.uuid4().hex[:20]}", citizen_id=citizen_id, category_code=category_code,
                summary=summary, status=CaseStatus.received, received_at=as_utc(received_at) or now,
                created_at=now, updated_at=now)
    case.deadline_at = _deadline(session, case)
    session.add(case)
    session.flush()
    # the date part is the hotline's calendar day (a contact at 00:36 Beijing time is that day's)
    local_day = case.received_at.astimezone(ZoneInfo(get_settings().timezone))
    case.reference = f"12348-{local_day:%Y%m%d}-{case.id:06d}"
    session.add(case)
    audit.record(session, action="case.opened", actor=actor, entity="case", entity_id=case.id, case_id=case.id,
                 contact_id=contact_id, after=snapshot(case), occurred_at=case.received_at)
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(f"case {case_id} not found")
    return case


def _revise(session: Session, case: Case, actor: str, reason: str) -> dict[str, Any]:
    """Keep the current version before it is changed; returns the 'before' snapshot."""
    return revisions_service.keep(session, "case", case, actor=actor, reason=reason)


def move(session: Session, case: Case, to_status: str, *, actor: str, reason: str = "",
         occurred_at: datetime | None = None) -> Case:
    """Move a case along its lifecycle; refuses moves the lifecycle does not allow."""
    if to_status == case.status:
        return case
    if to_status not in TRANSITIONS.get(case.status, set()):
        raise CaseError(
            f"不能从「{STATUS_LABELS.get(case.status, case.status)}」转为「{STATUS_LABELS.get(to_status, to_status)}」"
            f" (case {case.reference}: {case.status} -> {to_status} not allowed)")
    before = _revise(session, case, actor, reason or f"status {to_status}")
    case.status = to_status
    if to_status == CaseStatus.closed:
        case.closed_at = as_utc(occurred_at) or utcnow()
    elif to_status == CaseStatus.in_progress:
        case.closed_at = None
    session.add(case)
    audit.record(session, action="case.status", actor=actor, entity="case", entity_id=case.id, case_id=case.id,
                 before={"status": before["status"]}, after={"status": to_status}, data={"reason": reason},
                 occurred_at=occurred_at)
    return case


def claim_first_response(session: Session, case: Case, user_id: int, *, actor: str) -> bool:
    """首问负责: the first staff member who answers owns the case. Returns True if they became owner."""
    if case.owner_id is not None:
        return False
    before = _revise(session, case, actor, "首问负责")
    case.owner_id = user_id
    session.add(case)
    audit.record(session, action="case.owner_set", actor=actor, entity="case", entity_id=case.id, case_id=case.id,
                 before={"owner_id": before["owner_id"]}, after={"owner_id": user_id}, data={"rule": "首问负责"})
    return True


def hand_over(session: Session, case: Case, to_user_id: int, *, actor: str, reason: str) -> Case:
    """Explicit hand-over of ownership; the only way ownership changes once set."""
    if not reason.strip():
        raise CaseError("移交案件必须填写原因 (a hand-over needs a reason)")
    before = _revise(session, case, actor, f"hand-over: {reason}")
    case.owner_id = to_user_id
    session.add(case)
    audit.record(session, action="case.handed_over", actor=actor, entity="case", entity_id=case.id,
                 case_id=case.id, before={"owner_id": before["owner_id"]}, after={"owner_id": to_user_id},
                 data={"reason": reason})
    return case


FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of staff machines drift a little


def check_event_time(when: datetime | None, label: str = "受理时间") -> None:
    """An event date may lie in the past (back-filled records), never in the future."""
    if when is not None and as_utc(when) > utcnow() + FUTURE_TOLERANCE:
        raise CaseError(f"{label}不能晚于当前时间 ({label} {as_utc(when).isoformat()} is in the future)")


def register_backfilled(session: Session, *, actor: str, owner_id: int, received_at: datetime,
                        category_code: str | None, summary: str, facts: str = "", name: str = "",
                        phone: str | None = None, area: str = "", channel_note: str = "") -> Case:
    """补录: a matter taken outside the system (the on-call phone during an outage, a walk-in)
    entered afterwards. Its event date is when it came in, never the entry date; the person
    entering it took it, so they own it (首问负责)."""
    from hotline.contacts.models import Citizen

    if received_at is None:
        raise CaseError("补录必须填写受理时间 (received_at is required for a back-filled case)")
    check_event_time(received_at)
    if category_code and get_category(session, category_code) is None:
        raise CaseError(f"未知的案件类别: {category_code}")
    if not summary.strip():
        raise CaseError("补录必须填写案情摘要 (summary is required)")
    citizen = Citizen(name=name.strip(), phone=(phone or "").strip() or None, area=area.strip())
    session.add(citizen)
    session.flush()
    case = open_case(session, citizen_id=citizen.id, actor=actor, received_at=received_at,
                     category_code=category_code, summary=summary.strip())
    case.facts = facts
    session.add(case)
    claim_first_response(session, case, owner_id, actor=actor)
    move(session, case, CaseStatus.in_progress, actor=actor, reason="补录", occurred_at=case.received_at)
    audit.record(session, action="case.backfilled", actor=actor, entity="case", entity_id=case.id, case_id=case.id,
                 after={"owner_id": owner_id, "status": case.status},
                 data={"received_at": case.received_at.isoformat(), "note": channel_note, "rule": "首问负责"},
                 occurred_at=case.received_at)
    return case


def update(session: Session, case: Case, changes: CaseUpdate, *, actor: str) -> Case:
    """Correct a case record; the earlier version is kept as a revision and the change is logged."""
    fields = changes.model_dump(exclude_unset=True, exclude={"reason"})
    fields = {k: v for k, v in fields.items() if v is not None and getattr(case, k) != v}
    check_event_time(fields.get("received_at"))
    if "category_code" in fields and get_category(session, fields["category_code"]) is None:
        raise CaseError(f"未知的案件类别: {fields['category_code']}")
    if not fields:
        return case
    before = _revise(session, case, actor, changes.reason or "correction")
    for key, value in fields.items():
        setattr(case, key, as_utc(value) if isinstance(value, datetime) else value)
    if ("category_code" in fields or "received_at" in fields) and "deadline_at" not in fields:
        case.deadline_at = _deadline(session, case)
    session.add(case)
    after = snapshot(case)
    audit.record(session, action="case.edited", actor=actor, entity="case", entity_id=case.id, case_id=case.id,
                 before={k: before[k] for k in fields}, after={k: after[k] for k in fields},
                 data={"reason": changes.reason, "version": case.version})
    return case


def revisions(session: Session, case_id: int) -> list[Revision]:
    return revisions_service.history(session, "case", case_id)


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    return (case.status in OPEN_STATUSES and case.deadline_at is not None
            and case.deadline_at < (now or utcnow()))


def overdue_cases(session: Session, now: datetime | None = None, owner_id: int | None = None) -> list[Case]:
    query = select(Case).where(Case.status.in_(list(OPEN_STATUSES)), Case.deadline_at < (now or utcnow()))
    if owner_id is not None:
        query = query.where(Case.owner_id == owner_id)
    return list(session.execute(query.order_by(Case.deadline_at)).scalars())


def list_cases(session: Session, *, owner_id: int | None = None, status: str | None = None,
               limit: int = 200) -> list[Case]:
    query = select(Case)
    if owner_id is not None:
        query = query.where(Case.owner_id == owner_id)
    if status:
        query = query.where(Case.status == status)
    return list(session.execute(query.order_by(Case.id.desc()).limit(limit)).scalars())
