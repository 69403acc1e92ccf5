"""Staff users and their login sessions."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class Role(StrEnum):
    lawyer = "lawyer"
    manager = "manager"
    legal_aid = "legal_aid"
    mediation = "mediation"
    admin = "admin"


ROLE_LABELS = {
    Role.lawyer: "值班律师",
    Role.manager: "管理人员",
    Role.legal_aid: "法律援助工作人员",
    Role.mediation: "人民调解员",
    Role.admin: "系统管理员",
}


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=64)
    role: str = Field(max_length=20, index=True)
    password_hash: str = Field(max_length=255)
    office_id: int | None = Field(default=None, foreign_key="office.id")  # legal_aid / mediation staff
    phone: str = Field(default="", max_length=32)  # on-call phone for <Dial>
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffSession(SQLModel, table=True):
    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked: bool = False


class StaffPublic(SQLModel):
    id: int
    username: str
    display_name: str
    role: str
    office_id: int | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per account ("user:<name>") and per address ("addr:<ip>"); see
    hotline.auth.throttle."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=120)
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
