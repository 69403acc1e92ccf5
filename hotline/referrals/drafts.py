"""A referral draft pre-filled from the case and its conversation (nothing stored): parties,
summary, facts, transcript excerpt, category, the office it would go to and, for legal aid, a
draft application with the matter type guessed from the category and the citizen's words."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from hotline.cases.models import Case
from hotline.contacts import service as contacts
from hotline.contacts.models import Citizen, Contact, Speaker
from hotline.directory.models import Category
from hotline.directory.service import get_category, list_offices
from hotline.referrals import hardship
from hotline.referrals.present import office_out
from hotline.referrals.schemas import LEGAL_AID_TYPES
from hotline.referrals.service import EXCERPT_DEFAULT
from routing.eligibility.matter import guess_applicant, guess_matters, guess_preservation, guess_respondent
from routing.eligibility.offices import TYPE_KIND, match_office, no_office_message
from routing.eligibility.application import PROVINCES, ApplicationError
from routing.eligibility.rules import assess_json


def province_of(area: str) -> str | None:
    return next((p for p in PROVINCES if area.startswith(p)), None)


def draft(session: Session, case: Case, referral_type: str, *, today: date) -> dict[str, Any]:
    citizen = session.get(Citizen, case.citizen_id)
    category: Category | None = get_category(session, case.category_code)
    utterances = contacts.case_transcript(session, case.id)
    citizen_text = "\n".join(u.text for u in utterances if u.speaker == Speaker.citizen)
    area = (citizen.area if citizen else "") or ""
    summary = case.summary.strip() or citizen_text.replace("\n", " ")[:200]
    facts = case.facts.strip() or citizen_text
    respondent = guess_respondent(citizen_text)
    parties = [{"role": "applicant", "name": citizen.name if citizen else "", "phone": (citizen.phone or "") if citizen else "",
                "address": citizen.address if citizen else "", "description": ""}]
    if referral_type in ("mediation", "court", "justice_bureau") or respondent:
        parties.append({"role": "respondent", "name": "", "phone": "", "address": "", "description": respondent})
    match = match_office(list_offices(session, TYPE_KIND[referral_type]), referral_type, area,
                         category.code if category else None)
    suggested = None
    if match is not None:
        suggested = {**office_out(match.office), "matched_area": match.matched_area}
    last_contact = session.get(Contact, utterances[-1].contact_id) if utterances else None
    out: dict[str, Any] = {
        "type": referral_type, "case_id": case.id, "case_reference": case.reference,
        "category_code": case.category_code, "category": category.name if category else "",
        "mediable": bool(category and category.mediable), "area": area, "summary": summary, "facts": facts,
        "parties": parties, "contact_id": last_contact.id if last_contact else None,
        "transcript_excerpt": [{"utterance_id": u.id, "speaker": u.speaker, "text": u.text,
                                "at": u.started_at.isoformat()} for u in utterances[-EXCERPT_DEFAULT:]],
        "suggested_office": suggested,
        "office_error": None if match else no_office_message(referral_type, area, category.name if category else None),
        "application": None, "assessment": None, "application_errors": [], "guessed": [],
        "consent_required": referral_type == "mediation",
        "consent": ({"given": False, "method": "chat" if last_contact is None or last_contact.channel == "chat"
                     else "phone", "note": ""} if referral_type == "mediation" else None),
    }
    if referral_type in LEGAL_AID_TYPES:
        guessed: list[str] = []
        province = province_of(area)
        if province is None:
            guessed.append("province")
        application: dict[str, Any] = {"province": province or "", "application_date": today.isoformat(),
                                       "economy": {"integrity_pledge": False}}
        if referral_type == "criminal_defence":
            application.update(criminal_defence=True, criminal={"has_defender": False})
        else:
            matters = guess_matters(case.category_code, citizen_text)
            facts_found, applicant_guessed = guess_applicant(citizen_text, matters)
            application.update(matter_types=matters, applicant={"name": citizen.name if citizen else "", **facts_found},
                               matter_description=summary[:500], preservation_needed=guess_preservation(citizen_text))
            guessed += ["matter_types", *applicant_guessed]
            if application["preservation_needed"]:
                guessed.append("preservation_needed")
        out["application"] = application
        out["guessed"] = guessed
        try:
            out["assessment"] = assess_json(application, hardship.rows(session), today)
        except ApplicationError as exc:
            out["application_errors"] = exc.errors
    return out
