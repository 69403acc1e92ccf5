"""WeChat endpoints.

    GET  /wechat/{account}      URL verification (服务器配置): signature of token, timestamp, nonce → echostr
    POST /wechat/{account}      pushed messages, plain or safe mode (AES, msg_signature) → `success`
                                 at once (or the greeting as a passive reply); routing runs afterwards
    GET/POST /api/wechat/accounts, PUT /api/wechat/accounts/{name}   (admin) accounts; secrets write-only
    GET  /api/wechat/contacts/{id}/context   (lawyer, manager) 48-hour window and the citizen's earlier contacts
    GET  /admin/wechat          the accounts page

A bad signature is refused with 403, malformed XML with 400 naming what is wrong; neither stores
anything. A message delivered again (MsgId, or FromUserName + CreateTime for events) is answered
`success` and stored once.
"""
from __future__ import annotations

import logging
import time
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from hotline.auth.models import Role, StaffUser
from hotline.contacts.models import Contact
from hotline.auth.actor import Actor
from hotline.deps import get_session, require_roles
from hotline.web.staff import staff_page
from hotline.wechat import flows, service
from hotline.wechat.models import AccountIn, WechatAccount

log = logging.getLogger("hotline.wechat")
router = APIRouter(tags=["wechat"])
api = APIRouter(prefix="/api/wechat", tags=["wechat"])
admin = require_roles()  # admin only
staff = require_roles(Role.lawyer, Role.manager)
MAX_BODY = 256 * 1024  # WeChat's messages are a few KB
REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


def _account(request: Request, name: str) -> WechatAccount:
    with Session(request.app.state.engine) as session:  # a read: no writer's transaction
        account = service.account_by_name(session, name)
        session.expunge_all()
    if account is None or not account.active:
        raise HTTPException(status_code=404, detail=f"未配置的公众号 (unknown WeChat account {name!r})")
    return account


def _signed(account: WechatAccount, q: dict[str, str]) -> None:
    try:
        check_signature(account.token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
    except InvalidSignatureException as exc:
        log.warning("wechat %s: bad signature refused", account.name)
        raise HTTPException(status_code=403, detail="签名校验失败 (bad signature)") from exc


def _xml(text: str) -> dict[str, Any]:
    """The <xml> root of a pushed document as a dict; 400 for anything else."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise HTTPException(status_code=400, detail="XML 不允许 DTD 或实体 (no DTD/entities)")
    try:
        doc = xmltodict.parse(text)
    except ExpatError as exc:
        raise HTTPException(status_code=400, detail=f"XML 格式错误 (malformed XML): {exc}") from exc
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise HTTPException(status_code=400, detail="XML 根元素应为 <xml> (root element must be <xml>)")
    return root


def _parse(text: str) -> dict[str, Any]:
    msg = _xml(text)
    for field in REQUIRED:
        if not isinstance(msg.get(field), str) or not msg[field].strip():
            raise HTTPException(status_code=400, detail=f"缺少字段 {field} (missing field {field})")
    if not msg["CreateTime"].isdigit():
        raise HTTPException(status_code=400, detail="CreateTime 应为整数 (CreateTime must be an integer)")
    return msg


@router.get("/wechat/{name}", response_class=PlainTextResponse)
def verify_url(name: str, request: Request) -> str:
    account = _account(request, name)
    q = dict(request.query_params)
    _signed(account, q)
    return q.get("echostr", "")


@router.post("/wechat/{name}")
async def receive(name: str, request: Request) -> Response:
    account = await run_in_threadpool(_account, request, name)
    q = dict(request.query_params)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(status_code=413, detail="消息过大 (body too large)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(status_code=400, detail="消息不是 UTF-8 (body is not UTF-8)") from exc
    crypto = None
    if q.get("encrypt_type") == "aes":
        if not account.aes_key:
            raise HTTPException(status_code=400, detail="该公众号未配置 EncodingAESKey (no AES key configured)")
        crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
        outer = _envelope(text)
        try:
            text = crypto.decrypt_message({"Encrypt": outer}, q.get("msg_signature", ""), q.get("timestamp", ""),
                                          q.get("nonce", ""))
        except (InvalidSignatureException, InvalidAppIdException) as exc:
            log.warning("wechat %s: bad msg_signature or app id refused", account.name)
            raise HTTPException(status_code=403, detail="签名校验失败 (bad msg_signature)") from exc
        except Exception as exc:  # noqa: BLE001 - undecryptable ciphertext (base64, padding)
            raise HTTPException(status_code=400, detail="Encrypt: 无法解密 (cannot decrypt)") from exc
        text = text.decode("utf-8") if isinstance(text, bytes) else text
    else:
        if account.encrypt_mode == "safe":
            raise HTTPException(status_code=400, detail="该公众号为安全模式，消息须加密 (encrypt_type=aes required)")
        _signed(account, q)
    msg = _parse(text)
    try:
        result = await flows.receive(request.app.state, account.id, msg)
    except service.WechatError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    if result is None or not result.reply or result.duplicate:
        return PlainTextResponse("success")
    reply = TextReply(content=result.reply, source=msg["ToUserName"], target=msg["FromUserName"]).render()
    if crypto is not None:
        reply = crypto.encrypt_message(reply, q.get("nonce", ""), str(int(time.time())))
    return Response(content=reply, media_type="application/xml")


def _envelope(text: str) -> str:
    encrypt = _xml(text).get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise HTTPException(status_code=400, detail="缺少字段 Encrypt (missing field Encrypt)")
    return encrypt


# -- admin --------------------------------------------------------------------------------------------
@api.get("/accounts")
def accounts(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(admin)) -> list:
    return [service.account_out(a) for a in service.list_accounts(session)]


@api.post("/accounts", status_code=201)
def create_account(body: AccountIn, session: Session = Depends(get_session, scope="function"),
                   user: StaffUser = Depends(admin)) -> dict:
    if service.account_by_name(session, body.name) is not None:
        raise HTTPException(status_code=409, detail=f"name: 公众号 {body.name} 已存在 (exists)")
    return _save(session, body, user)


@api.put("/accounts/{name}")
def update_account(name: str, body: AccountIn, session: Session = Depends(get_session, scope="function"),
                   user: StaffUser = Depends(admin)) -> dict:
    if body.name != name:
        raise HTTPException(status_code=422, detail="name: 与地址中的公众号不一致 (name differs from the URL)")
    if service.account_by_name(session, name) is None:
        raise HTTPException(status_code=404, detail=f"公众号 {name} 不存在 (not found)")
    return _save(session, body, user)


def _save(session: Session, body: AccountIn, user: StaffUser) -> dict:
    try:
        account, _ = service.save_account(session, body, actor=Actor.of(user))
    except service.WechatError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    session.commit()
    return service.account_out(account)


@api.get("/contacts/{contact_id}/context")
def contact_context(contact_id: int, session: Session = Depends(get_session, scope="function"),
                    user: StaffUser = Depends(staff)) -> dict:
    """For the console: the WeChat window (when the contact is a WeChat one) and the citizen's
    earlier contacts on every channel."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise HTTPException(status_code=404, detail=f"联系记录不存在 (contact {contact_id} not found)")
    if user.role == Role.lawyer and contact.lawyer_id != user.id:
        raise HTTPException(status_code=403, detail="您不是该咨询的接待律师 (not your contact)")
    found = service.identity_of_contact(session, contact)
    return {"contact_id": contact.id, "channel": contact.channel,
            "window": service.window(found[1]) if found else None,
            "window_closed_notice": flows.WINDOW_CLOSED, "history": service.history(session, contact)}


@router.get("/admin/wechat", include_in_schema=False)
def accounts_page(request: Request) -> Response:
    return staff_page(request, "admin_wechat.html", set(), title="微信公众号")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(api)
    app.state.startup_hooks.append(flows.resume_pending)
