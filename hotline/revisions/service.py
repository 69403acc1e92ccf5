"""Keep the current version of a record before it is changed."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from hotline.revisions.models import Revision
from hotline.timeutil import utcnow


def keep(session: Session, entity: str, record: SQLModel, *, actor: str, reason: str,
         exclude: set[str] | None = None) -> dict[str, Any]:
    """Store `record` as it is now, bump its `version`; return the snapshot (the 'before')."""
    before = record.model_dump(mode="json", exclude=exclude)
    session.add(Revision(entity=entity, entity_id=record.id, version=record.version, snapshot=before,
                         changed_by=actor, reason=reason))
    record.version += 1
    if hasattr(record, "updated_at"):
        record.updated_at = utcnow()
    return before


def history(session: Session, entity: str, entity_id: int) -> list[Revision]:
    return list(session.execute(select(Revision).where(Revision.entity == entity, Revision.entity_id == entity_id)
                                .order_by(Revision.version)).scalars())
