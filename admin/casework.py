"""Case-work figures for the dashboard: overdue cases (限时办结) and referrals by type and status."""
from __future__ import annotations

import importlib
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from hotline.auth.models import StaffUser
from hotline.cases import service as cases
from hotline.cases.models import STATUS_LABELS
from hotline.directory.service import list_categories
from hotline.privacy import redact
from hotline.timeutil import utcnow


def overdue(session: Session, tz: ZoneInfo, now: datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Open cases past their deadline, most overdue first; summaries redacted."""
    now = now or utcnow()
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    categories = {c.code: c.name for c in list_categories(session, active_only=False)}
    out = []
    for case in cases.overdue_cases(session, now)[:limit]:
        out.append({"id": case.id, "reference": case.reference,
                    "category": categories.get(case.category_code, case.category_code or "未分类"),
                    "status": case.status, "status_label": STATUS_LABELS.get(case.status, case.status),
                    "owner": names.get(case.owner_id, "未分配") if case.owner_id else "未分配",
                    "received_at": case.received_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                    "deadline_at": case.deadline_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                    "overdue_hours": round((now - case.deadline_at).total_seconds() / 3600, 1),
                    "summary": redact(case.summary)[:120]})
    return out


def _referral_model() -> Any:
    """The referral table if the referrals package provides it (tolerated while it is absent)."""
    try:
        module = importlib.import_module("hotline.referrals.models")
    except ImportError:
        return None
    return getattr(module, "Referral", None)


def referrals(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Referrals created in [start, end) by office kind (type) and by status."""
    model = _referral_model()
    if model is None:
        return {"available": False, "by_type": {}, "by_status": {}, "matrix": {}, "total": 0}
    created = getattr(model, "created_at")
    rows = session.execute(select(model).where(created >= start, created < end)).scalars().all()
    kind_attr = next((a for a in ("type", "kind", "office_kind") if hasattr(model, a)), None)
    by_type: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    matrix: dict[str, Counter[str]] = {}
    for r in rows:
        kind = str(getattr(r, kind_attr, "") or "") if kind_attr else ""
        status = str(getattr(r, "status", "") or "")
        by_type[kind] += 1
        by_status[status] += 1
        matrix.setdefault(kind, Counter())[status] += 1
    return {"available": True, "total": len(rows), "by_type": dict(by_type), "by_status": dict(by_status),
            "matrix": {k: dict(v) for k, v in matrix.items()}}
