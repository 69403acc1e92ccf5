"""Editing the reference data: case categories (time limits, laws, mediable) and the referral
directory of offices. Every change is an audit entry with before and after."""
from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.directory.models import Category, Office, OfficeKind
from hotline.validation import StrictModel

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class DirectoryError(ValueError):
    pass


def _strip_list(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v.strip() for v in values if v and v.strip()]


class CategoryIn(StrictModel):
    code: str | None = Field(default=None, max_length=40)  # only when creating
    name: str | None = Field(default=None, min_length=1, max_length=40)
    time_limit_hours: int | None = Field(default=None, ge=1, le=24 * 365)
    laws: list[str] | None = None
    mediable: bool | None = None
    sort_order: int | None = None
    active: bool | None = None

    @field_validator("laws")
    @classmethod
    def _laws(cls, v: list[str] | None) -> list[str] | None:
        return _strip_list(v)


class OfficeIn(StrictModel):
    code: str | None = Field(default=None, max_length=60)  # only when creating
    name: str | None = Field(default=None, min_length=1, max_length=120)
    kind: str | None = None
    areas: list[str] | None = None
    categories: list[str] | None = None
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=200)
    extra: dict[str, Any] | None = None
    active: bool | None = None

    @field_validator("areas")
    @classmethod
    def _areas(cls, v: list[str] | None) -> list[str] | None:
        # an empty string is a real area: "" serves everywhere (the fallback office)
        return None if v is None else [a.strip() for a in v]

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str] | None) -> list[str] | None:
        return _strip_list(v)


def category_out(c: Category) -> dict[str, Any]:
    return c.model_dump(mode="json")


def office_out(o: Office) -> dict[str, Any]:
    return {**o.model_dump(mode="json"), "kind_label": OfficeKind.labels.get(o.kind, o.kind)}


def _changes(row: Any, body: StrictModel, skip: set[str]) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True, exclude=skip)
    return {k: v for k, v in fields.items() if v is not None and getattr(row, k) != v}


def save_category(session: Session, body: CategoryIn, *, actor: str, code: str | None = None) -> Category:
    """Create (code None) or update a category."""
    if code is None:
        new_code = (body.code or "").strip()
        if not CODE_RE.match(new_code):
            raise DirectoryError("类别代码须为小写字母、数字、下划线或连字符 (code: a-z 0-9 _ -)")
        if session.get(Category, new_code) is not None:
            raise DirectoryError(f"类别代码已存在: {new_code} (exists)")
        if not body.name:
            raise DirectoryError("请填写类别名称 (name required)")
        row = Category(code=new_code, name=body.name.strip(), time_limit_hours=body.time_limit_hours or 72,
                       laws=body.laws or [], mediable=bool(body.mediable), sort_order=body.sort_order or 100,
                       active=body.active if body.active is not None else True)
        session.add(row)
        session.flush()
        audit.record(session, action="directory.category_added", actor=actor, entity="category", entity_id=row.code,
                     after=category_out(row))
        return row
    row = session.get(Category, code)
    if row is None:
        raise LookupError(f"类别不存在: {code}")
    changes = _changes(row, body, {"code"})
    if not changes:
        return row
    audit.record_update(session, row, changes, action="directory.category_updated", actor=actor, entity="category",
                        entity_id=row.code)
    return row


def _check_office(session: Session, kind: str | None, categories: list[str] | None) -> None:
    if kind is not None and kind not in OfficeKind.labels:
        raise DirectoryError(f"未知的机构类型: {kind} (one of {', '.join(OfficeKind.labels)})")
    if categories:
        known = {c.code for c in session.execute(select(Category)).scalars()}
        unknown = [c for c in categories if c not in known]
        if unknown:
            raise DirectoryError(f"未知的业务类别: {', '.join(unknown)}")


def save_office(session: Session, body: OfficeIn, *, actor: str, office_id: int | None = None) -> Office:
    """Create (office_id None) or update an office of the referral directory."""
    _check_office(session, body.kind, body.categories)
    if office_id is None:
        code = (body.code or "").strip()
        if not CODE_RE.match(code):
            raise DirectoryError("机构代码须为小写字母、数字、下划线或连字符 (code: a-z 0-9 _ -)")
        if session.execute(select(Office).where(Office.code == code)).first() is not None:
            raise DirectoryError(f"机构代码已存在: {code} (exists)")
        if not body.name or not body.kind:
            raise DirectoryError("请填写机构名称和类型 (name and kind required)")
        row = Office(code=code, name=body.name.strip(), kind=body.kind, areas=body.areas if body.areas is not None else [""],
                     categories=body.categories or [], phone=(body.phone or "").strip(),
                     address=(body.address or "").strip(), extra=body.extra or {},
                     active=body.active if body.active is not None else True)
        session.add(row)
        session.flush()
        audit.record(session, action="directory.office_added", actor=actor, entity="office", entity_id=row.id,
                     after=office_out(row))
        return row
    row = session.get(Office, office_id)
    if row is None:
        raise LookupError(f"机构不存在: {office_id}")
    changes = _changes(row, body, {"code"})
    if not changes:
        return row
    audit.record_update(session, row, changes, action="directory.office_updated", actor=actor, entity="office",
                        entity_id=row.id)
    return row


def all_offices(session: Session, include_inactive: bool = True) -> list[Office]:
    query = select(Office).order_by(Office.kind, Office.id)
    if not include_inactive:
        query = query.where(Office.active.is_(True))
    return list(session.execute(query).scalars())
