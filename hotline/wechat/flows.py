"""What happens around a stored WeChat message: after the commit (events, intake, the media
fetched in the background: voice recognised by the hotline's recogniser, images and files kept
with the case), at start-up (media messages acknowledged but not yet processed), and when a
lawyer replies (the customer-service message, inside the 48-hour window)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline.audit import service as audit
from hotline.contacts import flows as contact_flows
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact, Utterance
from hotline.database import session_scope
from hotline.events import bus
from hotline.wechat import audio, service
from hotline.wechat.client import OUT_OF_WINDOW, WechatApiError, WechatClient
from hotline.wechat.models import WechatAccount, WechatMessage

log = logging.getLogger("hotline.wechat")
WINDOW_CLOSED = "微信48小时回复窗口已关闭，无法再发送客服消息；请改用电话回访或短信联系市民。"


def client_for(state: Any, account: WechatAccount) -> WechatClient:
    return WechatClient(state.engine, state.settings.wechat_api_base, account)


def spawn(state: Any, coro: Any) -> asyncio.Task:
    task = asyncio.create_task(coro)
    state.background_tasks.add(task)  # held until done (the loop keeps only a weak reference)
    task.add_done_callback(state.background_tasks.discard)
    return task


# -- inbound ------------------------------------------------------------------------------------------
async def receive(state: Any, account_id: int, msg: dict[str, Any]) -> service.Inbound | None:
    """Store one pushed message (committed before WeChat is answered), then start what follows
    in the background. None: a concurrent delivery of the same message was stored first."""
    def work() -> service.Inbound:
        with session_scope(state.engine) as session:
            return service.store_inbound(session, session.get(WechatAccount, account_id), msg)

    try:
        result = await run_in_threadpool(work)
    except IntegrityError:
        return None
    if result.duplicate:
        return result
    if result.opened:
        bus.publish("contacts", {"type": "contact_opened", "contact_id": result.contact_id, "channel": "wechat"})
    if result.utterance is not None:
        bus.publish(f"contact:{result.contact_id}", result.utterance)
        contact_flows.start(state, result.contact_id, result.utterance["id"])
    elif result.message.status == "pending":
        spawn(state, process_media(state, result.message.id))
    return result


def _transcribe(state: Any, content: bytes) -> tuple[str, float | None]:
    samples = audio.decode(content)
    joiner = "" if state.settings.asr_engine == "whisper" else " "
    return audio.recognise(state.voice_recognition.pool(), samples, joiner=joiner)


def _placeholder(row: WechatMessage, error: str) -> str:
    if row.msg_type == "voice":
        return "（语音消息，未能识别）" if error else "（语音消息）"
    label = {"image": "图片", "file": "文件", "video": "视频", "shortvideo": "小视频"}.get(row.msg_type, row.msg_type)
    name = f" {row.content}" if row.content else ""
    return f"（{label}{name}，{'获取失败' if error else '已存为案件附件'}）"


async def process_media(state: Any, message_id: int) -> None:
    """Fetch a pending message's media, keep it with the case, recognise a voice message, and
    store the citizen's utterance (recognised text, else WeChat's Recognition, else a note)."""
    def load() -> tuple[WechatMessage, WechatAccount]:
        with Session(state.engine) as session:
            row = session.get(WechatMessage, message_id)
            account = session.get(WechatAccount, row.account_id)
            session.expunge_all()
            return row, account

    row, account = await run_in_threadpool(load)
    if row.status != "pending":
        return
    media, text, confidence, error, source = None, "", None, "", "wechat"
    try:
        media = await run_in_threadpool(client_for(state, account).get_media, row.media_id)
        if row.msg_type == "voice":
            text, confidence = await run_in_threadpool(_transcribe, state, media.content)
            source = "asr"
    except Exception as exc:  # noqa: BLE001 - the message stays in the record with what went wrong
        error = f"{type(exc).__name__}: {exc}"[:300]
        log.warning("wechat message %s: %s", message_id, error)
    if not text and row.recognition:
        text, source = row.recognition, "wechat-asr"  # WeChat's own recognition, when ours has nothing
    text = text or _placeholder(row, error)

    def store() -> dict[str, Any]:
        with session_scope(state.engine) as session:
            msg = session.get(WechatMessage, message_id)
            contact = contacts.get_contact(session, msg.contact_id)
            if media is not None:
                kind = msg.msg_type if msg.msg_type in ("voice", "image", "file") else "file"
                service.keep_attachment(session, state.settings.var_dir, contact, kind=kind, content=media.content,
                                        content_type=media.content_type, filename=media.filename or msg.content)
            utt, _ = contacts.add_utterance(session, contact, speaker="citizen", text=text, source=source,
                                            client_id=f"wx:{msg.id}", confidence=confidence,
                                            started_at=msg.created_at_wechat)
            msg.utterance_id, msg.status, msg.error = utt.id, "failed" if error else "done", error
            session.add(msg)
            if msg.msg_type == "voice":
                audit.record(session, action="wechat.voice_recognised", actor="system", entity="wechat_message",
                             entity_id=msg.id, case_id=contact.case_id, contact_id=contact.id,
                             data={"text": text, "source": source, "wechat_recognition": msg.recognition,
                                   "error": error})
            return contacts.utterance_event(utt)

    event = await run_in_threadpool(store)
    bus.publish(f"contact:{event['contact_id']}", event)
    contact_flows.start(state, event["contact_id"], event["id"])


async def resume_pending(state: Any) -> None:
    """Start-up hook: media messages acknowledged to WeChat but not processed before the
    previous process stopped."""
    def work() -> list[int]:
        with Session(state.engine) as session:
            return list(session.execute(select(WechatMessage.id).where(
                WechatMessage.direction == "in", WechatMessage.status == "pending").order_by(WechatMessage.id)).scalars())

    for message_id in await run_in_threadpool(work):
        spawn(state, process_media(state, message_id))


# -- replies ------------------------------------------------------------------------------------------
def refuse_outside_window(session: Session, contact: Contact) -> None:
    """Before a lawyer's reply is stored: WeChat accepts customer-service messages only within
    48 hours of the citizen's last message."""
    found = service.identity_of_contact(session, contact)
    if found is None or not service.window(found[1])["open"]:
        raise HTTPException(status_code=409, detail=WINDOW_CLOSED)


def deliver_reply(state: Any, contact: Contact, utt: Utterance) -> dict[str, Any]:
    """Send a stored lawyer reply as a customer-service message; the outcome is kept (message
    row and audit entry) and returned for the console."""
    with Session(state.engine) as session:
        account, identity = service.identity_of_contact(session, contact)
        session.expunge_all()
    error, code = "", 0
    try:
        client_for(state, account).send_text(identity.openid, utt.text)
    except WechatApiError as exc:
        error, code = exc.errmsg or str(exc), exc.errcode
    except Exception as exc:  # noqa: BLE001 - network: the reply stays stored, marked not delivered
        error = f"{type(exc).__name__}: {exc}"
    if code == OUT_OF_WINDOW:
        error = WINDOW_CLOSED
    with session_scope(state.engine) as session:
        row = WechatMessage(account_id=account.id, direction="out", dedup_key=f"out:{utt.id}", openid=identity.openid,
                            msg_type="text", content=utt.text, contact_id=contact.id, utterance_id=utt.id,
                            status="failed" if error else "sent", error=error[:300])
        session.add(row)
        session.flush()
        audit.record(session, action="wechat.reply_failed" if error else "wechat.reply_sent",
                     actor=f"staff:{utt.author_id}" if utt.author_id else "system", entity="wechat_message",
                     entity_id=row.id, case_id=contact.case_id, contact_id=contact.id,
                     data={"utterance_id": utt.id, "account": account.name, "errcode": code, "error": error[:300]})
    if error:
        log.warning("wechat reply for contact %s not delivered: %s", contact.id, code or error[:80])
    return {"sent": not error, "error": error, "errcode": code}
