"""Deadlines in working days: the calendar (package + the hotline's holiday table), the limits
per category, a case's answer deadline, and the overdue items raised to the manager's wallboard.

Functions work in the caller's transaction and never commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.cases.models import OPEN_STATUSES, Case
from hotline.config import get_settings
from hotline.deadlines.models import CaseTiming, CategoryDeadline
from hotline.deadlines.workdays import WorkCalendar
from hotline.privacy import redact
from hotline.timeutil import as_utc, utcnow

LIMIT_FIELDS = ("handover_days", "answer_days", "complex_days", "urgent_hours")


def hotline_tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def calendar(session: Session) -> WorkCalendar:
    """The statutory calendar with the hotline's holiday table (roster page) laid over it."""
    from hotline.roster.models import Holiday  # the admin-edited table of holidays and 调休 working days

    return WorkCalendar({row.day: row.is_workday for row in session.execute(select(Holiday)).scalars()})


def limits(session: Session, category_code: str | None) -> CategoryDeadline | None:
    return session.get(CategoryDeadline, category_code) if category_code else None


def effective_limits(session: Session) -> list[dict[str, Any]]:
    """Every category with its limits (`configured` False: the defaults, and the case deadline
    stays the category's hour limit)."""
    from hotline.directory.service import list_categories

    out = []
    for cat in list_categories(session, active_only=False):
        row = session.get(CategoryDeadline, cat.code)
        values = row or CategoryDeadline(category_code=cat.code)
        out.append({"code": cat.code, "name": cat.name, "configured": row is not None,
                    "time_limit_hours": cat.time_limit_hours, **{f: getattr(values, f) for f in LIMIT_FIELDS}})
    return out


def set_limits(session: Session, category_code: str, values: dict[str, int], *, actor: str) -> CategoryDeadline:
    from hotline.directory.service import get_category

    if get_category(session, category_code) is None:
        raise LookupError(f"类别不存在 (category {category_code!r} not found)")
    row = session.get(CategoryDeadline, category_code)
    before = None if row is None else {f: getattr(row, f) for f in LIMIT_FIELDS}
    row = row or CategoryDeadline(category_code=category_code)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    audit.record(session, action="deadline.limits_set", actor=actor, entity="category", entity_id=category_code,
                 before=before, after={f: getattr(row, f) for f in LIMIT_FIELDS})
    _recompute_open_cases(session, category_code)
    return row


def timing(session: Session, case_id: int) -> CaseTiming:
    return session.get(CaseTiming, case_id) or CaseTiming(case_id=case_id)


def answer_deadline(session: Session, case: Case, tz: ZoneInfo | None = None) -> datetime | None:
    """The case's 限时办结 when its category has working-day limits: `answer_days` working days
    (`complex_days` if marked complex) after the day it came in; None: no working-day limits."""
    row = limits(session, case.category_code)
    if row is None:
        return None
    complex_case = case.id is not None and timing(session, case.id).complex
    days = row.complex_days if complex_case else row.answer_days
    return calendar(session).due(as_utc(case.received_at), days, tz or hotline_tz())


def handover_deadline(session: Session, case: Case, tz: ZoneInfo | None = None) -> datetime | None:
    """By when the matter must be handed on: `urgent_hours` after receipt if urgent, else
    `handover_days` working days."""
    row = limits(session, case.category_code)
    if row is None:
        return None
    received = as_utc(case.received_at)
    if case.id is not None and timing(session, case.id).urgent:
        return calendar(session).due_in_hours(received, row.urgent_hours)
    return calendar(session).due(received, row.handover_days, tz or hotline_tz())


def mark(session: Session, case: Case, *, complex: bool | None, urgent: bool | None, reason: str,
         actor: str) -> CaseTiming:
    """Mark a case complex and/or urgent; its deadline is recomputed."""
    row = session.get(CaseTiming, case.id) or CaseTiming(case_id=case.id)
    before = {"complex": row.complex, "urgent": row.urgent}
    if complex is not None:
        row.complex = complex
    if urgent is not None:
        row.urgent = urgent
    row.reason, row.updated_at = reason[:200], utcnow()
    session.add(row)
    session.flush()
    old = case.deadline_at
    new = answer_deadline(session, case)
    if new is not None:
        case.deadline_at = new
        session.add(case)
    audit.record(session, action="deadline.case_marked", actor=actor, entity="case", entity_id=case.id,
                 case_id=case.id, before={**before, "deadline_at": old},
                 after={"complex": row.complex, "urgent": row.urgent, "deadline_at": case.deadline_at},
                 data={"reason": reason})
    return row


def _recompute_open_cases(session: Session, category_code: str) -> None:
    for case in session.execute(select(Case).where(Case.category_code == category_code,
                                                   Case.status.in_(list(OPEN_STATUSES)))).scalars():
        due = answer_deadline(session, case)
        if due is not None and due != as_utc(case.deadline_at):
            case.deadline_at = due
            session.add(case)


def local_text(at: datetime | None, tz: ZoneInfo) -> str:
    """A time as the hotline shows it: its own time zone, whatever the browser's."""
    return as_utc(at).astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else ""


def escalations(session: Session, tz: ZoneInfo, now: datetime | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Overdue items for the manager's wallboard: open cases past their 限时办结 or, when urgent
    or not yet handed on, past their hand-over limit; follow-up tasks past their due date."""
    from hotline.cases.models import CaseStatus

    now = now or utcnow()
    items: list[dict[str, Any]] = []
    cases = session.execute(select(Case).where(Case.status.in_(list(OPEN_STATUSES))).order_by(Case.id)).scalars()
    for case in cases:
        deadline, kind = as_utc(case.deadline_at), "answer"
        handover = handover_deadline(session, case, tz)
        if case.status in (CaseStatus.received, CaseStatus.routed) and handover is not None and handover < now:
            deadline, kind = handover, "handover"
        if deadline is None or deadline >= now:
            continue
        items.append({"kind": kind, "label": "移交超时" if kind == "handover" else "办结超时",
                      "entity": "case", "id": case.id, "reference": case.reference,
                      "due_at": deadline.isoformat(), "due_local": local_text(deadline, tz),
                      "overdue_hours": round((now - deadline).total_seconds() / 3600, 1),
                      "summary": redact(case.summary)[:80]})
    from hotline.followup import service as followup

    for task in followup.overdue(session, now):
        items.append({"kind": "followup", "label": "回访超时", "entity": "followup", "id": task.id,
                      "reference": f"回访#{task.id}", "due_at": as_utc(task.due_at).isoformat(),
                      "due_local": local_text(task.due_at, tz),
                      "overdue_hours": round((now - as_utc(task.due_at)).total_seconds() / 3600, 1),
                      "summary": task.reason_label})
    items.sort(key=lambda i: -i["overdue_hours"])
    return items[:limit]
