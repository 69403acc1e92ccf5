"""Staff accounts for the administrator (issue 19, item 16): the 账号管理 page and its API: list
accounts, add one with a role, reset a password, enable or disable. Admin only; every change is
audited by `hotline.auth.service`; passwords follow the staff policy (`hotline.auth.passwords`)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select

from hotline.auth import service
from hotline.auth.actor import Actor
from hotline.auth.models import ROLE_LABELS, Role, StaffUser
from hotline.auth.passwords import PasswordPolicyError, check_password
from hotline.auth.permissions import SessionDep
from hotline.deps import require_roles
from hotline.validation import StrictModel
from hotline.web.staff import staff_page

router = APIRouter(tags=["accounts"])
api = APIRouter(prefix="/api/admin/users", tags=["accounts"])
Admin = Depends(require_roles())  # admin only


class AccountIn(StrictModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    display_name: str = Field(default="", max_length=64)
    role: str
    password: str = Field(max_length=256)
    office_id: int | None = None
    phone: str = Field(default="", max_length=32)


class PasswordIn(StrictModel):
    password: str = Field(max_length=256)


class ActiveIn(StrictModel):
    active: bool


def _row(user: StaffUser) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "role_label": ROLE_LABELS.get(user.role, user.role), "office_id": user.office_id,
            "phone": user.phone, "active": user.active}


def _policy(password: str, username: str) -> None:
    try:
        check_password(password, username)
    except PasswordPolicyError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


def _user(session: SessionDep, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="没有该账号")
    return user


@api.get("")
def list_accounts(session: SessionDep, admin: StaffUser = Admin) -> dict[str, Any]:
    users = session.execute(select(StaffUser).order_by(StaffUser.id)).scalars().all()
    return {"users": [_row(u) for u in users],
            "roles": [{"code": r.value, "label": ROLE_LABELS[r]} for r in Role]}


@api.post("", status_code=201)
def add_account(body: AccountIn, session: SessionDep, admin: StaffUser = Admin) -> dict[str, Any]:
    if body.role not in Role.__members__:
        raise HTTPException(status_code=422, detail="角色无效")
    if service.get_user_by_username(session, body.username) is not None:
        raise HTTPException(status_code=409, detail="用户名已存在")
    _policy(body.password, body.username)
    user = service.create_user(session, username=body.username, password=body.password, role=body.role,
                               display_name=body.display_name.strip(), office_id=body.office_id,
                               phone=body.phone, actor=Actor.of(admin))
    return _row(user)


@api.post("/{user_id}/password")
def set_password(user_id: int, body: PasswordIn, session: SessionDep, admin: StaffUser = Admin) -> dict[str, Any]:
    user = _user(session, user_id)
    _policy(body.password, user.username)
    service.reset_password(session, user, body.password, actor=Actor.of(admin))
    return _row(user)


@api.post("/{user_id}/active")
def set_active(user_id: int, body: ActiveIn, session: SessionDep, admin: StaffUser = Admin) -> dict[str, Any]:
    user = _user(session, user_id)
    if user.id == admin.id and not body.active:
        raise HTTPException(status_code=422, detail="不能停用自己的账号")
    service.set_active(session, user, body.active, actor=Actor.of(admin))
    return _row(user)


@router.get("/admin/users", include_in_schema=False)
def accounts_page(request: Request) -> Response:
    return staff_page(request, "admin_users.html", set(), title="账号管理")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(api)
