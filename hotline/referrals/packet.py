"""The hand-off packet: everything the receiving office needs to act without the hotline, as a
JSON document and a printable HTML page (A4, print CSS, no external assets).

What leaves the system here is redacted: free text and the transcript go through
`hotline.privacy.redact`; parties keep their names (the office must know whom it serves) but
phone numbers and addresses are replaced by labels, and no ID number is included. Office staff
signed in to the hotline see the contact details in the referral itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session

from hotline.cases.models import STATUS_LABELS as CASE_STATUS_LABELS
from hotline.cases.models import Case
from hotline.directory.models import Category, Office
from hotline.privacy import redact, redact_value
from hotline.referrals.models import STATUS_LABELS, Referral
from hotline.referrals.present import effective, history_out, office_out, records_out
from hotline.timeutil import utcnow
from routing.eligibility.law import MEDIATION_LAW, cite, quote
from routing.eligibility.offices import TYPE_LABELS
from routing.eligibility.application import MATTERS

PACKET_VERSION = 1
HOTLINE = "12348公共法律服务热线"
_env = Environment(loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
                   autoescape=select_autoescape(["html"]))
SPEAKERS = {"citizen": "来电人/咨询人", "lawyer": "热线律师", "system": "系统"}

MEDIATION_NOTES = [
    (cite(3, 1, law=MEDIATION_LAW), quote(3, 1, law=MEDIATION_LAW)),
    (cite(17, law=MEDIATION_LAW), quote(17, law=MEDIATION_LAW)),
    (cite(27, law=MEDIATION_LAW), quote(27, law=MEDIATION_LAW)),
]


def _party(p: dict[str, Any]) -> dict[str, Any]:
    return {"role": p.get("role"), "name": p.get("name", ""),
            "phone": "【电话】" if p.get("phone") else "", "address": "【地址】" if p.get("address") else "",
            "description": redact(p.get("description", ""))}


def _consent(consent: dict[str, Any] | None) -> dict[str, Any] | None:
    """The citizen's consent; its free-text note is redacted like every other free text."""
    if not consent:
        return consent
    return {**consent, "note": redact(consent.get("note") or "")}


def build(session: Session, referral: Referral, tz: str = "Asia/Shanghai") -> dict[str, Any]:
    case = session.get(Case, referral.case_id)
    office = session.get(Office, referral.office_id)
    category = session.get(Category, referral.category_code) if referral.category_code else None
    assessment = redact_value(referral.assessment) if referral.assessment else None
    application = None
    if referral.application:
        app = referral.application
        application = redact_value({
            "province": app.get("province"), "application_date": app.get("application_date"),
            "matter_types": [{"code": c, "label": MATTERS[c].label if c in MATTERS else c}
                             for c in app.get("matter_types", [])],
            "matter_description": app.get("matter_description", ""), "applicant": {
                k: v for k, v in (app.get("applicant") or {}).items() if k != "name"},
            "economy": app.get("economy"), "deadline_date": app.get("deadline_date"),
            "deadline_kind": app.get("deadline_kind"), "preservation_needed": app.get("preservation_needed", False),
            "criminal_defence": app.get("criminal_defence", False), "criminal": app.get("criminal")})
    notes = MEDIATION_NOTES if referral.type == "mediation" else []
    return {
        "packet_version": PACKET_VERSION,
        "generated_at": utcnow().isoformat(),
        "timezone": tz,
        "from": {"name": HOTLINE},
        "referral": {"reference": referral.reference, "type": referral.type,
                     "type_label": TYPE_LABELS.get(referral.type, referral.type), "status": referral.status,
                     "status_label": STATUS_LABELS.get(referral.status, referral.status), "urgent": referral.urgent,
                     "created_at": referral.created_at.isoformat(), "reason": redact(referral.reason),
                     "note": redact(referral.note), "area": referral.area, **effective(referral)},
        "to": {k: v for k, v in (office_out(office) or {}).items() if k != "areas"},
        "case": {"reference": case.reference, "status": case.status,
                 "status_label": CASE_STATUS_LABELS.get(case.status, case.status),
                 "category": category.name if category else (referral.category_code or ""),
                 "received_at": case.received_at.isoformat(),
                 "summary": redact(referral.summary), "facts": redact(referral.facts)},
        "parties": [_party(p) for p in referral.parties or []],
        "consent": _consent(referral.consent),
        "application": application,
        "assessment": assessment,
        "override": redact_value(referral.override) if referral.override else None,
        "decision": redact_value(referral.decision) if referral.decision else None,
        "deadlines": referral.deadlines or [],
        "transcript": [{"speaker": u["speaker"], "speaker_label": SPEAKERS.get(u["speaker"], u["speaker"]),
                        "at": u["at"], "text": redact(u["text"])} for u in referral.transcript_excerpt or []],
        "history": [{k: h[k] for k in ("event", "event_label", "from_status", "to_status", "to_status_label", "by_name", "reason",
                                        "code", "occurred_at")} for h in history_out(session, referral, raw=False)],
        "records": records_out(session, referral, raw=False),
        "legal_notes": [{"article": a, "text": t} for a, t in notes],
        "privacy": "本材料中的身份证号、电话、银行卡号、住址等个人信息已作脱敏处理；如需联系当事人，请登录12348热线系统查看转介详情。",
    }


def _local(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return ""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def render_html(packet: dict[str, Any]) -> str:
    tz = ZoneInfo(packet.get("timezone") or "Asia/Shanghai")
    template = _env.get_template("packet.html")
    return template.render(p=packet, local=lambda v: _local(v, tz), eligible_label=eligible_label,
                           review_label=REVIEW_LABELS)


REVIEW_LABELS = {"required": "需审查经济困难状况", "exempt": "免予核查经济困难状况（第四十二条）",
                 "not_applicable": "不受经济困难条件限制", None: "—"}


def eligible_label(value: Any) -> str:
    return {True: "符合法律援助条件", False: "不符合法律援助条件", "needs_review": "待法律援助机构审查"}.get(value, "—")
