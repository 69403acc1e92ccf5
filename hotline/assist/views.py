"""Knowledge-base search for staff, and what lawyers do with suggestions."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlmodel import Session

from hotline.assist import service
from hotline.assist.models import Suggestion
from hotline.auth.models import Role, StaffUser
from hotline.auth.permissions import SessionDep, supervises
from hotline.contacts.models import Contact
from hotline.deps import require_roles
from hotline.privacy import redact
from hotline.validation import StrictModel

router = APIRouter(tags=["assist"])
staff = require_roles(Role.lawyer, Role.manager, Role.legal_aid, Role.mediation)
suggestion_users = require_roles(Role.lawyer, Role.manager)  # lawyers for their own contacts only


def _kb(request: Request):  # noqa: ANN202
    holder = request.app.state.kb
    if holder.kb is None:
        raise HTTPException(status_code=503, detail=f"知识库尚未就绪 (knowledge base not ready: {holder.error or 'loading'})")
    return holder.kb


@router.get("/api/kb/status")
def kb_status(request: Request) -> dict:
    return request.app.state.kb.status


@router.get("/api/kb/search")
def kb_search(request: Request, q: str = Query(..., max_length=20000), top: int = Query(10, ge=1, le=100),
              user: StaffUser = Depends(staff)) -> dict:
    from knowledge_base.service import QueryError

    kb = _kb(request)
    try:
        result = kb.search(q, top=top)
    except QueryError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {"query": result.query, "confident": result.confident, "hits": [service.hit_dict(h) for h in result.hits]}


@router.get("/api/kb/articles/{article_id:path}")
def kb_article(article_id: str, request: Request, user: StaffUser = Depends(staff)) -> dict:
    kb = _kb(request)
    article = kb.get_article(article_id)
    if article is None:
        raise HTTPException(status_code=404, detail="条文不存在")
    return service.hit_dict(article)


def _owner(session: Session, user: StaffUser, contact_id: int) -> bool:
    """Who may see and act on a contact's suggestions: the lawyer it is assigned (or offered) to,
    and managers and admins (any contact). Everyone else gets 403. Returns whether `user` is the
    assigned lawyer, who alone sees the citizen's words (the query) unredacted."""
    if session.get(Contact, contact_id) is None:
        raise HTTPException(status_code=404, detail=f"联系记录不存在 (contact {contact_id} not found)")
    owner = service.assigned_to(session, user.id, contact_id)
    if not owner and not supervises(user):
        raise HTTPException(status_code=403, detail="您不是该咨询的接待律师 (not your contact)")
    return owner


def _out(row: Suggestion, owner: bool) -> dict:
    data = row.model_dump(mode="json")
    if not owner:
        data["query"] = redact(data["query"])
    return data


@router.get("/api/contacts/{contact_id}/suggestions")
def suggestions(contact_id: int, session: SessionDep,
                user: StaffUser = Depends(suggestion_users)) -> list:
    owner = _owner(session, user, contact_id)
    return [_out(s, owner) for s in service.latest_suggestions(session, contact_id)]


class SuggestionAction(StrictModel):
    action: str  # click | copy | rate
    rating: str | None = None
    reason: str = ""


@router.post("/api/suggestions/{suggestion_id}/actions")
def suggestion_action(suggestion_id: int, body: SuggestionAction, session: SessionDep,
                      user: StaffUser = Depends(suggestion_users)) -> dict:
    found = session.get(Suggestion, suggestion_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"suggestion {suggestion_id} not found")
    owner = _owner(session, user, found.contact_id)
    try:
        row = service.act_on_suggestion(session, suggestion_id, body.action, user_id=user.id, rating=body.rating,
                                        reason=body.reason)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except service.AssistError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return _out(row, owner)
