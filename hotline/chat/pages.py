"""The citizen's pages: the chat (`/chat`) and the privacy policy its consent step links to
(`/privacy`). The chat socket (`hotline.chat.views`) joins the same router."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hotline.web import templates

router = APIRouter(tags=["chat"])


def _notice(settings: Any) -> dict[str, Any]:
    return {"max_chars": settings.chat_max_chars, "consent_version": settings.chat_consent_version,
            "retention_years": settings.chat_retention_years}


@router.get("/chat", response_class=HTMLResponse)
def chat_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "chat.html", _notice(request.app.state.settings))


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request) -> HTMLResponse:
    """The privacy policy the chat's consent step links to."""
    return templates.TemplateResponse(request, "privacy.html", _notice(request.app.state.settings))
