"""The citizen's pages: the chat (`/chat`) and the privacy policy its consent step links to
(`/privacy`). The chat socket (`hotline.chat.views`) joins the same router."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request, UploadFile
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


# -- attachments: photos and files (a 欠条, a contract) kept with the citizen's case -----------------
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
_MAGIC = [(b"\xff\xd8\xff", "image/jpeg", "image"), (b"\x89PNG\r\n\x1a\n", "image/png", "image"),
          (b"%PDF-", "application/pdf", "file")]


def sniff(content: bytes) -> tuple[str, str] | None:
    """The type by the file's first bytes (never the name or the browser's claim): JPEG, PNG,
    WebP or PDF; None otherwise."""
    for magic, content_type, kind in _MAGIC:
        if content.startswith(magic):
            return content_type, kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "image"
    return None


@router.post("/api/chat/attachments", status_code=201)
async def upload_attachment(request: Request, file: UploadFile, x_resume_token: str = Header(default="")) -> dict:
    from starlette.concurrency import run_in_threadpool

    from hotline.contacts import service as contacts
    from hotline.database import session_scope
    from hotline.events import bus
    from hotline.wechat.service import keep_attachment

    state = request.app.state
    content = await file.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise HTTPException(status_code=413, detail="文件过大：每个附件不超过 5 MB")
    if not content:
        raise HTTPException(status_code=422, detail="文件为空")
    sniffed = sniff(content)
    if sniffed is None:
        raise HTTPException(status_code=415, detail="只能上传照片（JPG、PNG、WebP）或 PDF 文件")
    content_type, kind = sniffed
    name = (file.filename or "附件").replace("\\", "/").rsplit("/", 1)[-1][:100] or "附件"

    def work() -> tuple[dict, dict]:
        with session_scope(state.engine) as session:
            contact = contacts.resume_chat(session, x_resume_token) if x_resume_token else None
            if contact is None:
                raise HTTPException(status_code=403, detail="会话无效或已结束，请刷新页面")
            row = keep_attachment(session, state.settings.var_dir, contact, kind=kind, content=content,
                                  content_type=content_type, filename=name)
            row.source = "chat"
            utt, _ = contacts.add_utterance(session, contact, speaker="citizen", source="chat",
                                            text=f"（已上传附件：{name}）")
            return ({"id": row.id, "filename": name, "content_type": content_type, "size": len(content)},
                    contacts.utterance_event(utt))

    out, event = await run_in_threadpool(work)
    bus.publish(f"contact:{event['contact_id']}", event)
    return {**out, "utterance": event}
