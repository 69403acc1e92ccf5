"""Follow-up (回访) API and page: the task list for whoever is on duty, claim, record the
outcome; the figures for managers. The sweep that creates tasks runs in the background."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import ConfigDict, Field, StrictBool
from sqlmodel import Session

from hotline.auth.models import Role, StaffUser
from hotline.deps import get_session
from hotline.followup import flows, service
from hotline.policy.access import deny, logged_roles
from hotline.timeutil import utcnow
from hotline.web.staff import staff_page
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/followup", tags=["followup"])
pages = APIRouter(tags=["pages"])
workers = logged_roles("followup", Role.lawyer, Role.manager)
managers = logged_roles("followup.figures", Role.manager)


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


@router.get("/tasks")
def tasks(request: Request, status: str | None = Query("pending", pattern="^(pending|open|claimed|done|all)$"),
          session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(workers)) -> dict:
    now = utcnow()
    return {"on_duty": service.may_work(session, user, now),
            "tasks": service.listing(session, _tz(request), status=None if status == "all" else status, now=now)}


def _call(request: Request, user: StaffUser, session: Session, fn: Any) -> Any:
    try:
        return fn()
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except PermissionError as exc:
        raise deny(request, user, "followup.claim", str(exc), session) from exc
    except service.FollowupError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc


@router.post("/tasks/{task_id}/claim")
def claim(task_id: int, request: Request, session: Session = Depends(get_session, scope="function"),
          user: StaffUser = Depends(workers)) -> dict:
    task = _call(request, user, session, lambda: service.claim(session, task_id, user))
    return {"id": task.id, "status": task.status, "assigned_to": task.assigned_to}


class Outcome(StrictModel):
    model_config = ConfigDict(extra="forbid")
    method: str = Field(pattern="^(call|message)$")
    reached: StrictBool
    satisfied: StrictBool | None = None
    solved: StrictBool | None = None
    open_case: StrictBool = False
    note: str = Field(default="", max_length=1000)


@router.post("/tasks/{task_id}/complete")
def complete(task_id: int, body: Outcome, request: Request, session: Session = Depends(get_session, scope="function"),
             user: StaffUser = Depends(workers)) -> dict:
    if body.reached and body.satisfied is None:
        raise HTTPException(status_code=422, detail="已联系上时须填写是否满意 (satisfied)")
    task = _call(request, user, session, lambda: service.complete(
        session, task_id, user, method=body.method, reached=body.reached, satisfied=body.satisfied,
        solved=body.solved, open_case=body.open_case, note=body.note))
    return {"id": task.id, "status": task.status, "new_case_id": task.new_case_id}


@router.get("/figures")
def figures(request: Request, days: int = Query(30, ge=1, le=366),
            session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> dict:
    from hotline.timeutil import local_range

    today = utcnow().astimezone(_tz(request)).date()
    start, end = local_range(today - timedelta(days=days - 1), today, _tz(request))
    return service.figures(session, start, end)


@pages.get("/followup", include_in_schema=False)
def followup_page(request: Request) -> Response:
    return staff_page(request, "followup.html", {"lawyer", "manager"}, title="回访任务")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(pages)
    app.state.startup_hooks.append(flows.start)
    app.state.shutdown_hooks.append(flows.stop)
