"""Quality inspection: forms, sampling into the queue (from the audit log), inspecting, the
lawyer's one dispute and the manager's decision, and the dashboard figures.

Functions work in the caller's transaction and never commit."""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.contacts.models import Contact
from hotline.deadlines import service as deadlines
from hotline.policy import service as policy
from hotline.privacy import redact
from hotline.quality import scoring
from hotline.quality.models import SAMPLE_REASONS, QualityForm, QualitySample
from hotline.timeutil import as_utc, utcnow

COMPLAINT_WORDS = ("投诉",)


class QualityError(ValueError):
    pass


# -- forms -----------------------------------------------------------------------------------------
def forms(session: Session, active_only: bool = False) -> list[QualityForm]:
    query = select(QualityForm).order_by(QualityForm.id)
    if active_only:
        query = query.where(QualityForm.active.is_(True))
    forms_ = list(session.execute(query).scalars())
    if not forms_ and not active_only:
        forms_ = [ensure_default_form(session)]
    return forms_


def ensure_default_form(session: Session) -> QualityForm:
    form = session.execute(select(QualityForm).order_by(QualityForm.id).limit(1)).scalar_one_or_none()
    if form is None:
        form = QualityForm(name="热线解答质检表", sections=scoring.validate_sections(scoring.DEFAULT_FORM))
        session.add(form)
        session.flush()
    return form


def save_form(session: Session, *, form_id: int | None, name: str, sections: Any, active: bool,
              actor: str) -> QualityForm:
    clean = scoring.validate_sections(sections)
    if not name.strip():
        raise scoring.FormError("表单名称不能为空 (name)")
    form = session.get(QualityForm, form_id) if form_id else QualityForm(name=name)
    if form is None:
        raise LookupError(f"质检表不存在 (form {form_id} not found)")
    before = None if form.id is None else {"name": form.name, "sections": form.sections, "version": form.version}
    if form.id is not None:
        form.version += 1
    form.name, form.sections, form.active, form.updated_at = name.strip()[:80], clean, active, utcnow()
    session.add(form)
    session.flush()
    audit.record(session, action="quality.form_saved", actor=actor, entity="quality_form", entity_id=form.id,
                 before=before, after={"name": form.name, "sections": clean, "version": form.version})
    return form


# -- sampling --------------------------------------------------------------------------------------
def iso_week(at: datetime, tz: ZoneInfo) -> tuple[str, datetime, datetime]:
    local = as_utc(at).astimezone(tz)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time(), tz)
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}", monday, monday + timedelta(days=7)


def add_sample(session: Session, contact: Contact, reason: str, *, note: str = "", actor: str = "system",
               tz: ZoneInfo | None = None) -> QualitySample | None:
    """Put a contact in the queue; a contact already there keeps one sample (a rating or a
    complaint outranks the random pick and replaces its reason)."""
    if reason not in SAMPLE_REASONS:
        raise QualityError(f"reason 须为 {'/'.join(SAMPLE_REASONS)} (reason)")
    if contact.answered_at is None or contact.lawyer_id is None:
        raise QualityError("该咨询未经律师接待，无法质检 (contact not answered)")
    sample = session.execute(select(QualitySample).where(QualitySample.contact_id == contact.id)).scalar_one_or_none()
    if sample is not None:
        if sample.reason == "random" and reason != "random":
            sample.reason, sample.note = reason, note[:500]
            session.add(sample)
            audit.record(session, action="quality.sampled", actor=actor, entity="quality_sample", entity_id=sample.id,
                         contact_id=contact.id, data={"reason": reason, "replaces": "random"})
        return None
    week, _, _ = iso_week(contact.answered_at, tz or deadlines.hotline_tz())
    sample = QualitySample(contact_id=contact.id, lawyer_id=contact.lawyer_id, reason=reason, week=week, note=note[:500])
    session.add(sample)
    session.flush()
    audit.record(session, action="quality.sampled", actor=actor, entity="quality_sample", entity_id=sample.id,
                 case_id=contact.case_id, contact_id=contact.id, data={"reason": reason, "week": week})
    return sample


def _random_pick(session: Session, contact: Contact, percent: float, rng: random.Random, tz: ZoneInfo) -> bool:
    """At least `percent` of each lawyer's answered contacts per week: picked at random with that
    probability, and always when the week's random picks so far fall below the floor."""
    if percent <= 0:
        return False
    _, start, end = iso_week(contact.answered_at, tz)
    answered = session.execute(select(func.count()).select_from(Contact).where(
        Contact.lawyer_id == contact.lawyer_id, Contact.answered_at >= start, Contact.answered_at < end,
        Contact.ended_at.is_not(None))).scalar_one()
    week, _, _ = iso_week(contact.answered_at, tz)
    picked = session.execute(select(func.count()).select_from(QualitySample).where(
        QualitySample.lawyer_id == contact.lawyer_id, QualitySample.week == week)).scalar_one()
    return picked < math.ceil(answered * percent / 100) or rng.random() * 100 < percent


def from_entry(session: Session, entry: Any, rng: random.Random | None = None) -> QualitySample | None:
    data = entry.data or {}
    contact = session.get(Contact, entry.contact_id) if entry.contact_id else None
    if contact is None or contact.answered_at is None or contact.lawyer_id is None:
        return None
    tz = deadlines.hotline_tz()
    if entry.action == "contact.rated":
        comment = str(data.get("comment", ""))
        if any(w in comment for w in COMPLAINT_WORDS):
            return add_sample(session, contact, "complaint", note=redact(comment), tz=tz)
        score = data.get("score")
        if isinstance(score, int) and score <= int(policy.get(session, "followup.dissatisfied_max_score")):
            return add_sample(session, contact, "dissatisfied", tz=tz)
    elif entry.action == "contact.ended" and data.get("outcome") == "answered":
        if _random_pick(session, contact, float(policy.get(session, "quality.sample_percent")), rng or random.Random(), tz):
            return add_sample(session, contact, "random", tz=tz)
    return None


def sweep(session: Session, rng: random.Random | None = None) -> list[QualitySample]:
    entries = list(policy.sweep_entries(session, "quality", ("contact.rated", "contact.ended")))
    return [s for e in entries if (s := from_entry(session, e, rng)) is not None]
