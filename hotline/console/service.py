"""What the console needs beyond the contacts, cases, routing and assist APIs: the lawyer's
current work, suggestions enriched from the knowledge base, and the log of manual searches."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hotline.assist import service as assist
from hotline.assist.models import Suggestion
from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import StaffUser
from hotline.cases.models import Case
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, ContactStatus, Utterance
from hotline.directory.service import list_categories
from hotline.safety.service import flags as safety_flags, labels as safety_labels

# Wrap-up codes (话后处理结果) offered in the case panel and the wrap-up dialog.
DISPOSITIONS = ["已解答", "已提供法律依据", "建议协商调解", "已转介法律援助", "已转介人民调解", "建议诉讼或仲裁",
                "转其他部门处理", "需回访", "信息不足待补充", "非法律问题", "无效来电/骚扰"]


def faq_by_id(kb: Any, faq_id: str) -> Any:
    for faq in kb.data.faq.faqs:
        if faq.id == faq_id:
            return faq
    return None


def enrich(kb: Any, row: Suggestion) -> dict[str, Any]:
    """A stored suggestion in the shape of the live `suggestions` event items."""
    item: dict[str, Any] = {"suggestion_id": row.id, "rank": row.rank, "kind": row.kind, "id": row.ref_id,
                            "score": row.score, "title": row.title, "confident": row.confident,
                            "clicked": row.clicked_at is not None, "copied": row.copied_at is not None,
                            "rating": row.rating, "rating_reason": row.rating_reason, "batch": row.batch}
    if kb is None:
        return item
    if row.kind == "article":
        hit = kb.get_article(row.ref_id)
        if hit is not None:
            item.update({k: v for k, v in assist.hit_dict(hit).items() if k not in ("score", "id", "kind")})
    else:
        faq = faq_by_id(kb, row.ref_id)
        if faq is not None:
            item.update({"question": faq.question, "answer": faq.answer, "statutes": list(faq.statutes),
                         "title": "常见问题"})
    return item


def suggestions(session: Session, kb: Any, contact_id: int) -> dict[str, Any]:
    rows = assist.latest_suggestions(session, contact_id)
    return {"contact_id": contact_id, "batch": rows[0].batch if rows else 0,
            "query": rows[0].query if rows else "", "confident": rows[0].confident if rows else True,
            "items": [enrich(kb, r) for r in rows]}


def my_contacts(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The lawyer's running contacts and the one in wrap-up, with what the case panel needs."""
    from hotline.roster.models import LawyerProfile

    profile = session.get(LawyerProfile, user_id)
    wrapup_id = profile.wrapup_contact_id if profile else None
    query = select(Contact).where(Contact.lawyer_id == user_id, Contact.status.in_(
        [ContactStatus.active, ContactStatus.wrapup]))
    rows = list(session.execute(query.order_by(Contact.answered_at)).scalars())
    if wrapup_id and wrapup_id not in {c.id for c in rows}:
        extra = session.get(Contact, wrapup_id)
        if extra is not None:
            rows.append(extra)
    names = {c.code: c.name for c in list_categories(session, active_only=False)}
    out = []
    for c in rows:
        case = session.get(Case, c.case_id) if c.case_id else None
        speaker, text = latest_message(session, c.id)
        out.append({"id": c.id, "channel": c.channel, "status": c.status, "case_id": c.case_id,
                    "case_reference": case.reference if case else "",
                    "category": c.category_code, "category_name": names.get(c.category_code or "", ""),
                    "answered_at": c.answered_at.isoformat() if c.answered_at else None,
                    "ended_at": c.ended_at.isoformat() if c.ended_at else None,
                    "wrapup": c.id == wrapup_id, "preview": text[:80], "preview_speaker": speaker,
                    "safety": safety_labels(session, safety_flags(c))})
    return out


def latest_message(session: Session, contact_id: int) -> tuple[str, str]:
    """(speaker, text) of the contact's latest message from the citizen or its lawyer (the
    contact list previews it), ("", "") before anyone spoke."""
    row = session.execute(select(Utterance.speaker, Utterance.text).where(
        Utterance.contact_id == contact_id, Utterance.speaker.in_(["citizen", "lawyer"]),
        Utterance.is_final.is_(True)).order_by(Utterance.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else ("", "")


def lawyers(session: Session) -> list[dict[str, Any]]:
    """Lawyers a contact can be transferred to, with their presence."""
    from hotline.roster.models import LawyerProfile

    out = []
    for user in session.execute(select(StaffUser).where(StaffUser.role == "lawyer", StaffUser.active.is_(True))
                                .order_by(StaffUser.id)).scalars():
        profile = session.get(LawyerProfile, user.id)
        out.append({"id": user.id, "name": user.display_name, "state": profile.state if profile else "offline",
                    "skills": profile.skills if profile else []})
    return out


def log_search(session: Session, *, user_id: int, query: str, contact_id: int | None, hits: list[dict[str, Any]]
               ) -> None:
    contact = session.get(Contact, contact_id) if contact_id else None
    audit.record(session, action="kb.searched", actor=Actor.staff(user_id), entity="contact",
                 entity_id=contact_id or "", contact_id=contact.id if contact else None,
                 case_id=contact.case_id if contact else None,
                 data={"query": query, "shown": [{"kind": h["kind"], "id": h["id"]} for h in hits]})


def log_search_action(session: Session, *, user_id: int, action: str, kind: str, ref_id: str,
                      contact_id: int | None) -> None:
    contact = session.get(Contact, contact_id) if contact_id else None
    audit.record(session, action=f"kb.search_{action}", actor=Actor.staff(user_id), entity="kb",
                 entity_id=ref_id, contact_id=contact.id if contact else None,
                 case_id=contact.case_id if contact else None, data={"kind": kind, "ref_id": ref_id})
