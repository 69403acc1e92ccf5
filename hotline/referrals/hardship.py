"""The provincial economic-hardship standards (法律援助法第三十四条): a versioned table, seeded with
sample values on first start, edited by managers and admins; every change audited, no row ever
changed or deleted."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.referrals.models import HardshipStandard
from hotline.referrals.schemas import HardshipIn
from routing.eligibility.application import PROVINCES, HardshipRow, standard_in_force

DEFAULTS = Path(__file__).with_name("hardship_defaults.json")


class HardshipError(ValueError):
    pass


def seed_defaults(session: Session) -> bool:
    """Insert the sample standards if the table is empty. Returns True if it seeded."""
    if session.execute(select(HardshipStandard.id).limit(1)).first() is not None:
        return False
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    for item in data["standards"]:
        session.add(HardshipStandard(province=item["province"], effective_from=date.fromisoformat(item["effective_from"]),
                                     version=1, monthly_income_per_member=float(item["monthly_income_per_member"]),
                                     basis=item.get("basis", ""), note=item.get("note", ""),
                                     sample=bool(item.get("sample", True)), created_by="seed"))
    session.flush()
    audit.record(session, action="referral.hardship_seeded", actor="system", entity="hardship_standard",
                 data={"rows": len(data["standards"]), "sample": True})
    return True


def rows(session: Session) -> list[HardshipRow]:
    return [HardshipRow(r.id, r.province, r.effective_from, r.version, float(r.monthly_income_per_member), r.basis,
                        r.sample)
            for r in session.execute(select(HardshipStandard)).scalars()]


def as_dict(row: HardshipStandard, in_force_id: int | None = None) -> dict[str, Any]:
    return {"id": row.id, "province": row.province, "effective_from": row.effective_from.isoformat(),
            "version": row.version, "monthly_income_per_member": float(row.monthly_income_per_member),
            "basis": row.basis, "note": row.note, "sample": row.sample, "in_force": row.id == in_force_id,
            "created_at": row.created_at.isoformat(), "created_by": row.created_by}


def listing(session: Session, today: date, province: str | None = None) -> list[dict[str, Any]]:
    query = select(HardshipStandard)
    if province:
        query = query.where(HardshipStandard.province == province)
    found = list(session.execute(query).scalars())
    all_rows = rows(session)
    in_force = {p: standard_in_force(all_rows, p, today) for p in {r.province for r in found}}
    ids = {row.id for row in in_force.values() if row is not None}
    found.sort(key=lambda r: (r.effective_from, r.version, r.id), reverse=True)
    return [as_dict(r, r.id if r.id in ids else None) for r in found]


def add(session: Session, body: HardshipIn, *, actor: str) -> HardshipStandard:
    """A new version. Same province and date as an existing row: it supersedes it (version + 1)."""
    problems = []
    if body.province not in PROVINCES:
        problems.append(f"未知的省份「{body.province}」")
    if not body.monthly_income_per_member > 0 or body.monthly_income_per_member > 1_000_000:
        problems.append("经济困难标准（家庭人均月收入）须为大于 0 的金额")
    if problems:
        raise HardshipError("；".join(problems) + " (invalid hardship standard)")
    latest = session.execute(select(func.max(HardshipStandard.version)).where(
        HardshipStandard.province == body.province, HardshipStandard.effective_from == body.effective_from)).scalar()
    row = HardshipStandard(province=body.province, effective_from=body.effective_from, version=(latest or 0) + 1,
                           monthly_income_per_member=round(float(body.monthly_income_per_member), 2),
                           basis=body.basis.strip(), note=body.note.strip(), sample=body.sample, created_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, action="referral.hardship_standard_added", actor=actor, entity="hardship_standard",
                 entity_id=row.id, after=as_dict(row), data={"supersedes_version": latest})
    return row
