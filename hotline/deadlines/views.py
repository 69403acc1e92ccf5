"""Deadline settings and the calendar: per-category limits (managers), marking a case complex or
urgent (lawyers, managers), the working-day calendar and the escalations on the wallboard."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from pydantic import ConfigDict, Field, StrictBool, StrictInt
from sqlmodel import Session

from hotline.auth.models import Role, StaffUser
from hotline.cases.models import Case
from hotline.deadlines import service
from hotline.auth.actor import Actor
from hotline.deps import get_session
from hotline.policy.access import logged_roles
from hotline.timeutil import utcnow
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/deadlines", tags=["deadlines"])
managers = logged_roles("deadlines.manage", Role.manager)
staff = logged_roles("deadlines.case", Role.lawyer, Role.manager)


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


@router.get("/categories")
def categories(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> list:
    return service.effective_limits(session)


class Limits(StrictModel):
    model_config = ConfigDict(extra="forbid")
    handover_days: StrictInt | None = Field(default=None, ge=0, le=60)
    answer_days: StrictInt | None = Field(default=None, ge=1, le=60)
    complex_days: StrictInt | None = Field(default=None, ge=1, le=120)
    urgent_hours: StrictInt | None = Field(default=None, ge=1, le=72)


@router.put("/categories/{code}")
def set_limits(code: str, body: Limits, session: Session = Depends(get_session, scope="function"),
               user: StaffUser = Depends(managers)) -> dict:
    values = body.model_dump(exclude_none=True)
    try:
        row = service.set_limits(session, code, values, actor=Actor.of(user))
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    if row.complex_days < row.answer_days:
        raise HTTPException(status_code=422, detail="complex_days 不能少于 answer_days (complex_days)")
    return {f: getattr(row, f) for f in ("category_code", *service.LIMIT_FIELDS)}


class Mark(StrictModel):
    model_config = ConfigDict(extra="forbid")
    complex: StrictBool | None = None
    urgent: StrictBool | None = None
    reason: str = Field(default="", max_length=200)


@router.post("/cases/{case_id}/mark")
def mark_case(case_id: int, body: Mark, request: Request, session: Session = Depends(get_session, scope="function"),
              user: StaffUser = Depends(staff)) -> dict:
    case = session.get(Case, case_id)
    if case is None:
        raise HTTPException(status_code=404, detail=f"案件不存在 (case {case_id} not found)")
    row = service.mark(session, case, complex=body.complex, urgent=body.urgent, reason=body.reason,
                       actor=Actor.of(user))
    tz = _tz(request)
    handover = service.handover_deadline(session, case, tz)
    return {"case_id": case.id, "complex": row.complex, "urgent": row.urgent,
            "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
            "deadline_local": service.local_text(case.deadline_at, tz),
            "handover_local": service.local_text(handover, tz)}


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"日期格式应为 YYYY-MM-DD: {name}={value!r}") from exc


@router.get("/calendar")
def calendar(start: str = Query(...), end: str = Query(...), session: Session = Depends(get_session, scope="function"),
             user: StaffUser = Depends(staff)) -> dict[str, Any]:
    first, last = _day(start, "start"), _day(end, "end")
    if last < first or (last - first) > timedelta(days=400):
        raise HTTPException(status_code=422, detail="日期区间无效或超过 400 天 (end)")
    cal = service.calendar(session)
    years = sorted({first.year, last.year})
    return {"days": cal.days(first, last),
            "uncovered_years": [y for y in years if not cal.package_covers(y)]}


@router.get("/escalations")
def escalations(request: Request, session: Session = Depends(get_session, scope="function"),
                user: StaffUser = Depends(managers)) -> dict:
    return {"timezone": request.app.state.settings.timezone,
            "items": service.escalations(session, _tz(request), utcnow())}


def install(app: FastAPI) -> None:
    app.include_router(router)
