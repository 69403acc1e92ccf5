"""Referrals API (docs/referrals-api.md): assessment, drafts, creation, the receiving office's
inbox and decisions, the legal-aid override, the mediation record chain, packets, hardship
standards. Thin: the work is in service.py / drafts.py / packet.py / hardship.py."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline.auth.actor import Actor
from hotline.auth.models import Role, StaffUser
from hotline.auth.permissions import SessionDep, may_see_case
from hotline.cases.models import Case
from hotline.database import session_scope
from hotline.deps import require_roles
from hotline.directory.models import Category
from hotline.directory.service import get_category, list_offices
from hotline.events import bus
from hotline.referrals import drafts, hardship, packet, present, service, steps
from hotline.referrals.models import RECORD_LABELS, STATUS_LABELS, ReferralRecord
from hotline.referrals.schemas import (CONSENT_METHODS, DECISION_CODES, DECISION_LABELS, PARTY_ROLES, DecisionIn,
                                       HardshipIn, OverrideIn, RecordIn, ReferralIn, SupplementIn, WithdrawIn)
from hotline.referrals.service import ReferralError
from routing.eligibility.law import cite
from routing.eligibility.offices import TYPE_KIND, TYPE_LABELS, match_office, no_office_message
from routing.eligibility.application import ASSISTANCE, DEADLINE_KINDS, MATTERS, PROVINCES, VIOLENCE, ApplicationError
from routing.eligibility.rules import assess_json

log = logging.getLogger("hotline.referrals")
router = APIRouter(prefix="/api/referrals", tags=["referrals"])
case_router = APIRouter(prefix="/api/cases", tags=["referrals"])

any_staff = require_roles(Role.lawyer, Role.manager, Role.legal_aid, Role.mediation)
assessors = require_roles(Role.lawyer, Role.legal_aid, Role.manager)
referrers = require_roles(Role.lawyer, Role.manager)
office_side = require_roles(Role.legal_aid, Role.mediation, Role.manager)
managers = require_roles(Role.manager)


def _today(request: Request):  # noqa: ANN202
    return service.local_today(request.app.state.settings.timezone)


def _publish(events: service.Events) -> None:
    for topic, event in events.items:
        bus.publish(topic, event)


def _type(value: str) -> str:
    if value not in TYPE_KIND:
        raise ReferralError(422, f"未知的转介类型「{value}」（可选：{'、'.join(TYPE_KIND)}）(unknown referral type)")
    return value


# -- vocabulary and rules ---------------------------------------------------------------------------
@router.get("/meta")
def meta(user: StaffUser = Depends(any_staff)) -> dict[str, Any]:
    return {
        "types": TYPE_LABELS, "statuses": STATUS_LABELS,
        "matter_types": [{"code": code, "label": m.label, "basis": m.basis,
                          "article": cite(m.article, m.item) if m.article else None, "item": m.item}
                         for code, m in MATTERS.items()],
        "assistance": ASSISTANCE, "violence": VIOLENCE, "deadline_kinds": DEADLINE_KINDS,
        "decisions": DECISION_LABELS, "decision_codes": DECISION_CODES, "record_types": RECORD_LABELS,
        "provinces": PROVINCES, "consent_methods": CONSENT_METHODS, "party_roles": PARTY_ROLES,
    }


@router.post("/assess")
def assess(request: Request, session: SessionDep, application: Any = Body(...),
           user: StaffUser = Depends(assessors)) -> dict[str, Any]:
    """Assess a legal-aid application; nothing is stored."""
    try:
        return assess_json(application, hardship.rows(session), _today(request))
    except ApplicationError as exc:
        raise ReferralError(422, str(exc), exc.errors) from exc


@router.get("/offices/match")
def offices_match(type: str, session: SessionDep, area: str = "", category: str | None = None,
                  user: StaffUser = Depends(referrers)) -> dict[str, Any]:
    referral_type = _type(type)
    cat: Category | None = get_category(session, category) if category else None
    if category and cat is None:
        raise ReferralError(422, f"未知的案件类别「{category}」 (unknown category)")
    match = match_office(list_offices(session, TYPE_KIND[referral_type]), referral_type, area, category)
    if match is None:
        return {"office": None, "error": no_office_message(referral_type, area, cat.name if cat else None)}
    return {"office": {**present.office_out(match.office), "matched_area": match.matched_area}, "error": None}


# -- hardship standards -----------------------------------------------------------------------------
@router.get("/hardship-standards")
def hardship_list(request: Request, session: SessionDep, province: str | None = None,
                  user: StaffUser = Depends(any_staff)) -> list[dict[str, Any]]:
    return hardship.listing(session, _today(request), province)


@router.post("/hardship-standards", status_code=201)
def hardship_add(request: Request, body: HardshipIn, session: SessionDep,
                 user: StaffUser = Depends(managers)) -> dict[str, Any]:
    try:
        row = hardship.add(session, body, actor=Actor.of(user))
    except hardship.HardshipError as exc:
        raise ReferralError(422, str(exc)) from exc
    listing = hardship.listing(session, _today(request), body.province)
    return next(r for r in listing if r["id"] == row.id)


# -- drafts and creation ----------------------------------------------------------------------------
def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise ReferralError(404, f"案件不存在 (case {case_id} not found)")
    return case


@case_router.get("/{case_id}/referral-draft")
def referral_draft(case_id: int, request: Request, session: SessionDep, type: str = Query(...),
                   user: StaffUser = Depends(referrers)) -> dict[str, Any]:
    referral_type = _type(type)
    case = _case(session, case_id)
    if not may_see_case(user, case):
        raise ReferralError(403, "只有案件负责人或管理人员可以转介 (case owner or manager only)")
    return drafts.draft(session, case, referral_type, today=_today(request))


@case_router.post("/{case_id}/referrals", status_code=201)
def create_referral(case_id: int, body: ReferralIn, request: Request,
                    session: SessionDep,
                    user: StaffUser = Depends(referrers)) -> dict[str, Any]:
    referral, events = service.create(session, case_id, body, user, today=_today(request))
    out = present.detail_out(session, referral, session.get(Case, referral.case_id), user)
    session.commit()
    _publish(events)
    return out


@case_router.get("/{case_id}/referrals")
def case_referrals(case_id: int, session: SessionDep,
                   user: StaffUser = Depends(referrers)) -> list[dict[str, Any]]:
    case = _case(session, case_id)
    raw = may_see_case(user, case)
    return [present.summary_out(session, r, case, raw) for r in service.for_case(session, case.id)]


# -- reading ----------------------------------------------------------------------------------------
@router.get("")
def list_referrals(session: SessionDep, status: str | None = None, type: str | None = None, case_id: int | None = None,
                   user: StaffUser = Depends(any_staff)) -> list[dict[str, Any]]:
    if status and status not in STATUS_LABELS:
        raise ReferralError(422, f"未知的转介状态「{status}」 (unknown status)")
    if type:
        _type(type)
    out = []
    for referral in service.list_for(session, user, status=status, type_=type, case_id=case_id):
        case = session.get(Case, referral.case_id)
        out.append(present.summary_out(session, referral, case, service.sees_raw(user, referral, case)))
    return out


@router.get("/{referral_id}")
def referral_detail(referral_id: int, session: SessionDep,
                    user: StaffUser = Depends(any_staff)) -> dict[str, Any]:
    referral, case = service.load_for(session, referral_id, user)
    return present.detail_out(session, referral, case, user)


@router.get("/{referral_id}/packet.json")
def packet_json(referral_id: int, request: Request, session: SessionDep,
                user: StaffUser = Depends(any_staff)) -> dict[str, Any]:
    referral, _ = service.load_for(session, referral_id, user)
    steps.log_packet(session, referral, user, "json")
    return packet.build(session, referral, request.app.state.settings.timezone)


@router.get("/{referral_id}/packet.html", response_class=HTMLResponse)
def packet_html(referral_id: int, request: Request, session: SessionDep,
                user: StaffUser = Depends(any_staff)) -> HTMLResponse:
    referral, _ = service.load_for(session, referral_id, user)
    steps.log_packet(session, referral, user, "html")
    return HTMLResponse(packet.render_html(packet.build(session, referral, request.app.state.settings.timezone)))


@router.get("/{referral_id}/records/{record_id}/attachment")
def attachment(referral_id: int, record_id: int, session: SessionDep,
               user: StaffUser = Depends(any_staff)) -> Response:
    referral, _ = service.load_for(session, referral_id, user)
    record = session.get(ReferralRecord, record_id)
    if record is None or record.referral_id != referral.id or record.content is None:
        raise ReferralError(404, f"附件不存在 (attachment {record_id} not found)")
    from urllib.parse import quote

    return Response(content=record.content, media_type=record.content_type or "application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(record.filename or 'file')}"})


# -- actions ----------------------------------------------------------------------------------------
def _act(session: Session, referral_id: int, user: StaffUser, fn: Any) -> dict[str, Any]:
    referral, case = service.get_referral(session, referral_id, lock=True)
    result = fn(referral, case)
    events = result[1] if isinstance(result, tuple) else result
    out = present.detail_out(session, referral, case, user)
    session.commit()
    _publish(events)
    return out


@router.post("/{referral_id}/decision")
def decision(referral_id: int, body: DecisionIn, session: SessionDep,
             user: StaffUser = Depends(office_side)) -> dict[str, Any]:
    return _act(session, referral_id, user, lambda r, c: steps.decide(session, r, c, body, user))


@router.post("/{referral_id}/override")
def override(referral_id: int, body: OverrideIn, session: SessionDep,
             user: StaffUser = Depends(office_side)) -> dict[str, Any]:
    return _act(session, referral_id, user, lambda r, c: steps.override(session, r, c, body, user))


@router.post("/{referral_id}/records", status_code=201)
def add_record(referral_id: int, body: RecordIn, session: SessionDep,
               user: StaffUser = Depends(office_side)) -> dict[str, Any]:
    return _act(session, referral_id, user, lambda r, c: steps.add_record(session, r, c, body, user))


@router.post("/{referral_id}/supplement")
def supplement(referral_id: int, body: SupplementIn, request: Request,
               session: SessionDep,
               user: StaffUser = Depends(referrers)) -> dict[str, Any]:
    today = _today(request)
    return _act(session, referral_id, user, lambda r, c: steps.supplement(session, r, c, body, user, today=today))


@router.post("/{referral_id}/withdraw")
def withdraw(referral_id: int, body: WithdrawIn, session: SessionDep,
             user: StaffUser = Depends(referrers)) -> dict[str, Any]:
    return _act(session, referral_id, user, lambda r, c: steps.withdraw(session, r, c, body, user))


# -- installation -----------------------------------------------------------------------------------
async def _referral_error(request: Request, exc: ReferralError) -> JSONResponse:
    body: dict[str, Any] = {"detail": exc.detail}
    if exc.errors:
        body["errors"] = exc.errors
    return JSONResponse(status_code=exc.status, content=body)


async def _seed(state: Any) -> None:
    def work() -> None:
        try:
            with session_scope(state.engine) as session:
                hardship.seed_defaults(session)
        except IntegrityError:  # another worker seeded at the same moment
            log.info("hardship standards already seeded by another worker")

    await run_in_threadpool(work)


def install(app: FastAPI) -> None:
    """Include this package's routers and register its hooks on the app."""
    app.add_exception_handler(ReferralError, _referral_error)
    app.include_router(router)
    app.include_router(case_router)
    app.state.startup_hooks.append(_seed)

