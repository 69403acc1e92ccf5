"""The roster's API: who is on duty (/api/routing/duty), lawyer profiles, shifts, exceptions and
holidays (/api/routing/...), and the managers' listings and removals (/api/admin/roster/...).
Thin: parse, call `hotline.roster.service`, answer."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import Field
from sqlmodel import Session

from hotline.auth.actor import Actor
from hotline.auth.permissions import Manager, SessionDep, Staff
from hotline.roster import service
from hotline.roster.models import Holiday, RosterException, Shift
from hotline.timeutil import utcnow
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/routing", tags=["roster"])
manage = APIRouter(prefix="/api/admin/roster", tags=["roster"])


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _profile(session: Session, user_id: int) -> None:
    try:
        service.profile(session, user_id)
    except service.RosterError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get("/duty")
def duty(request: Request, session: SessionDep, user: Staff) -> dict:
    return service.duty_summary(session, utcnow(), _tz(request))


# -- lawyers ----------------------------------------------------------------------------------------
class LawyerIn(StrictModel):
    skills: list[str] | None = None
    languages: list[str] | None = None
    chat_capacity: int | None = Field(default=None, ge=1, le=20)
    call_capacity: int | None = Field(default=None, ge=0, le=1)


@router.get("/lawyers")
def lawyers(session: SessionDep, user: Staff) -> list[dict]:
    return service.lawyers(session)


@router.put("/lawyers/{user_id}")
def update_lawyer(user_id: int, body: LawyerIn, session: SessionDep, user: Manager) -> dict:
    _profile(session, user_id)
    try:
        row = service.update_lawyer(session, user_id, body.model_dump(exclude_none=True), actor=Actor.of(user))
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return row.model_dump(mode="json")


# -- shifts -----------------------------------------------------------------------------------------
class ShiftIn(StrictModel):
    user_id: int
    days: str = "workdays"
    start: str
    end: str
    kind: str = "duty"
    valid_from: str | None = None
    valid_to: str | None = None
    note: str = ""


@router.get("/shifts")
def list_shifts(session: SessionDep, user: Staff) -> list[dict]:
    return [s.model_dump(mode="json") for s in service.shifts(session)]


@router.post("/shifts")
def add_shift(body: ShiftIn, session: SessionDep, user: Manager) -> dict:
    _profile(session, body.user_id)
    try:
        shift = service.add_shift(session, **body.model_dump(), actor=Actor.of(user))
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"排班格式错误: {exc}") from exc
    return shift.model_dump(mode="json")


@router.delete("/shifts/{shift_id}")
def delete_shift(shift_id: int, session: SessionDep, user: Manager) -> dict:
    if not service.remove(session, Shift, shift_id, action="roster.shift_removed", entity="shift",
                          actor=Actor.of(user)):
        raise HTTPException(status_code=404, detail="排班不存在")
    return {"deleted": shift_id}


# -- exceptions and holidays ------------------------------------------------------------------------
class ExceptionIn(StrictModel):
    user_id: int
    day: str
    kind: str
    start: str | None = None
    end: str | None = None
    note: str = ""


@router.post("/exceptions")
def add_exception(body: ExceptionIn, session: SessionDep, user: Manager) -> dict:
    try:
        row = service.add_exception(session, **body.model_dump(), actor=Actor.of(user))
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"格式错误: {exc}") from exc
    return row.model_dump(mode="json")


@manage.get("/exceptions")
def roster_exceptions(request: Request, session: SessionDep, user: Manager) -> list[dict[str, Any]]:
    since = utcnow().astimezone(_tz(request)).date() - timedelta(days=7)
    return [r.model_dump(mode="json") for r in service.recent(session, RosterException, since)]


@manage.delete("/exceptions/{exception_id}")
def remove_exception(exception_id: int, session: SessionDep, user: Manager) -> dict[str, Any]:
    if not service.remove(session, RosterException, exception_id, action="roster.exception_removed",
                          entity="roster_exception", actor=Actor.of(user)):
        raise HTTPException(status_code=404, detail=f"排班例外不存在 (exception {exception_id} not found)")
    return {"deleted": exception_id}


class HolidayIn(StrictModel):
    day: str
    name: str
    is_workday: bool = False


@router.post("/holidays")
def add_holiday(body: HolidayIn, session: SessionDep, user: Manager) -> dict:
    try:
        service.set_holiday(session, **body.model_dump(), actor=Actor.of(user))
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return body.model_dump()


@manage.get("/holidays")
def roster_holidays(request: Request, session: SessionDep, user: Manager) -> list[dict[str, Any]]:
    since = utcnow().astimezone(_tz(request)).date() - timedelta(days=31)
    return [h.model_dump(mode="json") for h in service.recent(session, Holiday, since)]


@manage.delete("/holidays/{day}")
def remove_holiday(day: str, session: SessionDep, user: Manager) -> dict[str, Any]:
    try:
        key = date.fromisoformat(day)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"日期格式应为 YYYY-MM-DD: day={day!r} (bad date)") from exc
    if not service.remove(session, Holiday, key, action="roster.holiday_removed", entity="holiday",
                          actor=Actor.of(user)):
        raise HTTPException(status_code=404, detail=f"节假日不存在 (holiday {day} not found)")
    return {"deleted": day}


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(manage)
