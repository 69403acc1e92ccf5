"""Role checks for the supervision, quality and follow-up APIs: like `hotline.deps.require_roles`,
and every refusal is written to the audit log (action `access.denied`, with the path)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import Role, StaffUser
from hotline.database import session_scope
from hotline.auth.actor import Actor
from hotline.deps import current_user


def log_denied(request: Request | Any, user: StaffUser, what: str, session: Session | None = None) -> None:
    """`request`: an HTTP request or a WebSocket. Inside a handler pass its `session`: the entry
    is committed in it (a second transaction would wait on the first's write lock on SQLite)."""
    data = {"path": request.url.path, "method": getattr(request, "method", "WEBSOCKET"), "role": user.role}
    if session is not None:
        audit.record(session, action="access.denied", actor=Actor.of(user), entity="route", entity_id=what, data=data)
        session.commit()  # kept although the request fails
        return
    with session_scope(request.app.state.engine) as own:
        audit.record(own, action="access.denied", actor=Actor.of(user), entity="route", entity_id=what, data=data)


def deny(request: Request, user: StaffUser, what: str, detail: str = "无权访问 (forbidden for your role)",
         session: Session | None = None) -> HTTPException:
    """Log the refusal and return the 403 to raise."""
    log_denied(request, user, what, session)
    return HTTPException(status_code=403, detail=detail)


def logged_roles(what: str, *roles: Role) -> Callable[..., StaffUser]:
    """A dependency letting through `roles` (admin always); others get 403, and it is logged."""
    allowed = {str(r) for r in roles} | {Role.admin.value}

    def check(request: Request, user: StaffUser = Depends(current_user)) -> StaffUser:
        if user.role not in allowed:
            raise deny(request, user, what)
        return user

    return check
