"""Categories and offices: seeded from defaults.json on first start, then edited as data."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.directory.models import Category, Office

DEFAULTS = Path(__file__).with_name("defaults.json")


def seed_defaults(session: Session) -> bool:
    """Insert the default categories and offices if the tables are empty. Returns True if seeded."""
    if session.execute(select(Category).limit(1)).first() is not None:
        return False
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    for order, item in enumerate(data["categories"]):
        session.add(Category(sort_order=order, **item))
    for item in data["offices"]:
        session.add(Office(**item))
    session.flush()
    audit.record(session, action="directory.seeded", actor="system", entity="directory",
                 data={"categories": len(data["categories"]), "offices": len(data["offices"])})
    return True


def list_categories(session: Session, active_only: bool = True) -> list[Category]:
    query = select(Category).order_by(Category.sort_order)
    if active_only:
        query = query.where(Category.active.is_(True))
    return list(session.execute(query).scalars())


def get_category(session: Session, code: str | None) -> Category | None:
    return session.get(Category, code) if code else None


def list_offices(session: Session, kind: str | None = None) -> list[Office]:
    query = select(Office).where(Office.active.is_(True)).order_by(Office.id)
    if kind:
        query = query.where(Office.kind == kind)
    return list(session.execute(query).scalars())
