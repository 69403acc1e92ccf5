"""Inspecting a sampled contact, the lawyer's dispute, the manager's decision, the queue and
the dashboard figures (质检率, pass rate, average per lawyer and per section, worst items)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import StaffUser
from hotline.contacts.models import Contact
from hotline.deadlines.service import local_text
from hotline.policy import service as policy
from hotline.privacy import redact
from hotline.quality import scoring
from hotline.quality.models import INSPECTION_STATUS, SAMPLE_REASONS, Inspection, QualityForm, QualitySample
from hotline.quality.service import QualityError
from hotline.timeutil import utcnow


def _names(session: Session) -> dict[int, str]:
    return {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}


def queue(session: Session, tz: ZoneInfo, status: str = "queued", limit: int = 200) -> list[dict[str, Any]]:
    names = _names(session)
    query = select(QualitySample).order_by(QualitySample.id.desc()).limit(limit)
    if status != "all":
        query = query.where(QualitySample.status == status)
    return [{"id": s.id, "contact_id": s.contact_id, "lawyer": names.get(s.lawyer_id, ""), "lawyer_id": s.lawyer_id,
             "reason": s.reason, "reason_label": SAMPLE_REASONS.get(s.reason, s.reason), "week": s.week,
             "status": s.status, "created_local": local_text(s.created_at, tz)}
            for s in session.execute(query).scalars()]


def sample(session: Session, sample_id: int) -> QualitySample:
    row = session.get(QualitySample, sample_id)
    if row is None:
        raise LookupError(f"抽检记录不存在 (sample {sample_id} not found)")
    return row


def material(session: Session, contact_id: int, tz: ZoneInfo) -> dict[str, Any]:
    """What the inspector reviews: the transcript, the suggestions shown and what the lawyer did
    with them, the case, and the call's recording link; personal data redacted."""
    from hotline.assist.models import Suggestion
    from hotline.cases.models import Case
    from hotline.contacts.service import transcript
    from hotline.voice.models import CallEvent

    contact = session.get(Contact, contact_id)
    case = session.get(Case, contact.case_id) if contact.case_id else None
    suggestions = session.execute(select(Suggestion).where(Suggestion.contact_id == contact_id)
                                  .order_by(Suggestion.batch, Suggestion.rank)).scalars()
    recordings = [e.data.get("recording_url") for e in session.execute(
        select(CallEvent).where(CallEvent.contact_id == contact_id).order_by(CallEvent.id)).scalars()
        if (e.data or {}).get("recording_url")]
    return {"contact": {"id": contact.id, "channel": contact.channel, "category": contact.category_code or "",
                        "disposition": contact.disposition, "answered_local": local_text(contact.answered_at, tz),
                        "ended_local": local_text(contact.ended_at, tz)},
            "transcript": [{"speaker": u.speaker, "text": redact(u.text), "at": local_text(u.started_at, tz)}
                           for u in transcript(session, contact_id)],
            "suggestions": [{"batch": s.batch, "rank": s.rank, "kind": s.kind, "title": s.title,
                             "clicked": s.clicked_at is not None, "copied": s.copied_at is not None,
                             "rating": s.rating or "", "rating_reason": s.rating_reason} for s in suggestions],
            "case": None if case is None else {"reference": case.reference, "status": case.status,
                                               "summary": redact(case.summary), "disposition": case.disposition},
            "recordings": recordings}


def inspect(session: Session, sample_id: int, *, form_id: int, answers: Any, comment: str,
            inspector: StaffUser, now: datetime | None = None) -> Inspection:
    row = sample(session, sample_id)
    if row.status == "inspected":
        raise QualityError("该咨询已质检 (already inspected)")
    form = session.get(QualityForm, form_id)
    if form is None or not form.active:
        raise LookupError(f"质检表不存在或已停用 (form_id {form_id})")
    result = scoring.score(form.sections, answers)
    passed = not result["critical_failed"] and result["score"] >= float(policy.get(session, "quality.pass_score"))
    inspection = Inspection(sample_id=row.id, contact_id=row.contact_id, lawyer_id=row.lawyer_id, form_id=form.id,
                            form={"name": form.name, "version": form.version, "sections": form.sections},
                            answers=answers, score=result["score"], section_scores=result["section_scores"],
                            critical_failed=result["critical_failed"], passed=passed, comment=comment[:2000],
                            inspector_id=inspector.id, inspected_at=now or utcnow())
    row.status = "inspected"
    session.add_all([inspection, row])
    session.flush()
    audit.record(session, action="quality.inspected", actor=f"staff:{inspector.id}", entity="inspection",
                 entity_id=inspection.id, contact_id=row.contact_id,
                 data={"score": inspection.score, "passed": passed, "critical_failed": inspection.critical_failed,
                       "form_id": form.id, "form_version": form.version, "lawyer_id": row.lawyer_id})
    return inspection


def get(session: Session, inspection_id: int) -> Inspection:
    row = session.get(Inspection, inspection_id)
    if row is None:
        raise LookupError(f"质检记录不存在 (inspection {inspection_id} not found)")
    return row


def dispute(session: Session, inspection_id: int, *, lawyer: StaffUser, reason: str) -> Inspection:
    """The inspected lawyer disputes the result, once, with a reason."""
    row = get(session, inspection_id)
    if row.lawyer_id != lawyer.id:
        raise PermissionError("只能对自己的质检结果申诉 (not your inspection)")
    if row.disputed_at is not None:
        raise QualityError("每次质检只能申诉一次 (already disputed)")
    if not reason.strip():
        raise QualityError("申诉须填写理由 (reason)")
    row.status, row.dispute_reason, row.disputed_at = "disputed", reason.strip()[:1000], utcnow()
    session.add(row)
    audit.record(session, action="quality.disputed", actor=f"staff:{lawyer.id}", entity="inspection",
                 entity_id=row.id, contact_id=row.contact_id, data={"reason": row.dispute_reason})
    return row


def decide(session: Session, inspection_id: int, *, manager: StaffUser, decision: str, note: str,
           score: float | None = None) -> Inspection:
    """The manager upholds the score or revises it (`score` 0-100)."""
    row = get(session, inspection_id)
    if row.status != "disputed":
        raise QualityError("该质检没有待处理的申诉 (no open dispute)")
    if decision not in ("upheld", "revised"):
        raise QualityError("decision 须为 upheld 或 revised (decision)")
    if decision == "revised":
        if score is None or isinstance(score, bool) or not 0 <= score <= 100:
            raise QualityError("改分须给出 0 到 100 的分数 (score)")
        row.final_score = float(score)
        row.passed = row.final_score >= float(policy.get(session, "quality.pass_score"))  # the manager's word
    row.status, row.decided_by, row.decided_at, row.decision_note = decision, manager.id, utcnow(), note[:1000]
    session.add(row)
    audit.record(session, action="quality.decided", actor=f"staff:{manager.id}", entity="inspection",
                 entity_id=row.id, contact_id=row.contact_id,
                 data={"decision": decision, "score": row.score, "final_score": row.final_score, "note": note})
    return row


def inspection_dict(session: Session, row: Inspection, tz: ZoneInfo, names: dict[int, str] | None = None,
                    with_material: bool = False) -> dict[str, Any]:
    names = names if names is not None else _names(session)
    out = {"id": row.id, "sample_id": row.sample_id, "contact_id": row.contact_id, "lawyer_id": row.lawyer_id,
           "lawyer": names.get(row.lawyer_id, ""), "form": row.form, "answers": row.answers, "score": row.score,
           "final_score": row.final_score, "effective_score": row.final_score if row.final_score is not None else row.score,
           "section_scores": row.section_scores, "critical_failed": row.critical_failed, "passed": row.passed,
           "comment": row.comment, "inspector": names.get(row.inspector_id, ""),
           "inspected_local": local_text(row.inspected_at, tz), "status": row.status,
           "status_label": INSPECTION_STATUS.get(row.status, row.status), "dispute_reason": row.dispute_reason,
           "can_dispute": row.disputed_at is None, "decision_note": row.decision_note,
           "decided_local": local_text(row.decided_at, tz)}
    if with_material:
        out["material"] = material(session, row.contact_id, tz)
    return out


def inspections(session: Session, tz: ZoneInfo, *, lawyer_id: int | None = None, status: str | None = None,
                limit: int = 200) -> list[dict[str, Any]]:
    query = select(Inspection).order_by(Inspection.id.desc()).limit(limit)
    if lawyer_id is not None:
        query = query.where(Inspection.lawyer_id == lawyer_id)
    if status:
        query = query.where(Inspection.status == status)
    names = _names(session)
    return [inspection_dict(session, r, tz, names) for r in session.execute(query).scalars()]


def dashboard(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Over contacts answered in [start, end): 质检率 (inspected / answered), pass rate, average
    score per lawyer and per form section, and the items most often failed."""
    answered = session.execute(select(func.count()).select_from(Contact).where(
        Contact.answered_at >= start, Contact.answered_at < end, Contact.ended_at.is_not(None))).scalar_one()
    rows = list(session.execute(select(Inspection).join(Contact, Contact.id == Inspection.contact_id).where(
        Contact.answered_at >= start, Contact.answered_at < end)).scalars())
    names = _names(session)
    per_lawyer: dict[int, list[float]] = defaultdict(list)
    per_section: dict[str, list[float]] = defaultdict(list)
    items: dict[str, dict[str, Any]] = {}
    for r in rows:
        effective = r.final_score if r.final_score is not None else r.score
        per_lawyer[r.lawyer_id].append(effective)
        for title, value in (r.section_scores or {}).items():
            if value is not None:
                per_section[title].append(value)
        texts = {q["id"]: q["text"] for s in r.form.get("sections", []) for q in s["questions"]}
        result = scoring.score(r.form.get("sections", []), r.answers)
        for qid, value in result["items"].items():
            if value is None:
                continue
            item = items.setdefault(qid, {"id": qid, "text": texts.get(qid, qid), "values": []})
            item["values"].append(value)
    worst = sorted(({"id": i["id"], "text": i["text"], "average": round(100 * mean(i["values"]), 1),
                     "answered": len(i["values"])} for i in items.values()), key=lambda i: (i["average"], i["id"]))
    return {"answered": answered, "inspected": len(rows),
            "inspection_rate": round(len(rows) / answered, 4) if answered else None,
            "pass_rate": round(sum(1 for r in rows if r.passed) / len(rows), 4) if rows else None,
            "average_score": round(mean([r.final_score if r.final_score is not None else r.score for r in rows]), 2)
            if rows else None,
            "disputes": sum(1 for r in rows if r.disputed_at is not None),
            "per_lawyer": sorted(({"lawyer_id": k, "name": names.get(k, f"#{k}"), "inspected": len(v),
                                   "average": round(mean(v), 2)} for k, v in per_lawyer.items()),
                                 key=lambda r: r["average"]),
            "per_section": [{"title": k, "average": round(mean(v), 2)} for k, v in per_section.items()],
            "worst_items": worst[:5]}
