"""Answer-assist: suggestions for a running contact from the knowledge base, the record of
what the lawyer did with them, and the backlog of questions the knowledge base missed."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.assist.models import RATING_REASONS, BacklogItem, Suggestion
from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.contacts import service as contacts
from hotline.timeutil import utcnow

log = logging.getLogger("hotline.assist")


class KnowledgeBaseHolder:
    """Loads the knowledge base off the request path; `kb` is None until it is ready."""

    def __init__(self, path: Path, enabled: bool = True) -> None:
        self.path = path
        self.enabled = enabled
        self.kb: Any = None
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._load, name="kb-load", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            from knowledge_base.service import KnowledgeBase

            self.kb = KnowledgeBase.load(self.path)
            log.info("knowledge base loaded from %s", self.path)
        except Exception as exc:  # the app runs without suggestions rather than not at all
            self.error = f"{type(exc).__name__}: {exc}"
            log.warning("knowledge base not available: %s", self.error)

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.kb is not None

    @property
    def status(self) -> dict[str, Any]:
        return {"ready": self.kb is not None, "error": self.error, "path": str(self.path)}


def hit_title(hit: Any) -> str:
    if getattr(hit, "kind", "") == "faq":
        return getattr(hit, "question", "")[:200]
    return f"{getattr(hit, 'title', '') or getattr(hit, 'law', '')} {getattr(hit, 'article_no', '')}".strip()[:200]


def hit_dict(hit: Any) -> dict[str, Any]:
    if hasattr(hit, "to_dict"):
        return hit.to_dict()
    if hasattr(hit, "model_dump"):
        return hit.model_dump()
    return dict(vars(hit))


def search(kb: Any, texts: list[str], *, spoken: bool = False, top: int = 8) -> tuple[str, Any] | None:
    """The knowledge-base search for the conversation so far (`texts`: the citizen's latest
    utterances, oldest first, as `contacts.citizen_texts` reads them): (query, result), or None
    when there is nothing to search. Outside any transaction: a search takes tens of
    milliseconds, and on SQLite a transaction holds the database's write lock from its start."""
    from knowledge_base.query import build_query

    query = build_query(texts)
    if not query:
        return None
    # a few more than shown: what the lawyers rated unhelpful for the contact is left out when storing
    return query, kb.search(query, top=top + REJECTED_MARGIN, spoken=spoken)  # calls: match by sound too


REJECTED_MARGIN = 8


def store_suggestions(session: Session, contact_id: int, utterance_id: int | None, query: str,
                      result: Any, top: int = 8) -> dict[str, Any]:
    """Store what is shown (one batch, without what was rated unhelpful for this contact), log it,
    return the `suggestions` event."""
    contact = contacts.get_contact(session, contact_id)
    rejected = rejected_refs(session, contact_id)
    hits = [hit for hit in result.hits if (hit.kind, hit.id) not in rejected][:top]
    batch = (session.execute(select(func.max(Suggestion.batch)).where(
        Suggestion.contact_id == contact_id)).scalar() or 0) + 1
    items = []
    for rank, hit in enumerate(hits, start=1):
        row = Suggestion(contact_id=contact_id, utterance_id=utterance_id, batch=batch, query=query, kind=hit.kind,
                         ref_id=hit.id, title=hit_title(hit), rank=rank, score=float(hit.score),
                         confident=bool(result.confident))
        session.add(row)
        session.flush()
        items.append({"suggestion_id": row.id, "rank": rank, **hit_dict(hit)})
    if not result.confident:
        session.add(BacklogItem(contact_id=contact_id, question=query, reason="no_confident_match"))
    audit.record(session, action="suggestion.shown", actor="system", entity="contact", entity_id=contact_id,
                 case_id=contact.case_id, contact_id=contact_id,
                 data={"batch": batch, "query": query, "confident": bool(result.confident),
                       "shown": [{"kind": i["kind"], "id": i["id"], "score": round(float(i["score"]), 4)}
                                 for i in items]})
    return {"type": "suggestions", "contact_id": contact_id, "batch": batch, "query": query,
            "confident": bool(result.confident), "items": items}


def rejected_refs(session: Session, contact_id: int) -> set[tuple[str, str]]:
    """(kind, ref id) of what the lawyers rated unhelpful (无帮助, any reason: 不相关, 已过时...) for
    this contact: the next refreshes for the contact leave them out (the rating stays on its row)."""
    return {(kind, ref) for kind, ref in session.execute(select(Suggestion.kind, Suggestion.ref_id).where(
        Suggestion.contact_id == contact_id, Suggestion.rating == "unhelpful")).all()}


def suggest_for_contact(session: Session, kb: Any, contact_id: int, utterance_id: int | None,
                        texts: list[str], top: int = 8) -> dict[str, Any] | None:
    """`search` then `store_suggestions` in the caller's transaction (the live path,
    `hotline.contacts.said`, searches outside it)."""
    contact = contacts.get_contact(session, contact_id)
    found = search(kb, texts, spoken=contact.channel == "call", top=top)
    return store_suggestions(session, contact_id, utterance_id, *found, top=top) if found else None


def latest_suggestions(session: Session, contact_id: int) -> list[Suggestion]:
    batch = session.execute(select(func.max(Suggestion.batch)).where(Suggestion.contact_id == contact_id)).scalar()
    if batch is None:
        return []
    return list(session.execute(select(Suggestion).where(
        Suggestion.contact_id == contact_id, Suggestion.batch == batch).order_by(Suggestion.rank)).scalars())


class AssistError(ValueError):
    pass


def assigned_to(session: Session, user_id: int, contact_id: int) -> bool:
    """Whether the contact is this lawyer's: they handle it (Contact.lawyer_id, as the console's
    own ownership check) or it is offered to them right now (an open, unexpired offer)."""
    from hotline.contacts.models import Contact
    from hotline.queue.models import Offer

    contact = session.get(Contact, contact_id)
    if contact is None:
        return False
    if contact.lawyer_id == user_id:
        return True
    return session.execute(select(Offer.id).where(
        Offer.contact_id == contact_id, Offer.user_id == user_id, Offer.status == "offered",
        Offer.expires_at > utcnow()).limit(1)).first() is not None


def act_on_suggestion(session: Session, suggestion_id: int, action: str, *, user_id: int,
                      rating: str | None = None, reason: str = "") -> Suggestion:
    """Record what the lawyer did with a suggestion: click, copy or rate (helpful/unhelpful + reason)."""
    row = session.get(Suggestion, suggestion_id)
    if row is None:
        raise LookupError(f"suggestion {suggestion_id} not found")
    batch_rows: list[Suggestion] = []
    if action == "rate":
        # Lock the batch (PostgreSQL; SQLite transactions are serialised already) so that two
        # lawyers rating its last suggestions at once see each other's ratings below.
        batch_rows = session.execute(
            select(Suggestion).where(Suggestion.contact_id == row.contact_id, Suggestion.batch == row.batch)
            .with_for_update().execution_options(populate_existing=True)).scalars().all()
    now = utcnow()
    if action == "click":
        row.clicked_at = row.clicked_at or now
    elif action == "copy":
        row.copied_at = now
    elif action == "rate":
        if rating not in ("helpful", "unhelpful"):
            raise AssistError("rating must be helpful or unhelpful")
        if rating == "unhelpful" and reason not in RATING_REASONS:
            raise AssistError(f"不采纳须选择原因: {'、'.join(RATING_REASONS)}")
        row.rating, row.rating_reason, row.rated_by = rating, reason if rating == "unhelpful" else "", user_id
    else:
        raise AssistError(f"unknown action {action!r}")
    session.add(row)
    contact = contacts.get_contact(session, row.contact_id)
    audit.record(session, action=f"suggestion.{action}", actor=Actor.staff(user_id), entity="suggestion",
                 entity_id=row.id, case_id=contact.case_id, contact_id=row.contact_id,
                 data={"kind": row.kind, "ref_id": row.ref_id, "rating": rating, "reason": reason})
    if action == "rate" and rating == "unhelpful":  # `row` is one of batch_rows, with its new rating
        if batch_rows and all(r.rating == "unhelpful" for r in batch_rows) and not _batch_in_backlog(session, batch_rows):
            session.add(BacklogItem(contact_id=row.contact_id, question=row.query, reason="all_unhelpful"))
    return row


def _batch_in_backlog(session: Session, batch_rows: list[Suggestion]) -> bool:
    """Whether this batch is already in the backlog as all-unhelpful: re-rating (another reason,
    helpful then unhelpful again) must not add it twice. The backlog row has no batch column; the
    batch's item is the one for the same contact and question created since the batch was shown
    (a later batch with the same question is shown later, so it gets its own item)."""
    first = batch_rows[0]
    shown = min(r.shown_at for r in batch_rows)
    session.flush()
    return session.execute(select(BacklogItem.id).where(
        BacklogItem.contact_id == first.contact_id, BacklogItem.reason == "all_unhelpful",
        BacklogItem.question == first.query, BacklogItem.created_at >= shown).limit(1)).first() is not None
