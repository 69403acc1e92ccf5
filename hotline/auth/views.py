"""Staff login and logout."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from hotline.auth import service, throttle
from hotline.auth.models import ROLE_LABELS, StaffPublic, StaffUser
from hotline.auth.permissions import SessionDep
from hotline.deps import current_user
from hotline.security import cookie_secure
from hotline.validation import StrictModel

router = APIRouter(tags=["auth"])

HOME_BY_ROLE = {"lawyer": "/console", "manager": "/dashboard", "admin": "/dashboard",
                "legal_aid": "/inbox", "mediation": "/inbox"}


class LoginIn(StrictModel):
    username: str
    password: str


@router.post("/api/auth/login")
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> dict:
    settings = request.app.state.settings
    address = request.client.host if request.client else ""
    try:
        throttle.check(session, body.username, address)
        user, token = service.login(session, body.username, body.password, settings.session_hours)
    except throttle.Throttled as exc:
        session.commit()  # keep the count and the audit entry
        raise HTTPException(status_code=429, detail=str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
    except service.AuthError as exc:
        throttle.failed(session, body.username, address)
        session.commit()  # keep the failed-login audit entry
        raise HTTPException(status_code=401, detail=str(exc)) from exc
    throttle.succeeded(session, body.username)
    response.set_cookie(settings.session_cookie, token, httponly=True, samesite="lax",
                        secure=cookie_secure(settings), max_age=settings.session_hours * 3600)
    return {"user": StaffPublic.model_validate(user, from_attributes=True).model_dump(),
            "role_label": ROLE_LABELS.get(user.role, user.role), "home": HOME_BY_ROLE.get(user.role, "/")}


@router.post("/api/auth/logout")
def logout(request: Request, response: Response, session: SessionDep) -> dict:
    settings = request.app.state.settings
    token = request.cookies.get(settings.session_cookie)
    if token:
        service.logout(session, token)
    response.delete_cookie(settings.session_cookie)
    return {"ok": True}


@router.get("/api/auth/me")
def me(user: StaffUser = Depends(current_user)) -> dict:
    return {"user": StaffPublic.model_validate(user, from_attributes=True).model_dump(),
            "role_label": ROLE_LABELS.get(user.role, user.role), "home": HOME_BY_ROLE.get(user.role, "/")}
