"""Knowledge-base administration: the backlog of questions the knowledge base missed, and FAQ
answers written in the hotline, stored in `kb_faq` and published into the running index
(`KnowledgeBase.add_faq` swaps the small FAQ part in place: searches keep running)."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlmodel import Session

from hotline.assist.models import BacklogItem, KbFaq, Suggestion
from hotline.audit import service as audit
from hotline.cases.models import Case
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.privacy import redact
from hotline.timeutil import utcnow
from hotline.validation import StrictModel

log = logging.getLogger("hotline.admin.kb")
DISMISSED = "dismissed"
REASON_LABELS = {"no_confident_match": "无可信匹配", "all_unhelpful": "建议均被标记为无帮助"}


class KbAdminError(ValueError):
    pass


class FaqIn(StrictModel):
    question: str = Field(min_length=4, max_length=500)
    answer: str = Field(min_length=10, max_length=5000)
    statutes: list[str] = Field(min_length=1, max_length=20)
    backlog_ids: list[int] = Field(default_factory=list, max_length=200)


def backlog(session: Session, *, resolved: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    """Open (or resolved) backlog items, newest first, with what the knowledge base had offered."""
    query = select(BacklogItem, Contact.case_id, Case.reference).join(
        Contact, Contact.id == BacklogItem.contact_id, isouter=True).join(
        Case, Case.id == Contact.case_id, isouter=True)
    query = query.where(BacklogItem.resolved_at.is_not(None) if resolved else BacklogItem.resolved_at.is_(None))
    rows = session.execute(query.order_by(BacklogItem.id.desc()).limit(limit)).all()
    # one entry per chat (issue 19): a chat that asked three times is listed once, newest first,
    # with the ids of all its items (resolving one resolves them all, see `_resolve`)
    per_chat: dict[int, list[int]] = {}
    for item, _, _ in rows:
        if item.contact_id is not None:
            per_chat.setdefault(item.contact_id, []).append(item.id)
    rows = [r for r in rows if r[0].contact_id is None or per_chat[r[0].contact_id][0] == r[0].id]
    same = Counter(item.question for item, _, _ in rows)
    out = []
    for item, case_id, reference in rows:
        shown = []
        if item.contact_id is not None:
            shown = [{"kind": s.kind, "ref_id": s.ref_id, "title": s.title, "rating": s.rating,
                      "reason": s.rating_reason}
                     for s in session.execute(select(Suggestion).where(
                         Suggestion.contact_id == item.contact_id, Suggestion.query == item.question)
                         .order_by(Suggestion.batch.desc(), Suggestion.rank).limit(8)).scalars()]
        out.append({"id": item.id, "contact_id": item.contact_id, "case_id": case_id, "case_reference": reference,
                    "question": redact(item.question), "reason": item.reason,
                    "reason_label": REASON_LABELS.get(item.reason, item.reason),
                    "created_at": item.created_at.isoformat(), "resolved_faq_id": item.resolved_faq_id,
                    "resolved_at": item.resolved_at.isoformat() if item.resolved_at else None,
                    "same_question": same[item.question], "shown": shown,
                    "chat_items": per_chat.get(item.contact_id, [item.id]) if item.contact_id is not None else [item.id]})
    return out


def _resolve(session: Session, ids: list[int], value: str) -> list[int]:
    """Resolve the items and the other open items of the same chats (one question per chat)."""
    done: list[int] = []
    for item_id in ids:
        item = session.get(BacklogItem, item_id)
        if item is None:
            raise LookupError(f"待补充问题不存在: {item_id}")
        same_chat = [item]
        if item.contact_id is not None:
            same_chat = list(session.execute(select(BacklogItem).where(
                BacklogItem.contact_id == item.contact_id, BacklogItem.resolved_at.is_(None))).scalars()) or [item]
        for row in same_chat:
            if row.resolved_at is None and row.id not in done:
                row.resolved_at, row.resolved_faq_id = utcnow(), value
                session.add(row)
                done.append(row.id)
    return done


def dismiss(session: Session, ids: list[int], *, actor: str, note: str = "") -> list[int]:
    """Close backlog items that are not a gap in the knowledge base (e.g. not a legal question)."""
    done = _resolve(session, ids, DISMISSED)
    if done:
        audit.record(session, action="kb.backlog_dismissed", actor=actor, entity="kb_backlog",
                     entity_id=",".join(map(str, done)), data={"ids": done, "note": note})
    return done


def faq_out(row: KbFaq) -> dict[str, Any]:
    return {**row.model_dump(mode="json"), "statutes": [s for s in row.statutes.splitlines() if s]}


def list_faqs(session: Session) -> list[dict[str, Any]]:
    return [faq_out(r) for r in session.execute(select(KbFaq).order_by(KbFaq.id.desc())).scalars()]


def publish(session: Session, kb: Any, body: FaqIn, *, author_id: int | None, actor: str) -> KbFaq:
    """Store the FAQ and publish it into the running index. Personal data is redacted first.
    The caller commits; if the commit fails it must call `kb.remove_faq(row.faq_id)`."""
    question, answer = redact(" ".join(body.question.split())), redact(body.answer.strip())
    statutes = list(dict.fromkeys(s.strip() for s in body.statutes if s.strip()))
    unknown = [s for s in statutes if s not in kb.by_id]
    if not statutes or unknown:
        raise KbAdminError(f"请引用知识库中的法条 (unknown article ids: {', '.join(unknown) or '无'})")
    for item_id in body.backlog_ids:
        if session.get(BacklogItem, item_id) is None:
            raise LookupError(f"待补充问题不存在: {item_id}")
    row = KbFaq(faq_id=f"pending-{utcnow().timestamp()}", question=question, answer=answer,
                statutes="\n".join(statutes), author_id=author_id)
    session.add(row)
    session.flush()
    row.faq_id = f"hotline-faq-{row.id}"
    session.add(row)
    resolved = _resolve(session, body.backlog_ids, row.faq_id)
    audit.record(session, action="kb.faq_published", actor=actor, entity="kb_faq", entity_id=row.faq_id,
                 after={"question": question, "statutes": statutes}, data={"backlog_ids": resolved})
    session.flush()
    kb.add_faq(row.faq_id, question, answer, statutes)  # last: nothing after it can fail but the commit
    return row


def unpublish(session: Session, kb: Any, faq_id: str, *, actor: str) -> KbFaq:
    row = session.execute(select(KbFaq).where(KbFaq.faq_id == faq_id)).scalar_one_or_none()
    if row is None:
        raise LookupError(f"常见问题不存在: {faq_id}")
    if not row.published:
        return row
    row.published = False
    session.add(row)
    audit.record(session, action="kb.faq_unpublished", actor=actor, entity="kb_faq", entity_id=faq_id)
    session.flush()
    if kb is not None:
        kb.remove_faq(faq_id)
    return row


def sync_index(session: Session, kb: Any) -> int:
    """Put every published hotline FAQ into the index (after the index was rebuilt); returns how
    many were missing. Unpublished ones are taken out."""
    present = {f.id for f in kb.data.faq.faqs}
    added = 0
    for row in session.execute(select(KbFaq)).scalars():
        statutes = [s for s in row.statutes.splitlines() if s in kb.by_id]
        if row.published and row.faq_id not in present and statutes:
            kb.add_faq(row.faq_id, row.question, row.answer, statutes)
            added += 1
        elif not row.published and row.faq_id in present:
            kb.remove_faq(row.faq_id)
    return added


def start_sync(state: Any) -> None:
    """Once the knowledge base has loaded (in its own thread), sync the hotline FAQs into it."""
    def work() -> None:
        if not state.kb.wait():
            return
        try:
            with session_scope(state.engine) as session:
                added = sync_index(session, state.kb.kb)
            if added:
                log.info("published %d hotline FAQ entries missing from the index", added)
        except Exception:
            log.exception("syncing hotline FAQ entries into the index failed")

    threading.Thread(target=work, name="kb-faq-sync", daemon=True).start()
