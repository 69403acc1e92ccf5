"""The safety rules: the managers' page (/admin/safety) and API (/api/safety/rules)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from hotline.auth.actor import Actor
from hotline.auth.models import Role, StaffUser
from hotline.deps import get_session
from hotline.policy.access import logged_roles
from hotline.safety import flows, service
from hotline.safety.models import RuleIn, RuleUpdate
from hotline.web.staff import staff_page

api = APIRouter(prefix="/api/safety", tags=["safety"])
pages = APIRouter(tags=["pages"])
managers = logged_roles("safety.rules", Role.manager)


@pages.get("/admin/safety", include_in_schema=False)
def safety_page(request: Request) -> Response:
    return staff_page(request, "admin_safety.html", {"manager"}, title="安全预警规则")


@api.get("/rules")
def rules(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> list:
    return [service.rule_dict(r) for r in service.list_rules(session)]


@api.post("/rules", status_code=201)
def create(body: RuleIn, session: Session = Depends(get_session, scope="function"),
           user: StaffUser = Depends(managers)) -> dict:
    try:
        rule = service.create_rule(session, body, actor=Actor.of(user))
    except service.SafetyError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return service.rule_dict(rule)


@api.put("/rules/{rule_id}")
def edit(rule_id: int, body: RuleUpdate, session: Session = Depends(get_session, scope="function"),
         user: StaffUser = Depends(managers)) -> dict:
    try:
        rule = service.update_rule(session, rule_id, body, actor=Actor.of(user))
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except service.SafetyError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return service.rule_dict(rule)


def install(app: FastAPI) -> None:
    app.include_router(api)
    app.include_router(pages)
    app.state.startup_hooks.append(flows.seed)
