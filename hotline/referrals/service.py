"""Referrals: creation from a case, the receiving office's decisions, the legal-aid override,
the mediation record chain, supplements and withdrawals, and who may see or do what.

Every function works in the caller's transaction and returns the events to publish after the
commit (`Events`). Every step is an audit entry on the case's log; refused input raises
`ReferralError` (with an HTTP status) before anything is written.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import Role, StaffUser
from hotline.auth.permissions import may_act_on_referral, may_see_case, supervises
from hotline.cases import service as cases
from hotline.cases.models import Case, CaseStatus
from hotline.contacts import service as contacts
from hotline.contacts.models import Citizen, Contact
from hotline.directory.models import Category, Office
from hotline.directory.service import get_category, list_offices
from hotline.referrals import hardship
from hotline.referrals.models import FINAL_STATUSES, OPEN_STATUSES, Referral, ReferralEvent, ReferralRecord
from hotline.referrals.schemas import LEGAL_AID_TYPES, REASON_REQUIRED_TYPES, ReferralIn
from hotline.timeutil import as_utc, utcnow
from routing.eligibility.law import MEDIATION_LAW, cite
from routing.eligibility.offices import TYPE_KIND, TYPE_LABELS, match_office, no_office_message
from routing.eligibility.application import ApplicationError
from routing.eligibility.rules import assess_json

EXCERPT_DEFAULT = 20
MAX_ATTACHMENT = 5 * 1024 * 1024
LEGAL_AID_REVIEW_DAYS = 7  # 法律援助法第四十三条
JUDICIAL_CONFIRMATION_DAYS = 30  # 人民调解法第三十三条

# Status moves by decision; mediation records move the status on after acceptance.
DECISION_FROM = {"accept": {"submitted", "more_info"}, "reject": {"submitted", "more_info"},
                 "more_info": {"submitted", "more_info"}}
DECISION_TO = {"accept": "accepted", "reject": "rejected", "more_info": "more_info"}
RECORD_MOVES: dict[str, tuple[set[str], str | None]] = {
    "application": ({"submitted", "more_info", "accepted", "registered", "mediating"}, None),
    "registration": ({"accepted"}, "registered"),
    "session": ({"registered", "mediating"}, "mediating"),
    "agreement": ({"mediating"}, "agreement"),
    "termination": ({"registered", "mediating"}, "failed"),
    "follow_up": ({"agreement", "failed"}, "followed_up"),
}
WITHDRAW_FROM = {"submitted", "more_info", "accepted"}
DECISION_VERBS = {"accept": "受理", "reject": "作出不予受理决定", "more_info": "要求补充材料"}


class ReferralError(ValueError):
    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


@dataclass
class Events:
    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, topic: str, event: dict[str, Any]) -> None:
        self.items.append((topic, event))


def local_today(tz: str = "Asia/Shanghai") -> date:
    return datetime.now(ZoneInfo(tz)).date()



# -- who may see and do what ---------------------------------------------------------------------
def is_office_staff(user: StaffUser, referral: Referral) -> bool:
    return user.role in (Role.legal_aid, Role.mediation) and user.office_id is not None \
        and user.office_id == referral.office_id


def is_referrer(user: StaffUser, referral: Referral, case: Case) -> bool:
    return may_act_on_referral(user, referral, case)


def can_view(user: StaffUser, referral: Referral, case: Case) -> bool:
    return is_referrer(user, referral, case) or is_office_staff(user, referral)


def sees_raw(user: StaffUser, referral: Referral, case: Case) -> bool:
    """Raw free text for the hotline side; redacted text for the receiving office (as the packet)."""
    return is_referrer(user, referral, case)


def may_decide(user: StaffUser, referral: Referral) -> bool:
    return is_office_staff(user, referral) or supervises(user)


def may_override(user: StaffUser, referral: Referral) -> bool:
    return referral.type in LEGAL_AID_TYPES and (
        user.role == Role.admin or (user.role == Role.legal_aid and is_office_staff(user, referral)))


def allowed_actions(user: StaffUser, referral: Referral, case: Case) -> dict[str, Any]:
    status = referral.status
    records = []
    if referral.type == "mediation" and may_decide(user, referral):
        records = [t for t, (sources, _) in RECORD_MOVES.items() if status in sources]
    referrer = is_referrer(user, referral, case)
    return {"decide": may_decide(user, referral) and status in DECISION_FROM["accept"],
            "override": may_override(user, referral) and status not in FINAL_STATUSES,
            "records": records,
            "withdraw": referrer and status in WITHDRAW_FROM,
            "supplement": referrer and status in {"submitted", "more_info"}}


def get_referral(session: Session, referral_id: int, *, lock: bool = False) -> tuple[Referral, Case]:
    """The referral and its case. `lock`: for a change, the row is locked (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite transactions are already serialised by BEGIN IMMEDIATE), so two people
    deciding at the same moment cannot both move it from the same status."""
    query = select(Referral).where(Referral.id == referral_id)
    if lock:
        query = query.with_for_update()
    referral = session.execute(query).scalar_one_or_none()
    if referral is None:
        raise ReferralError(404, f"转介不存在 (referral {referral_id} not found)")
    return referral, session.get(Case, referral.case_id)


def load_for(session: Session, referral_id: int, user: StaffUser) -> tuple[Referral, Case]:
    referral, case = get_referral(session, referral_id)
    if not can_view(user, referral, case):
        raise ReferralError(403, "无权查看该转介 (not your referral or office)")
    return referral, case


def list_for(session: Session, user: StaffUser, *, status: str | None = None, type_: str | None = None,
             case_id: int | None = None, limit: int = 500) -> list[Referral]:
    query = select(Referral)
    if user.role in (Role.legal_aid, Role.mediation):
        if user.office_id is None:
            return []
        query = query.where(Referral.office_id == user.office_id)
    elif user.role == Role.lawyer:
        query = query.where(Referral.created_by == user.id)
    if status:
        query = query.where(Referral.status == status)
    if type_:
        query = query.where(Referral.type == type_)
    if case_id is not None:
        query = query.where(Referral.case_id == case_id)
    rows = list(session.execute(query.order_by(Referral.id.desc()).limit(limit)).scalars())
    rows.sort(key=lambda r: (not (r.urgent and r.status in {"submitted", "more_info"})))
    return rows


def for_case(session: Session, case_id: int) -> list[Referral]:
    return list(session.execute(select(Referral).where(Referral.case_id == case_id)
                                .order_by(Referral.id.desc())).scalars())


# -- helpers ---------------------------------------------------------------------------------------
def record_event(session: Session, referral: Referral, event: str, user: StaffUser | None, *, to_status: str | None = None,
           reason: str = "", code: str = "", data: dict[str, Any] | None = None,
           occurred_at: datetime | None = None) -> ReferralEvent:
    row = ReferralEvent(referral_id=referral.id, event=event, from_status=referral.status if to_status else None,
                        to_status=to_status, actor=Actor.of(user) if user else "system",
                        actor_id=user.id if user else None, reason=reason, code=code, data=data or {},
                        occurred_at=as_utc(occurred_at) or utcnow(), recorded_at=utcnow())
    session.add(row)
    if to_status:
        referral.status = to_status
    referral.updated_at = utcnow()
    session.add(referral)
    session.flush()
    return row


def publish(events: Events, referral: Referral, case: Case) -> None:
    events.add("referrals", {"type": "referral", "id": referral.id, "status": referral.status,
                             "office_id": referral.office_id, "case_id": referral.case_id})
    events.add("cases", {"type": "case", "id": case.id, "status": case.status})


def _office(session: Session, referral_type: str, office_id: int | None, area: str, category: Category | None) -> tuple[Office, str]:
    kind = TYPE_KIND[referral_type]
    if office_id is not None:
        office = session.get(Office, office_id)
        if office is None or not office.active:
            raise ReferralError(422, f"接收机构不存在或已停用 (office {office_id} unknown or inactive)")
        if office.kind != kind:
            raise ReferralError(422, f"所选机构「{office.name}」不是{TYPE_LABELS[referral_type]}的接收机构 "
                                     f"(office kind {office.kind}, needs {kind})")
        return office, area
    match = match_office(list_offices(session, kind), referral_type, area, category.code if category else None)
    if match is None:
        raise ReferralError(422, no_office_message(referral_type, area, category.name if category else None))
    return match.office, match.matched_area


def _excerpt(session: Session, case: Case, ids: list[int] | None) -> list[dict[str, Any]]:
    rows = contacts.case_transcript(session, case.id)
    if ids is not None:
        by_id = {u.id: u for u in rows}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise ReferralError(422, f"所选对话记录不属于该案件：{unknown} (utterances not in this case)")
        rows = [by_id[i] for i in sorted(set(ids))]
    else:
        rows = rows[-EXCERPT_DEFAULT:]
    return [{"utterance_id": u.id, "speaker": u.speaker, "text": u.text, "at": u.started_at.isoformat()} for u in rows]


def assess(session: Session, referral_type: str, application: dict[str, Any] | None, today: date) -> dict[str, Any]:
    if application is None:
        raise ReferralError(422, "法律援助转介须附申请信息（application）(an application is required)",
                            [{"field": "application", "message": "缺少申请信息"}])
    wants_criminal = bool(application.get("criminal_defence")) if isinstance(application, dict) else False
    if referral_type == "criminal_defence" and not wants_criminal:
        raise ReferralError(422, "刑事辩护法律援助转介的申请须标明 criminal_defence: true（前后矛盾）",
                            [{"field": "application.criminal_defence", "message": "须为 true"}])
    if referral_type == "legal_aid" and wants_criminal:
        raise ReferralError(422, "刑事辩护法律援助请选择转介类型 criminal_defence（前后矛盾）",
                            [{"field": "type", "message": "须为 criminal_defence"}])
    try:
        return assess_json(application, hardship.rows(session), today)
    except ApplicationError as exc:
        raise ReferralError(422, str(exc), [{"field": f"application.{e['field']}".rstrip("."), "message": e["message"]}
                                            for e in exc.errors]) from exc


def deadlines(referral_type: str, assessment: dict[str, Any] | None, created: date) -> list[dict[str, Any]]:
    out = []
    for d in (assessment or {}).get("deadlines", []):
        out.append({"kind": d["kind"], "label": d["label"], "date": d["date"], "article": ""})
    if referral_type in LEGAL_AID_TYPES:
        out.append({"kind": "legal_aid_review", "label": "法律援助机构审查决定期限（收到申请之日起七日内）",
                    "date": (created + timedelta(days=LEGAL_AID_REVIEW_DAYS)).isoformat(), "article": cite(43)})
    return out


def _application_text(referral: Referral, office: Office, citizen: Citizen, consent: dict[str, Any]) -> str:
    applicant = next((p for p in referral.parties if p.get("role") == "applicant"), {})
    others = [p for p in referral.parties if p.get("role") != "applicant"]
    lines = [f"人民调解申请书（由12348公共法律服务热线根据咨询内容代为整理，转介编号 {referral.reference}）",
             f"申请人：{applicant.get('name') or citizen.name or '（未留姓名）'}",
             "被申请人：" + ("；".join(p.get("name") or p.get("description") or "（未详）" for p in others) or "（未详）"),
             f"纠纷简要情况：{referral.summary}",
             f"申请事项：请求{office.name}依法调解上述纠纷。",
             f"当事人同意：{consent.get('note') or '已同意申请人民调解'}（{consent.get('method')}）",
             f"依据：{cite(17, law=MEDIATION_LAW)}：当事人可以向人民调解委员会申请调解。"]
    return "\n".join(lines)


def case_back_to_work(session: Session, case: Case, referral: Referral, user: StaffUser | None, why: str) -> None:
    """A rejected or withdrawn referral returns the case to 办理 unless another one is still open."""
    others = [r for r in for_case(session, case.id) if r.id != referral.id and r.status in OPEN_STATUSES]
    if not others and case.status == CaseStatus.referred:
        cases.move(session, case, CaseStatus.in_progress, actor=Actor.of(user) if user else "system", reason=why)


# -- creation --------------------------------------------------------------------------------------
def create(session: Session, case_id: int, body: ReferralIn, user: StaffUser, *, today: date) -> tuple[Referral, Events]:
    """Create a referral of a case. Everything is checked before anything is written."""
    case = session.get(Case, case_id)
    if case is None:
        raise ReferralError(404, f"案件不存在 (case {case_id} not found)")
    if not may_see_case(user, case):
        raise ReferralError(403, "只有案件负责人或管理人员可以转介 (case owner or manager only)")
    if case.status in (CaseStatus.closed, CaseStatus.followed_up):
        raise ReferralError(409, f"案件已办结，不能转介；请先恢复办理 (case {case.reference} is {case.status})")
    citizen = session.get(Citizen, case.citizen_id)
    category_code = body.category_code or case.category_code
    category = get_category(session, category_code) if category_code else None
    if category_code and category is None:
        raise ReferralError(422, f"未知的案件类别「{category_code}」 (unknown category)")
    summary = (body.summary or case.summary).strip()
    if not summary:
        raise ReferralError(422, "请填写转介事由摘要（summary）(a summary is required)",
                            [{"field": "summary", "message": "缺少摘要"}])
    if body.type in REASON_REQUIRED_TYPES and not body.reason.strip():
        raise ReferralError(422, f"转介至{TYPE_LABELS[body.type]}须写明转介原因（reason）(a reason is required)",
                            [{"field": "reason", "message": "缺少转介原因"}])
    assessment = None
    consent = None
    if body.type in LEGAL_AID_TYPES:
        assessment = assess(session, body.type, body.application, today)
    if body.type == "mediation":
        if body.consent is None or not body.consent.given:
            raise ReferralError(422, "转介人民调解须经当事人同意（人民调解法第三条、第十七条：调解以当事人自愿为原则）"
                                     " (the citizen's consent is required)", [{"field": "consent", "message": "缺少当事人同意"}])
        if category is None:
            raise ReferralError(422, "转介人民调解须确定纠纷类别（category_code）(a dispute category is required)",
                                [{"field": "category_code", "message": "缺少纠纷类别"}])
        if not category.mediable:
            raise ReferralError(422, f"「{category.name}」类事项不属于适宜人民调解的民间纠纷（人民调解法第二条），请选择其他转介途径"
                                     " (category not suited to people's mediation)",
                                [{"field": "category_code", "message": "不适宜人民调解"}])
        consent = body.consent.model_dump(mode="json")
        consent["given_at"] = consent.get("given_at") or utcnow().isoformat()
    area = (body.area or (citizen.area if citizen else "") or "").strip()
    office, matched_area = _office(session, body.type, body.office_id, area, category)
    contact_id = body.contact_id
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.case_id != case.id:
            raise ReferralError(422, f"联系记录 {contact_id} 不属于该案件 (contact not in this case)")
    excerpt = _excerpt(session, case, body.transcript_utterance_ids)
    parties = [p.model_dump() for p in body.parties]
    if not any(p["role"] == "applicant" for p in parties):
        parties.insert(0, {"role": "applicant", "name": citizen.name if citizen else "", "phone": citizen.phone or "",
                           "address": citizen.address if citizen else "", "description": ""})
    # -- all checks passed: write
    now = utcnow()
    referral = Referral(reference=f"pending-{uuid.uuid4().hex[:20]}", case_id=case.id, contact_id=contact_id,
                        type=body.type, office_id=office.id, area=area, category_code=category_code,
                        status="submitted", urgent=bool(assessment and assessment["urgent"]), summary=summary,
                        facts=(body.facts or case.facts).strip(), reason=body.reason.strip(), note=body.note.strip(),
                        parties=parties, consent=consent, application=body.application, assessment=assessment,
                        hardship_standard_id=((assessment or {}).get("hardship_standard") or {}).get("id"),
                        transcript_excerpt=excerpt, deadlines=deadlines(body.type, assessment, today),
                        created_by=user.id, created_at=now, updated_at=now)
    session.add(referral)
    session.flush()
    referral.reference = f"ZJ-{today:%Y%m%d}-{referral.id:06d}"
    session.add(referral)
    record_event(session, referral, "created", user, data={"office_id": office.id, "matched_area": matched_area})
    if body.type == "mediation":
        session.add(ReferralRecord(referral_id=referral.id, record_type="application", title="人民调解申请书（热线代拟）",
                                   note=_application_text(referral, office, citizen, consent), generated=True,
                                   created_by=user.id))
    audit.record(session, action="referral.created", actor=Actor.of(user), entity="referral", entity_id=referral.id,
                 case_id=case.id, contact_id=contact_id,
                 data={"reference": referral.reference, "type": body.type, "office_id": office.id,
                       "office": office.name, "area": area, "matched_area": matched_area, "category": category_code,
                       "urgent": referral.urgent, "summary": summary,
                       "eligible": assessment["eligible"] if assessment else None,
                       "economic_review": assessment["economic_review"] if assessment else None,
                       "articles": assessment["articles"] if assessment else [],
                       "hardship_standard_id": referral.hardship_standard_id,
                       "consent": consent})
    if case.status != CaseStatus.referred:
        cases.move(session, case, CaseStatus.referred, actor=Actor.of(user),
                   reason=f"转介{TYPE_LABELS[body.type]}：{office.name}（{referral.reference}）")
    events = Events()
    publish(events, referral, case)
    return referral, events
