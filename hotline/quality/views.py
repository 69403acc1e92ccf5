"""Quality inspection API and pages: forms and the queue (managers, who inspect), one
inspection (its lawyer or a manager), the lawyer's own results and dispute, the dashboard."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt
from sqlmodel import Session

from hotline.auth.models import Role, StaffUser
from hotline.auth.actor import Actor
from hotline.deps import get_session
from hotline.policy.access import deny, logged_roles
from hotline.quality import flows, review, service
from hotline.quality.scoring import FormError
from hotline.timeutil import utcnow
from hotline.web.staff import staff_page
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/quality", tags=["quality"])
pages = APIRouter(tags=["pages"])
managers = logged_roles("quality.manage", Role.manager)
readers = logged_roles("quality.read", Role.manager, Role.lawyer)
lawyers = logged_roles("quality.dispute", Role.lawyer)


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _call(fn: Any) -> Any:
    try:
        return fn()
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except (FormError, service.QualityError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


def _form_dict(form: Any) -> dict:
    return {"id": form.id, "name": form.name, "active": form.active, "version": form.version, "sections": form.sections}


@router.get("/forms")
def forms(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> list:
    return [_form_dict(f) for f in service.forms(session)]


class FormBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    active: StrictBool = True
    sections: list[dict[str, Any]]


@router.post("/forms", status_code=201)
def create_form(body: FormBody, session: Session = Depends(get_session, scope="function"),
                user: StaffUser = Depends(managers)) -> dict:
    return _form_dict(_call(lambda: service.save_form(session, form_id=None, name=body.name, sections=body.sections,
                                                      active=body.active, actor=Actor.of(user))))


@router.put("/forms/{form_id}")
def update_form(form_id: int, body: FormBody, session: Session = Depends(get_session, scope="function"),
                user: StaffUser = Depends(managers)) -> dict:
    return _form_dict(_call(lambda: service.save_form(session, form_id=form_id, name=body.name,
                                                      sections=body.sections, active=body.active,
                                                      actor=Actor.of(user))))


@router.get("/queue")
def queue(request: Request, status: str = Query("queued", pattern="^(queued|inspected|all)$"),
          session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> list:
    return review.queue(session, _tz(request), status)


class SampleBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    contact_id: StrictInt
    reason: str = Field(pattern="^(complaint|random|dissatisfied)$")
    note: str = Field(default="", max_length=500)


@router.post("/samples", status_code=201)
def add_sample(body: SampleBody, session: Session = Depends(get_session, scope="function"),
               user: StaffUser = Depends(managers)) -> dict:
    """A complaint (or any contact a manager picks) goes into the queue."""
    from hotline.contacts.models import Contact

    contact = session.get(Contact, body.contact_id)
    if contact is None:
        raise HTTPException(status_code=404, detail=f"联系记录不存在 (contact_id {body.contact_id})")
    row = _call(lambda: service.add_sample(session, contact, body.reason, note=body.note, actor=Actor.of(user)))
    return {"queued": row is not None, "sample_id": row.id if row else None}


@router.get("/samples/{sample_id}")
def sample_detail(sample_id: int, request: Request, session: Session = Depends(get_session, scope="function"),
                  user: StaffUser = Depends(managers)) -> dict:
    row = _call(lambda: review.sample(session, sample_id))
    return {"id": row.id, "reason": row.reason, "status": row.status, "lawyer_id": row.lawyer_id,
            "material": review.material(session, row.contact_id, _tz(request)),
            "forms": [_form_dict(f) for f in service.forms(session) if f.active]}


class InspectBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    form_id: StrictInt
    answers: dict[str, Any]
    comment: str = Field(default="", max_length=2000)


@router.post("/samples/{sample_id}/inspect", status_code=201)
def inspect(sample_id: int, body: InspectBody, request: Request,
            session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> dict:
    row = _call(lambda: review.inspect(session, sample_id, form_id=body.form_id, answers=body.answers,
                                       comment=body.comment, inspector=user))
    return review.inspection_dict(session, row, _tz(request))


@router.get("/inspections")
def inspections(request: Request, status: str | None = Query(None, pattern="^(scored|disputed|upheld|revised)$"),
                session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(readers)) -> list:
    """Managers see every inspection; a lawyer only their own."""
    mine = user.id if user.role == Role.lawyer else None
    return review.inspections(session, _tz(request), lawyer_id=mine, status=status)


@router.get("/inspections/{inspection_id}")
def inspection(inspection_id: int, request: Request, session: Session = Depends(get_session, scope="function"),
               user: StaffUser = Depends(readers)) -> dict:
    row = _call(lambda: review.get(session, inspection_id))
    if user.role == Role.lawyer and row.lawyer_id != user.id:
        raise deny(request, user, "quality.inspection", "只能查看自己的质检结果 (not your inspection)", session)
    return review.inspection_dict(session, row, _tz(request), with_material=True)


class DisputeBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)


@router.post("/inspections/{inspection_id}/dispute")
def dispute(inspection_id: int, body: DisputeBody, request: Request,
            session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(lawyers)) -> dict:
    try:
        row = _call(lambda: review.dispute(session, inspection_id, lawyer=user, reason=body.reason))
    except PermissionError as exc:
        raise deny(request, user, "quality.dispute", str(exc), session) from exc
    return review.inspection_dict(session, row, _tz(request))


class DecideBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(pattern="^(upheld|revised)$")
    score: StrictFloat | StrictInt | None = None
    note: str = Field(default="", max_length=1000)


@router.post("/inspections/{inspection_id}/decide")
def decide(inspection_id: int, body: DecideBody, request: Request,
           session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> dict:
    row = _call(lambda: review.decide(session, inspection_id, manager=user, decision=body.decision, note=body.note,
                                      score=body.score))
    return review.inspection_dict(session, row, _tz(request))


@router.get("/dashboard")
def dashboard(request: Request, days: int = Query(30, ge=1, le=366),
              session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> dict:
    from hotline.timeutil import local_range

    today = utcnow().astimezone(_tz(request)).date()
    start, end = local_range(today - timedelta(days=days - 1), today, _tz(request))
    return review.dashboard(session, start, end)


@pages.get("/quality", include_in_schema=False)
def quality_page(request: Request) -> Response:
    return staff_page(request, "quality.html", {"manager", "lawyer"}, title="质量检查")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(pages)
    app.state.startup_hooks.append(flows.start)
    app.state.shutdown_hooks.append(flows.stop)
