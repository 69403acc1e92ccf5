"""Password hashing (argon2), staff users and login sessions."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import Role, StaffSession, StaffUser
from hotline.timeutil import utcnow

_hasher = PasswordHasher()
# checked when the username is unknown or disabled, so the answer takes as long as for a known one
_UNKNOWN_USER_HASH = _hasher.hash("no such user: equal timing")


class AuthError(Exception):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, *, username: str, password: str, role: str, display_name: str = "",
                office_id: int | None = None, phone: str = "", actor: str = "system") -> StaffUser:
    if role not in Role.__members__:
        raise AuthError(f"unknown role {role!r}; one of {', '.join(Role.__members__)}")
    if len(password) < 8:
        raise AuthError("password must have at least 8 characters")
    if session.execute(select(StaffUser).where(StaffUser.username == username)).first():
        raise AuthError(f"user {username!r} exists")
    user = StaffUser(username=username, display_name=display_name or username, role=role,
                     password_hash=hash_password(password), office_id=office_id, phone=phone)
    session.add(user)
    session.flush()
    audit.record(session, action="staff.created", actor=actor, entity="staff_user", entity_id=user.id,
                 after={"username": username, "role": role, "office_id": office_id})
    return user


def get_user_by_username(session: Session, username: str) -> StaffUser | None:
    return session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()


def login(session: Session, username: str, password: str, hours: int) -> tuple[StaffUser, str]:
    """Check the password; return the user and a new session token (only its hash is stored)."""
    user = get_user_by_username(session, username)
    ok = False
    known = user is not None and user.active
    try:
        ok = _hasher.verify(user.password_hash if known else _UNKNOWN_USER_HASH, password) and known
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        audit.record(session, action="auth.login_failed", actor="anonymous", entity="staff_user",
                     entity_id=username)
        raise AuthError("用户名或密码错误")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id,
                             expires_at=utcnow() + timedelta(hours=hours)))
    audit.record(session, action="auth.login", actor=Actor.of(user), entity="staff_user", entity_id=user.id)
    return user, token


def set_active(session: Session, user: StaffUser, active: bool, *, actor: str) -> None:
    """Enable or disable an account; disabling ends its sessions."""
    user.active = active
    session.add(user)
    if not active:
        revoke_sessions(session, user.id)
    audit.record(session, action="staff.enabled" if active else "staff.disabled", actor=actor, entity="staff_user",
                 entity_id=user.id)


def reset_password(session: Session, user: StaffUser, password: str, *, actor: str) -> None:
    """Set a new password (the caller checks the policy) and end the account's sessions."""
    user.password_hash = hash_password(password)
    session.add(user)
    revoke_sessions(session, user.id)
    audit.record(session, action="staff.password_reset", actor=actor, entity="staff_user", entity_id=user.id)


def revoke_sessions(session: Session, user_id: int) -> int:
    rows = session.execute(select(StaffSession).where(StaffSession.user_id == user_id,
                                                      StaffSession.revoked.is_(False))).scalars().all()
    for row in rows:
        row.revoked = True
        session.add(row)
    return len(rows)


def user_for_token(session: Session, token: str | None) -> StaffUser | None:
    if not token:
        return None
    row = session.execute(
        select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.revoked or row.expires_at < utcnow():
        return None
    user = session.get(StaffUser, row.user_id)
    return user if user is not None and user.active else None


def logout(session: Session, token: str) -> None:
    row = session.execute(
        select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if row is not None and not row.revoked:
        row.revoked = True
        audit.record(session, action="auth.logout", actor=Actor.staff(row.user_id), entity="staff_user",
                     entity_id=row.user_id)
