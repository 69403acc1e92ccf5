"""Case API: list, detail (transcript, revisions, log), corrections, status moves, hand-over."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import Role, StaffUser
from hotline.auth.permissions import SessionDep, may_see_case
from hotline.cases import service
from hotline.cases.models import STATUS_LABELS, Case, CaseUpdate
from hotline.contacts import service as contacts
from hotline.contacts.models import Citizen, CitizenUpdate
from hotline.deps import require_roles
from hotline.privacy import mask_phone, redact
from hotline.validation import IsoDateTime, StrictModel

router = APIRouter(prefix="/api/cases", tags=["cases"])
staff = require_roles(Role.lawyer, Role.manager)


def case_out(case: Case, raw: bool = True) -> dict:
    data = case.model_dump(mode="json")
    data["status_label"] = STATUS_LABELS.get(case.status, case.status)
    data["overdue"] = service.is_overdue(case)
    if not raw:
        data["summary"], data["facts"] = redact(case.summary), redact(case.facts)
    return data


def _load(session: Session, case_id: int) -> Case:
    try:
        return service.get_case(session, case_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=f"案件不存在 (case {case_id} not found)") from exc


@router.get("")
def list_cases(session: SessionDep, status: str | None = None, mine: bool = False,
               user: StaffUser = Depends(staff)) -> list[dict]:
    owner = user.id if (mine or user.role == Role.lawyer) else None
    return [case_out(c, may_see_case(user, c)) for c in service.list_cases(session, owner_id=owner, status=status)]


class BackfillIn(StrictModel):
    received_at: IsoDateTime  # when the matter came in (a time without a zone is read in the hotline's timezone)
    summary: str = Field(min_length=1, max_length=2000)
    category_code: str | None = Field(default=None, min_length=1, max_length=32)
    facts: str = Field(default="", max_length=20000)
    name: str = Field(default="", max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    area: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=500)  # how it came in: 值班手机, 来访, …


@router.post("", status_code=201)
def backfill_case(body: BackfillIn, request: Request, session: SessionDep,
                  user: StaffUser = Depends(staff)) -> dict:
    """补录: register a matter taken outside the system, with the date it really came in."""
    received = body.received_at
    if received.tzinfo is None:
        received = received.replace(tzinfo=ZoneInfo(request.app.state.settings.timezone))
    try:
        case = service.register_backfilled(
            session, actor=Actor.of(user), owner_id=user.id, received_at=received, category_code=body.category_code,
            summary=body.summary, facts=body.facts, name=body.name, phone=body.phone, area=body.area,
            channel_note=body.note)
    except service.CaseError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return case_out(case)


@router.get("/overdue")
def overdue(session: SessionDep, user: StaffUser = Depends(staff)) -> list[dict]:
    owner = user.id if user.role == Role.lawyer else None
    return [case_out(c, may_see_case(user, c)) for c in service.overdue_cases(session, owner_id=owner)]


@router.get("/{case_id}")
def case_detail(case_id: int, session: SessionDep, user: StaffUser = Depends(staff)) -> dict:
    case = _load(session, case_id)
    raw = may_see_case(user, case)
    transcript = [
        {**contacts.utterance_event(u), "text": u.text if raw else redact(u.text)}
        for u in contacts.case_transcript(session, case.id)
    ]
    revisions = [{"version": r.version, "changed_by": r.changed_by, "changed_at": r.changed_at.isoformat(),
                  "reason": r.reason, "snapshot": r.snapshot if raw else None}
                 for r in service.revisions(session, case.id)]
    log = [{"seq": e.seq, "action": e.action, "actor": e.actor, "occurred_at": e.occurred_at.isoformat(),
            "recorded_at": e.recorded_at.isoformat(), "before": e.before, "after": e.after, "data": e.data}
           for e in audit.entries_for(session, case_id=case.id)]
    return {"case": case_out(case, raw), "transcript": transcript, "revisions": revisions, "log": log}


@router.patch("/{case_id}")
def correct_case(case_id: int, changes: CaseUpdate, session: SessionDep,
                 user: StaffUser = Depends(staff)) -> dict:
    case = _load(session, case_id)
    if not may_see_case(user, case):
        raise HTTPException(status_code=403, detail="只有案件负责人或管理人员可以更正 (owner or manager only)")
    try:
        service.update(session, case, changes, actor=Actor.of(user))
    except service.CaseError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return case_out(case)


def citizen_out(citizen: Citizen, raw: bool) -> dict:
    data = citizen.model_dump(mode="json", exclude={"chat_token"})
    if not raw:
        data = {k: redact(v) if isinstance(v, str) and k != "area" else v for k, v in data.items()}
        # personal fields are masked as fields, whatever their form (the patterns miss some)
        data["id_number"] = "【身份证号】" if citizen.id_number else ""
        data["phone"] = mask_phone(citizen.phone) if citizen.phone else citizen.phone
        data["address"] = "（已隐去）" if citizen.address else ""
    return data


@router.get("/{case_id}/citizen")
def get_citizen(case_id: int, session: SessionDep, user: StaffUser = Depends(staff)) -> dict:
    case = _load(session, case_id)
    return citizen_out(session.get(Citizen, case.citizen_id), may_see_case(user, case))


@router.patch("/{case_id}/citizen")
def update_citizen(case_id: int, changes: CitizenUpdate, session: SessionDep,
                   user: StaffUser = Depends(staff)) -> dict:
    case = _load(session, case_id)
    if not may_see_case(user, case):
        raise HTTPException(status_code=403, detail="只有案件负责人或管理人员可以修改当事人信息")
    citizen = session.get(Citizen, case.citizen_id)
    contacts.update_citizen(session, citizen, changes, actor=Actor.of(user), case_id=case.id)
    return citizen_out(citizen, True)


class StatusIn(StrictModel):
    status: str
    reason: str = ""


@router.post("/{case_id}/status")
def change_status(case_id: int, body: StatusIn, session: SessionDep,
                  user: StaffUser = Depends(staff)) -> dict:
    case = _load(session, case_id)
    if not may_see_case(user, case):
        raise HTTPException(status_code=403, detail="只有案件负责人或管理人员可以变更状态")
    try:
        service.move(session, case, body.status, actor=Actor.of(user), reason=body.reason)
    except service.CaseError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return case_out(case)


class HandoverIn(StrictModel):
    to_user_id: int
    reason: str


@router.post("/{case_id}/handover")
def handover(case_id: int, body: HandoverIn, session: SessionDep,
             user: StaffUser = Depends(staff)) -> dict:
    case = _load(session, case_id)
    if not may_see_case(user, case):
        raise HTTPException(status_code=403, detail="只有案件负责人或管理人员可以移交")
    target = session.get(StaffUser, body.to_user_id)
    if target is None or not target.active:
        raise HTTPException(status_code=404, detail="接收人不存在")
    if target.role not in (Role.lawyer, Role.manager):
        raise HTTPException(status_code=422, detail="案件只能移交给律师或管理人员 (hand-over to a lawyer or manager only)")
    try:
        service.hand_over(session, case, target.id, actor=Actor.of(user), reason=body.reason)
    except service.CaseError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return case_out(case)


audit_router = APIRouter(prefix="/api/audit", tags=["audit"])


@audit_router.get("")
def audit_entries(session: SessionDep, case_id: int | None = None, contact_id: int | None = None, action: str | None = None,
                  limit: int = Query(500, ge=1, le=5000),
                  user: StaffUser = Depends(require_roles(Role.manager))) -> list[dict]:
    return [e.model_dump(mode="json") for e in
            audit.entries_for(session, case_id=case_id, contact_id=contact_id, action_prefix=action, limit=limit)]


@audit_router.get("/verify")
def audit_verify(session: SessionDep,
                 user: StaffUser = Depends(require_roles(Role.manager))) -> dict:
    result = audit.verify(session)
    return result.__dict__
