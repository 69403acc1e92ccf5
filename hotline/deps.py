"""FastAPI dependencies: settings, database session, the signed-in staff member, role checks."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, HTTPException, Request, WebSocket
from sqlmodel import Session

from hotline.auth import service as auth_service
from hotline.auth.models import Role, StaffUser
from hotline.config import Settings
from hotline.database import session_scope


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work. Always use it as `Depends(get_session, scope="function")`: the
    commit then happens before the response is sent, so a client that has its answer (a login
    cookie, an acknowledged change) can never race ahead of the commit and read stale data."""
    with session_scope(request.app.state.engine) as session:
        yield session


def current_user_optional(request: Request) -> StaffUser | None:
    """The signed-in staff member, read in its own short transaction (a request's own work may
    open further transactions; on SQLite a held one would block them)."""
    token = request.cookies.get(request.app.state.settings.session_cookie)
    with session_scope(request.app.state.engine) as session:
        user = auth_service.user_for_token(session, token)
        if user is not None:
            session.expunge(user)
        return user


def current_user(user: StaffUser | None = Depends(current_user_optional)) -> StaffUser:
    if user is None:
        raise HTTPException(status_code=401, detail="请先登录 (login required)")
    return user


def require_roles(*roles: Role) -> Callable[..., StaffUser]:
    """A dependency that lets through only the given roles (admin always passes)."""
    allowed = {str(r) for r in roles} | {Role.admin.value}

    def check(user: StaffUser = Depends(current_user)) -> StaffUser:
        if user.role not in allowed:
            raise HTTPException(status_code=403, detail="无权访问 (forbidden for your role)")
        return user

    return check


def websocket_user(websocket: WebSocket) -> StaffUser | None:
    """The staff member behind a WebSocket (cookie), or None; for staff-only sockets."""
    token = websocket.cookies.get(websocket.app.state.settings.session_cookie)
    with session_scope(websocket.app.state.engine) as session:
        user = auth_service.user_for_token(session, token)
        if user is not None:
            session.expunge(user)
        return user
