"""Referrals as JSON for the API: inbox rows and the full detail, raw or redacted by reader."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hotline.auth.models import StaffUser
from hotline.cases.models import Case
from hotline.contacts.models import Citizen
from hotline.directory.models import Category, Office
from hotline.privacy import mask_name, redact, redact_value
from hotline.referrals import service
from hotline.referrals.models import RECORD_LABELS, STATUS_LABELS, Referral, ReferralEvent, ReferralRecord
from routing.eligibility.offices import TYPE_LABELS


def office_out(office: Office | None) -> dict[str, Any] | None:
    if office is None:
        return None
    return {"id": office.id, "code": office.code, "name": office.name, "kind": office.kind, "phone": office.phone,
            "address": office.address, "areas": list(office.areas or [])}


def effective(referral: Referral) -> dict[str, Any]:
    """Eligibility as it stands: the legal-aid staff's override if any, else the assessment."""
    source = referral.override or referral.assessment or {}
    return {"eligible": source.get("eligible"), "economic_review": source.get("economic_review")}


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u.display_name for u in session.execute(select(StaffUser).where(StaffUser.id.in_(ids))).scalars()}


def _applicant_name(referral: Referral, citizen: Citizen | None) -> str:
    applicant = next((p for p in referral.parties or [] if p.get("role") == "applicant"), {})
    return applicant.get("name") or (citizen.name if citizen else "") or ""


def summary_out(session: Session, referral: Referral, case: Case, raw: bool) -> dict[str, Any]:
    office = session.get(Office, referral.office_id)  # the session's identity map caches repeated rows
    category = session.get(Category, referral.category_code) if referral.category_code else None
    citizen = session.get(Citizen, case.citizen_id)
    creator = session.get(StaffUser, referral.created_by) if referral.created_by else None
    review_due = next((d["date"] for d in referral.deadlines or [] if d.get("kind") == "legal_aid_review"), None)
    return {"id": referral.id, "reference": referral.reference, "type": referral.type,
            "type_label": TYPE_LABELS.get(referral.type, referral.type), "status": referral.status,
            "status_label": STATUS_LABELS.get(referral.status, referral.status), "urgent": referral.urgent,
            **effective(referral),
            "office": {"id": office.id, "name": office.name} if office else None,
            "case_id": case.id, "case_reference": case.reference, "case_status": case.status,
            "category": category.name if category else (referral.category_code or ""),
            "category_code": referral.category_code,
            "applicant_name": _applicant_name(referral, citizen) if raw else mask_name(_applicant_name(referral, citizen)),
            "summary": referral.summary if raw else redact(referral.summary),
            "created_at": referral.created_at.isoformat(), "updated_at": referral.updated_at.isoformat(),
            "created_by": {"id": creator.id, "name": creator.display_name} if creator else None,
            "review_due": review_due}


EVENT_LABELS = {"created": "提交转介", "decision": "接收机构决定", "override": "变更评估结论", "record": "登记文书",
                "supplement": "补充材料", "withdrawn": "撤回转介", "notice": "告知当事人"}


def history_out(session: Session, referral: Referral, raw: bool) -> list[dict[str, Any]]:
    rows = list(session.execute(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                                .order_by(ReferralEvent.id)).scalars())
    names = _names(session, {r.actor_id for r in rows})
    return [{"id": r.id, "event": r.event, "event_label": EVENT_LABELS.get(r.event, r.event), "from_status": r.from_status, "to_status": r.to_status,
             "to_status_label": STATUS_LABELS.get(r.to_status or "", ""), "actor": r.actor,
             "by_name": names.get(r.actor_id, "系统") if r.actor_id else "系统",
             "reason": r.reason if raw else redact(r.reason), "code": r.code,
             "data": r.data if raw else redact_value(r.data),
             "occurred_at": r.occurred_at.isoformat(), "recorded_at": r.recorded_at.isoformat()} for r in rows]


def records_out(session: Session, referral: Referral, raw: bool) -> list[dict[str, Any]]:
    rows = list(session.execute(select(ReferralRecord).where(ReferralRecord.referral_id == referral.id)
                                .order_by(ReferralRecord.id)).scalars())
    names = _names(session, {r.created_by for r in rows})
    return [{"id": r.id, "record_type": r.record_type, "label": RECORD_LABELS.get(r.record_type, r.record_type),
             "title": r.title, "note": r.note if raw else redact(r.note), "generated": r.generated,
             "occurred_at": r.occurred_at.isoformat(), "created_at": r.created_at.isoformat(),
             "by_name": names.get(r.created_by, "") if r.created_by else "",
             "attachment": ({"filename": r.filename, "content_type": r.content_type, "size": r.size,
                             "sha256": r.sha256} if r.sha256 else None)} for r in rows]


def detail_out(session: Session, referral: Referral, case: Case, user: StaffUser) -> dict[str, Any]:
    raw = service.sees_raw(user, referral, case)
    citizen = session.get(Citizen, case.citizen_id)
    office = session.get(Office, referral.office_id)
    history = history_out(session, referral, raw)
    applicant = next((p for p in referral.parties or [] if p.get("role") == "applicant"), {})
    # Parties' names and contact details are what the receiving office needs to act (call the
    # applicant, invite the other side to mediation): shown to it in the system, never ID numbers.
    # The packet, which may leave the system on paper, redacts phones and addresses.
    parties = [{**p, "description": p.get("description", "") if raw else redact(p.get("description", ""))}
               for p in referral.parties or []]
    assessment = referral.assessment if raw else redact_value(referral.assessment)
    return {
        **summary_out(session, referral, case, raw),
        "office": office_out(office),
        "area": referral.area, "reason": referral.reason if raw else redact(referral.reason),
        "note": referral.note if raw else redact(referral.note),
        "facts": referral.facts if raw else redact(referral.facts),
        "parties": parties,
        # the receiving office must reach the applicant: name and contact, not the ID number
        "applicant_contact": {"name": _applicant_name(referral, citizen),
                              "phone": applicant.get("phone") or (citizen.phone if citizen else "") or "",
                              "address": applicant.get("address") or (citizen.address if citizen else "") or ""},
        "consent": referral.consent,
        "application": referral.application if raw else redact_value(referral.application),
        "assessment": assessment, "override": referral.override, "decision": referral.decision,
        "deadlines": referral.deadlines or [],
        "transcript_excerpt": [{**u, "text": u["text"] if raw else redact(u["text"])}
                               for u in referral.transcript_excerpt or []],
        "history": history,
        "records": records_out(session, referral, raw),
        "citizen_notices": [h["data"] for h in history if h["event"] == "notice"],
        "allowed": service.allowed_actions(user, referral, case),
        "raw": raw,
    }
