"""The staffing plan on the roster page: lawyers needed (Erlang C from the log) against rostered,
per weekday and half hour, as JSON and as CSV."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from admin import exports, staffing_plan
from hotline.audit import service as audit
from hotline.auth.models import Role, StaffUser
from hotline.auth.actor import Actor
from hotline.deps import get_session
from hotline.policy.access import logged_roles
from hotline.timeutil import utcnow
from routing import staffing

router = APIRouter(prefix="/api/admin/staffing", tags=["admin"])
managers = logged_roles("staffing", Role.manager)


class PlanQuery:
    def __init__(self, request: Request, weeks: int = Query(4, ge=1, le=26),
                 level: float = Query(0.80, gt=0, lt=1, description="share answered within answer_s"),
                 answer_s: float = Query(20, ge=0, le=600), shrinkage: float = Query(0.30, ge=0, lt=0.9),
                 max_occupancy: float = Query(0.85, gt=0, le=1),
                 max_abandon: float = Query(0.05, gt=0, lt=1, description="abandonment cap (Erlang A)")) -> None:
        self.tz = ZoneInfo(request.app.state.settings.timezone)
        self.weeks = weeks
        self.chat_capacity = request.app.state.settings.chat_capacity
        self.target = staffing.Target(level=level, answer_s=answer_s, shrinkage=shrinkage,
                                      max_occupancy=max_occupancy, max_abandon=max_abandon)


def _plan(session: Session, q: PlanQuery) -> dict[str, Any]:
    return staffing_plan.plan(session, q.tz, weeks=q.weeks, target=q.target, chat_capacity=q.chat_capacity,
                              now=utcnow())


@router.get("")
def plan(q: PlanQuery = Depends(), session: Session = Depends(get_session, scope="function"),
         user: StaffUser = Depends(managers)) -> dict:
    return _plan(session, q)


@router.get(".csv")
def plan_csv(q: PlanQuery = Depends(), session: Session = Depends(get_session, scope="function"),
             user: StaffUser = Depends(managers)) -> Response:
    data = _plan(session, q)
    audit.record(session, action="export.staffing", actor=Actor.of(user), entity="export", entity_id="staffing",
                 data={"weeks": q.weeks, "target": data["target"]})
    text = exports._csv(staffing_plan.plan_csv(data))
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="12348-staffing.csv"'})


def install(app: FastAPI) -> None:
    app.include_router(router)
