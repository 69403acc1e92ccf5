"""The lawyer console page (/console), the article viewer, the referral inbox page (/inbox) and
the console's own endpoints under /api/console."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from hotline.assist.models import RATING_REASONS
from hotline.assist.service import hit_dict
from hotline.auth.models import Role, StaffUser
from hotline.auth.permissions import SessionDep, may_act_on_contact
from hotline.console import service
from hotline.console.socket import staff_socket
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.deps import require_roles
from hotline.directory.models import OfficeKind
from hotline.directory.service import list_categories
from hotline.web import staff
from hotline.web.staff import staff_page
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/console", tags=["console"])
pages = APIRouter(tags=["pages"])
lawyer = require_roles(Role.lawyer, Role.manager)
readers = require_roles(Role.lawyer, Role.manager, Role.legal_aid, Role.mediation)


def _kb_or_none(request: Request) -> Any:
    return request.app.state.kb.kb


@router.get("/meta")
def meta(session: SessionDep, user: StaffUser = Depends(lawyer)) -> dict:
    return {"user": {"id": user.id, "name": user.display_name, "role": user.role},
            "categories": [{"code": c.code, "name": c.name, "time_limit_hours": c.time_limit_hours,
                            "mediable": c.mediable} for c in list_categories(session)],
            "dispositions": service.DISPOSITIONS, "rating_reasons": RATING_REASONS,
            "lawyers": service.lawyers(session), "office_kinds": OfficeKind.labels}


@router.get("/contacts")
def my_contacts(session: SessionDep, user: StaffUser = Depends(lawyer)) -> list:
    return service.my_contacts(session, user.id)


@router.get("/contacts/{contact_id}/suggestions")
def contact_suggestions(contact_id: int, request: Request, session: SessionDep,
                        user: StaffUser = Depends(lawyer)) -> dict:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise HTTPException(status_code=404, detail=f"联系记录不存在 (contact {contact_id} not found)")
    if not may_act_on_contact(user, contact):
        raise HTTPException(status_code=403, detail="您不是该咨询的接待律师 (not your contact)")
    return service.suggestions(session, _kb_or_none(request), contact_id)


@router.get("/search")
async def search(request: Request, q: str = Query(..., min_length=1, max_length=500),
                 contact_id: int | None = None, top: int = Query(8, ge=1, le=30),
                 user: StaffUser = Depends(lawyer)) -> dict:
    """Search the knowledge base by hand; the query and what was shown are logged."""
    from knowledge_base.service import QueryError

    kb = _kb_or_none(request)
    if kb is None:
        raise HTTPException(status_code=503, detail="知识库尚未就绪 (knowledge base not ready)")
    try:
        result = await run_in_threadpool(kb.search, q, top)
    except QueryError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    hits = [hit_dict(h) for h in result.hits]

    def work() -> None:
        with session_scope(request.app.state.engine) as session:
            service.log_search(session, user_id=user.id, query=result.query, contact_id=contact_id, hits=hits)

    await run_in_threadpool(work)
    return {"query": result.query, "confident": result.confident, "hits": hits}


class SearchAction(StrictModel):
    action: str = Field(pattern="^(click|copy)$")
    kind: str = Field(pattern="^(article|faq)$")
    ref_id: str = Field(min_length=1, max_length=200)
    contact_id: int | None = None


@router.post("/search-actions")
def search_action(body: SearchAction, session: SessionDep,
                  user: StaffUser = Depends(lawyer)) -> dict:
    service.log_search_action(session, user_id=user.id, action=body.action, kind=body.kind, ref_id=body.ref_id,
                              contact_id=body.contact_id)
    return {"logged": True}


@pages.get("/console", include_in_schema=False)
def console_page(request: Request) -> Response:
    return staff_page(request, "console.html", {"lawyer"}, {"reasons": RATING_REASONS}, title="律师工作台")


@pages.get("/inbox", include_in_schema=False)
def inbox_page(request: Request) -> Response:
    return staff_page(request, "inbox.html", {"legal_aid", "mediation", "manager"}, title="转介收件箱")


@pages.get("/console/articles/{article_id:path}", include_in_schema=False)
def article_page(article_id: str, request: Request) -> Response:
    kb = _kb_or_none(request)
    hit = kb.get_article(article_id) if kb is not None else None
    if hit is None:
        faq = service.faq_by_id(kb, article_id) if kb is not None else None
        article = None if faq is None else {"kind": "faq", "id": faq.id, "question": faq.question,
                                            "answer": faq.answer, "statutes": list(faq.statutes)}
    else:
        article = hit_dict(hit)
    response = staff_page(request, "article.html", {"lawyer", "manager", "legal_aid", "mediation"},
                          {"article": article, "article_id": article_id, "kb_ready": kb is not None},
                          title="法条全文")
    if article is None and response.status_code == 200:
        response.status_code = 404
    return response


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(pages)
    app.include_router(staff.router)
    app.add_api_websocket_route("/ws/staff", staff_socket)
