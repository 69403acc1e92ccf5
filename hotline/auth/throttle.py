"""Login throttling: per account and per address, growing delays, then a temporary lockout.

Every failed or refused attempt counts. After `free` failures, the next attempt must wait
`base * 2^(n - free - 1)` seconds after the last one (1, 2, 4, 8 ... s), else it is refused
with 429 and Retry-After without the password being checked; at `lock_after` failures the key is
locked for `lock_s`. A success clears the account's count (not the address's: one valid account
must not reset a spraying address). Throttled attempts and lockouts are audit entries
(`auth.login_throttled`, `auth.login_locked`) and warnings in the log; admins list and clear
them at /api/admin/login-throttle.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import or_, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import LoginThrottle, StaffUser
from hotline.auth.actor import Actor
from hotline.deps import get_session, require_roles
from hotline.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    free: int
    base_s: float
    lock_after: int
    lock_s: float


ACCOUNT = Policy(free=3, base_s=1, lock_after=10, lock_s=900)
ADDRESS = Policy(free=30, base_s=1, lock_after=100, lock_s=900)


class Throttled(Exception):
    def __init__(self, retry_after: float, locked: bool) -> None:
        super().__init__("登录尝试过多，请稍后再试 (too many sign-in attempts)")
        self.retry_after = max(1, int(retry_after + 0.999))
        self.locked = locked


def _keys(username: str, address: str) -> list[tuple[str, Policy]]:
    return [(f"user:{username.strip().lower()[:100]}", ACCOUNT), (f"addr:{address[:100]}", ADDRESS)]


def _wait(row: LoginThrottle, policy: Policy, now: datetime) -> tuple[float, bool]:
    """Seconds this key must still wait (and whether it is locked)."""
    locked_until = as_utc(row.locked_until)
    if locked_until and locked_until > now:
        return (locked_until - now).total_seconds(), True
    if row.failures < policy.free or row.last_failure_at is None:
        return 0.0, False
    delay = policy.base_s * 2 ** (row.failures - policy.free)
    return max(0.0, (as_utc(row.last_failure_at) + timedelta(seconds=delay) - now).total_seconds()), False


def _count(session: Session, key: str, policy: Policy, now: datetime) -> None:
    row = session.get(LoginThrottle, key, with_for_update=True) or LoginThrottle(key=key)
    if row.locked_until and as_utc(row.locked_until) <= now:  # a lockout that ran out starts over
        row.failures, row.locked_until = 0, None
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= policy.lock_after and row.locked_until is None:
        row.locked_until = now + timedelta(seconds=policy.lock_s)
        log.warning("sign-in locked for %s after %d failures", key, row.failures)
        audit.record(session, action="auth.login_locked", actor="system", entity="login_throttle", entity_id=key,
                     data={"failures": row.failures, "locked_until": row.locked_until.isoformat()})
    session.add(row)


def check(session: Session, username: str, address: str) -> None:
    """Raise Throttled (and count the attempt) when either key must still wait."""
    now = utcnow()
    waits = []
    for key, policy in _keys(username, address):
        row = session.get(LoginThrottle, key)
        if row is not None:
            waits.append(_wait(row, policy, now))
    retry, locked = max(waits, default=(0.0, False))
    if retry <= 0:
        return
    for key, policy in _keys(username, address):
        _count(session, key, policy, now)
    log.warning("sign-in throttled for %r from %s (%.0f s)", username[:100], address, retry)
    audit.record(session, action="auth.login_throttled", actor="anonymous", entity="staff_user",
                 entity_id=username[:80], data={"address": address, "retry_after_s": int(retry), "locked": locked})
    raise Throttled(retry, locked)


def failed(session: Session, username: str, address: str) -> None:
    now = utcnow()
    for key, policy in _keys(username, address):
        _count(session, key, policy, now)


def succeeded(session: Session, username: str) -> None:
    row = session.get(LoginThrottle, _keys(username, "")[0][0])
    if row is not None:
        session.delete(row)


# --- admins -------------------------------------------------------------------------------------
router = APIRouter(prefix="/api/admin/login-throttle", tags=["auth"])


@router.get("")
def list_throttles(session: Session = Depends(get_session, scope="function"),
                   user: StaffUser = Depends(require_roles())) -> list[dict]:
    """Keys with failed sign-ins still counting: locked ones first."""
    rows = session.execute(select(LoginThrottle).where(or_(LoginThrottle.failures > 0,
                                                           LoginThrottle.locked_until.is_not(None)))).scalars()
    now = utcnow()
    out = [{"key": r.key, "failures": r.failures,
            "last_failure_at": as_utc(r.last_failure_at).isoformat() if r.last_failure_at else None,
            "locked_until": as_utc(r.locked_until).isoformat() if r.locked_until and as_utc(r.locked_until) > now
            else None} for r in rows]
    return sorted(out, key=lambda r: (r["locked_until"] is None, r["key"]))


@router.delete("/{key}")
def clear_throttle(key: str, session: Session = Depends(get_session, scope="function"),
                   user: StaffUser = Depends(require_roles())) -> dict:
    row = session.get(LoginThrottle, key)
    if row is None:
        raise HTTPException(status_code=404, detail="没有该记录 (no such key)")
    session.delete(row)
    audit.record(session, action="auth.login_unlocked", actor=Actor.of(user), entity="login_throttle", entity_id=key)
    return {"ok": True}
