"""Knowledge-base search for staff, and what lawyers do with suggestions."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel
from sqlmodel import Session

from hotline.assist import service
from hotline.auth.models import Role, StaffUser
from hotline.deps import get_session, require_roles

router = APIRouter(tags=["assist"])
staff = require_roles(Role.lawyer, Role.manager, Role.legal_aid, Role.mediation)


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


@router.get("/api/contacts/{contact_id}/suggestions")
def suggestions(contact_id: int, session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> list:
    return [s.model_dump(mode="json") for s in service.latest_suggestions(session, contact_id)]


class SuggestionAction(BaseModel):
    action: str  # click | copy | rate
    rating: str | None = None
    reason: str = ""


@router.post("/api/suggestions/{suggestion_id}/actions")
def suggestion_action(suggestion_id: int, body: SuggestionAction, session: Session = Depends(get_session, scope="function"),
                      user: StaffUser = Depends(staff)) -> dict:
    try:
        row = service.act_on_suggestion(session, suggestion_id, body.action, user_id=user.id, rating=body.rating,
                                        reason=body.reason)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except service.AssistError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return row.model_dump(mode="json")
