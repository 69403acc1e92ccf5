"""Referral steps after creation: the receiving office's decisions (受理, 不予受理, 补充材料), the
legal-aid override, the mediation record chain, and the referring side's supplements and
withdrawals. Each works in the caller's transaction, is an audit entry on the case's log and
returns the events to publish after the commit; refused input raises `ReferralError` first."""
from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import StaffUser
from hotline.cases.models import Case
from hotline.contacts import service as contacts
from hotline.contacts.models import Channel, Contact, ContactStatus, Speaker
from hotline.directory.models import Office
from hotline.referrals.models import FINAL_STATUSES, RECORD_LABELS, STATUS_LABELS, Referral, ReferralRecord
from hotline.referrals.schemas import DECISION_CODES, LEGAL_AID_TYPES, DecisionIn, OverrideIn, RecordIn, SupplementIn, WithdrawIn
from hotline.referrals.service import (DECISION_FROM, DECISION_TO, DECISION_VERBS, JUDICIAL_CONFIRMATION_DAYS,
                                       MAX_ATTACHMENT, RECORD_MOVES, WITHDRAW_FROM, Events, ReferralError, assess,
                                       case_back_to_work, deadlines, is_office_staff, is_referrer, may_decide,
                                       may_override, publish, record_event)
from hotline.timeutil import as_utc, utcnow
from routing.eligibility.law import MEDIATION_LAW, cite


# -- the receiving office -------------------------------------------------------------------------
NOTICES = {
    "accept": "您的{what}已被{office}受理（转介编号 {ref}）。{extra}工作人员将与您联系，请保持电话畅通。",
    "reject": "您的{what}未被{office}受理（转介编号 {ref}），原因：{reason}。热线律师将继续为您提供帮助，您也可以拨打12348咨询其他途径。",
    "more_info": "{office}需要您补充材料或说明（转介编号 {ref}）：{reason}。请在本对话中回复，或拨打12348。",
}
WHAT = {"legal_aid": "法律援助申请", "criminal_defence": "刑事法律援助申请", "mediation": "人民调解申请",
        "justice_bureau": "转介司法所的事项", "petitions": "转介信访部门的事项", "court": "转介人民法院的事项"}


def _notify_citizen(session: Session, referral: Referral, case: Case, text: str, events: Events) -> dict[str, Any]:
    """Tell the citizen on their open chat (a system message); log either way."""
    contact = session.execute(
        select(Contact).where(Contact.citizen_id == case.citizen_id, Contact.channel == Channel.chat,
                              Contact.status != ContactStatus.ended).order_by(Contact.id.desc()).limit(1)
    ).scalar_one_or_none()
    notice: dict[str, Any] = {"text": text, "channel": "none", "contact_id": None, "at": utcnow().isoformat()}
    if contact is not None:
        utt, _ = contacts.add_utterance(session, contact, speaker=Speaker.system, text=text, source="system",
                                        client_id=f"referral-{referral.id}-{utcnow().timestamp()}")
        events.add(f"contact:{contact.id}", contacts.utterance_event(utt))
        notice.update(channel="chat", contact_id=contact.id)
    audit.record(session, action="referral.citizen_notified", actor="system", entity="referral", entity_id=referral.id,
                 case_id=case.id, contact_id=notice["contact_id"],
                 data={"channel": notice["channel"], "text": text,
                       "pending": notice["channel"] == "none"})
    record_event(session, referral, "notice", None, data=notice)
    return notice


def decide(session: Session, referral: Referral, case: Case, body: DecisionIn, user: StaffUser) -> Events:
    if not may_decide(user, referral):
        raise ReferralError(403, "只有接收机构的工作人员可以作出受理决定 (receiving office staff only)")
    if referral.status not in DECISION_FROM[body.decision]:
        raise ReferralError(409, f"转介当前状态为「{STATUS_LABELS[referral.status]}」，不能{DECISION_VERBS[body.decision]}"
                                 f" (referral is {referral.status})")
    codes = DECISION_CODES[body.decision]
    code = body.code.strip() or ("granted" if body.decision == "accept" else "")
    problems = []
    if body.decision != "accept" and not code:
        problems.append({"field": "code", "message": "须选择原因代码"})
    if code and code not in codes:
        problems.append({"field": "code", "message": f"无效的原因代码「{code}」（可选：{'、'.join(codes)}）"})
    if body.decision != "accept" and not body.reason.strip():
        problems.append({"field": "reason", "message": "须写明理由"})
    if code == "provisional" and referral.type not in LEGAL_AID_TYPES:
        problems.append({"field": "code", "message": "先行提供法律援助只适用于法律援助转介"})
    if problems:
        raise ReferralError(422, "决定信息有误：" + "；".join(p["message"] for p in problems) + " (invalid decision)", problems)
    to_status = DECISION_TO[body.decision]
    on_behalf = not is_office_staff(user, referral)
    decision = {"decision": body.decision, "code": code, "code_label": codes.get(code, ""), "reason": body.reason.strip(),
                "office_reference": body.office_reference.strip(), "by": user.id, "by_name": user.display_name,
                "on_behalf": on_behalf, "at": (as_utc(body.occurred_at) or utcnow()).isoformat()}
    before = referral.status
    record_event(session, referral, "decision", user, to_status=to_status, reason=decision["reason"], code=code,
           data={"decision": body.decision, "office_reference": decision["office_reference"], "on_behalf": on_behalf},
           occurred_at=body.occurred_at)
    referral.decision = decision
    session.add(referral)
    audit.record(session, action="referral.decided", actor=Actor.of(user), entity="referral", entity_id=referral.id,
                 case_id=case.id, before={"status": before}, after={"status": to_status},
                 data={"reference": referral.reference, "decision": body.decision, "code": code,
                       "reason": decision["reason"], "office_reference": decision["office_reference"],
                       "on_behalf": on_behalf}, occurred_at=body.occurred_at)
    events = Events()
    if body.decision == "reject":
        case_back_to_work(session, case, referral, user, f"转介 {referral.reference} 未被受理：{decision['reason']}")
    office = session.get(Office, referral.office_id)
    extra = "法律援助机构已决定先行提供法律援助。" if code == "provisional" else ""
    text = NOTICES[body.decision].format(what=WHAT[referral.type], office=office.name, ref=referral.reference,
                                         reason=decision["reason"], extra=extra)
    _notify_citizen(session, referral, case, text, events)
    publish(events, referral, case)
    return events


def override(session: Session, referral: Referral, case: Case, body: OverrideIn, user: StaffUser) -> Events:
    if referral.type not in LEGAL_AID_TYPES:
        raise ReferralError(409, "只有法律援助转介有资格评估可以变更 (only legal-aid referrals have an assessment)")
    if not may_override(user, referral):
        raise ReferralError(403, "只有接收机构的法律援助工作人员可以变更评估结论 (legal-aid staff of the office only)")
    if referral.status in FINAL_STATUSES:
        raise ReferralError(409, f"转介已{STATUS_LABELS[referral.status]}，不能再变更评估结论")
    if not body.reason.strip():
        raise ReferralError(422, "变更评估结论须写明理由 (a reason is required)", [{"field": "reason", "message": "须写明理由"}])
    assessment = referral.assessment or {}
    before = {"eligible": (referral.override or assessment).get("eligible"),
              "economic_review": (referral.override or assessment).get("economic_review")}
    after = {"eligible": body.eligible,
             "economic_review": body.economic_review or before["economic_review"]}
    referral.override = {**after, "reason": body.reason.strip(), "by": user.id, "by_name": user.display_name,
                         "at": utcnow().isoformat(),
                         "assessed": {"eligible": assessment.get("eligible"),
                                      "economic_review": assessment.get("economic_review")}}
    session.add(referral)
    record_event(session, referral, "override", user, reason=body.reason.strip(), data={"before": before, "after": after})
    audit.record(session, action="referral.override", actor=Actor.of(user), entity="referral", entity_id=referral.id,
                 case_id=case.id, before=before, after=after,
                 data={"reference": referral.reference, "reason": body.reason.strip()})
    events = Events()
    publish(events, referral, case)
    return events


def add_record(session: Session, referral: Referral, case: Case, body: RecordIn, user: StaffUser) -> tuple[ReferralRecord, Events]:
    if referral.type != "mediation":
        raise ReferralError(409, "调解文书只适用于人民调解转介 (mediation referrals only)")
    if not may_decide(user, referral):
        raise ReferralError(403, "只有接收的人民调解委员会可以登记调解文书 (the receiving committee only)")
    sources, to_status = RECORD_MOVES[body.record_type]
    if referral.status not in sources:
        raise ReferralError(409, f"转介当前状态为「{STATUS_LABELS[referral.status]}」，不能登记「{RECORD_LABELS[body.record_type]}」"
                                 f" (referral is {referral.status})")
    if body.record_type == "termination" and not body.note.strip():
        raise ReferralError(422, "终止调解须写明原因（人民调解法第二十六条）(a note is required)",
                            [{"field": "note", "message": "须写明原因"}])
    content = None
    if body.attachment is not None:
        try:
            content = base64.b64decode(body.attachment.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ReferralError(422, "附件内容不是有效的 base64 (attachment is not valid base64)",
                                [{"field": "attachment.content_base64", "message": "无效的 base64"}]) from exc
        if len(content) > MAX_ATTACHMENT:
            raise ReferralError(422, f"附件超过 {MAX_ATTACHMENT // (1024 * 1024)} MB (attachment too large)",
                                [{"field": "attachment", "message": "附件过大"}])
        if not content:
            raise ReferralError(422, "附件为空 (empty attachment)", [{"field": "attachment", "message": "附件为空"}])
    occurred = as_utc(body.occurred_at) or utcnow()
    record = ReferralRecord(referral_id=referral.id, record_type=body.record_type,
                            title=body.title.strip() or RECORD_LABELS[body.record_type], note=body.note.strip(),
                            occurred_at=occurred, created_by=user.id)
    if content is not None:
        record.filename = body.attachment.filename
        record.content_type = body.attachment.content_type
        record.size = len(content)
        record.sha256 = hashlib.sha256(content).hexdigest()
        record.content = content
    session.add(record)
    session.flush()
    if body.record_type == "agreement":
        start = body.agreement_date or occurred.astimezone(ZoneInfo("Asia/Shanghai")).date()
        referral.deadlines = [*referral.deadlines, {
            "kind": "judicial_confirmation", "label": "申请司法确认期限（调解协议生效之日起三十日内，双方共同申请）",
            "date": (start + timedelta(days=JUDICIAL_CONFIRMATION_DAYS)).isoformat(),
            "article": cite(33, law=MEDIATION_LAW)}]
    before = referral.status
    record_event(session, referral, "record", user, to_status=to_status, reason=body.note.strip()[:500],
           code=body.record_type, data={"record_id": record.id, "record_type": body.record_type,
                                        "attachment": record.sha256 is not None},
           occurred_at=occurred)
    audit.record(session, action="referral.record", actor=Actor.of(user), entity="referral", entity_id=referral.id,
                 case_id=case.id, before={"status": before}, after={"status": referral.status},
                 data={"reference": referral.reference, "record_id": record.id, "record_type": body.record_type,
                       "label": RECORD_LABELS[body.record_type], "note": body.note.strip(),
                       "filename": record.filename, "sha256": record.sha256, "size": record.size},
                 occurred_at=occurred)
    events = Events()
    publish(events, referral, case)
    return record, events


# -- the referring side ---------------------------------------------------------------------------
def supplement(session: Session, referral: Referral, case: Case, body: SupplementIn, user: StaffUser, *,
               today: date) -> Events:
    if not is_referrer(user, referral, case):
        raise ReferralError(403, "只有转介律师、案件负责人或管理人员可以补充材料")
    if referral.status not in {"submitted", "more_info"}:
        raise ReferralError(409, f"转介当前状态为「{STATUS_LABELS[referral.status]}」，不能补充材料")
    if not body.note.strip() and body.application is None:
        raise ReferralError(422, "请填写补充说明或更新申请信息 (note or application required)",
                            [{"field": "note", "message": "缺少补充内容"}])
    data: dict[str, Any] = {"note": body.note.strip()}
    if body.application is not None:
        if referral.type not in LEGAL_AID_TYPES:
            raise ReferralError(422, "只有法律援助转介有申请信息 (only legal-aid referrals take an application)")
        assessment = assess(session, referral.type, body.application, today)
        data["previous_assessment"] = {k: (referral.assessment or {}).get(k) for k in
                                       ("eligible", "economic_review", "urgent", "articles", "hardship_standard")}
        data["assessment"] = {k: assessment.get(k) for k in ("eligible", "economic_review", "urgent", "articles")}
        referral.application = body.application
        referral.assessment = assessment
        referral.hardship_standard_id = (assessment.get("hardship_standard") or {}).get("id")
        referral.urgent = assessment["urgent"]
        created = referral.created_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
        referral.deadlines = [d for d in deadlines(referral.type, assessment, created)]
    if body.note.strip():
        session.add(ReferralRecord(referral_id=referral.id, record_type="supplement", title="补充材料",
                                   note=body.note.strip(), created_by=user.id))
    before = referral.status
    record_event(session, referral, "supplement", user, to_status="submitted", reason=body.note.strip()[:500], data=data)
    audit.record(session, action="referral.supplemented", actor=Actor.of(user), entity="referral",
                 entity_id=referral.id, case_id=case.id, before={"status": before}, after={"status": "submitted"},
                 data={"reference": referral.reference, **data})
    events = Events()
    publish(events, referral, case)
    return events


def withdraw(session: Session, referral: Referral, case: Case, body: WithdrawIn, user: StaffUser) -> Events:
    if not is_referrer(user, referral, case):
        raise ReferralError(403, "只有转介律师、案件负责人或管理人员可以撤回")
    if referral.status not in WITHDRAW_FROM:
        raise ReferralError(409, f"转介当前状态为「{STATUS_LABELS[referral.status]}」，不能撤回")
    if not body.reason.strip():
        raise ReferralError(422, "撤回须写明原因 (a reason is required)", [{"field": "reason", "message": "须写明原因"}])
    before = referral.status
    record_event(session, referral, "withdrawn", user, to_status="withdrawn", reason=body.reason.strip())
    audit.record(session, action="referral.withdrawn", actor=Actor.of(user), entity="referral", entity_id=referral.id,
                 case_id=case.id, before={"status": before}, after={"status": "withdrawn"},
                 data={"reference": referral.reference, "reason": body.reason.strip()})
    case_back_to_work(session, case, referral, user, f"转介 {referral.reference} 已撤回：{body.reason.strip()}")
    events = Events()
    publish(events, referral, case)
    return events


def log_packet(session: Session, referral: Referral, user: StaffUser, fmt: str) -> None:
    audit.record(session, action="referral.packet", actor=Actor.of(user), entity="referral", entity_id=referral.id,
                 case_id=referral.case_id, data={"reference": referral.reference, "format": fmt})
