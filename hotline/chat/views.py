"""The citizen chat channel: a page and a WebSocket.

Protocol (JSON text frames; see docs/chat-protocol.md):
  client → {"type":"hello","resume_token"?,"chat_token"?,"language"?}  server → {"type":"session",...,"history":[...]}
  client → {"type":"message","client_id","text"}             server → {"type":"ack","client_id","id","stored_at"}
  client → {"type":"rate","score":1-5,"comment"}             server → {"type":"rated"}
  client → {"type":"end"} | {"type":"ping"}                   server → {"type":"ended"} | {"type":"pong"}
  server → {"type":"utterance",...} (lawyer/system messages), {"type":"status",...},
           {"type":"error","code","message"} — after an error frame the connection stays usable;
           `rate_limited` (over the per-socket or per-address limit) carries `retry_after_s`.
A message is stored (committed) before it is acknowledged; client_id makes resending safe.

Presence: a closed socket does not end the chat (the page reconnects with its resume token), but
when the last socket bound to a chat goes away `Contact.citizen_left_at` is set; a hello, resume
or message clears it. A background task (`hotline.chat.presence`) ends chats whose citizen
stays away past `chat_abandon_after_s` / `chat_idle_end_after_s`, through the same end path as an
`end` frame.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from hotline.chat import waiting
from hotline.chat.pages import router  # the chat and privacy pages; the socket joins the same router
from hotline.cases.service import get_case
from hotline.chat.ratelimit import SocketLimit
from hotline.contacts import flows
from hotline.contacts import service as contacts
from hotline.contacts.models import ContactStatus
from hotline.database import session_scope
from hotline.events import bus
from hotline.queue import service as queue
from hotline.validation import bad_value

log = logging.getLogger("hotline.chat")

ERRORS = {
    "too_large": "消息过长，请分段发送。",
    "bad_encoding": "消息编码无效，请使用 UTF-8。",
    "bad_json": "消息格式错误。",
    "unknown_type": "不支持的消息类型。",
    "no_session": "会话尚未建立，请刷新页面。",
    "empty": "消息不能为空。",
    "ended": "本次咨询已结束。",
    "invalid": "请求无效。",
    "server": "服务器暂时无法保存消息，请稍后重试。",
    "rate_limited": "发送过于频繁，请稍后再试。",
    "bad_phone": "请填写正确的手机号（11 位）或带区号的固定电话。",
    "consent_required": "请先勾选同意保存电话号码用于回电。",
}




class ChatSocket:
    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.state = ws.app.state
        self.settings = ws.app.state.settings
        self.contact_id: int | None = None
        self.send_lock = asyncio.Lock()
        self.limit = SocketLimit(self.settings, self.state.chat_addresses, ws.client.host if ws.client else "")

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(frame, ensure_ascii=False))

    async def error(self, code: str, detail: str = "", **extra: Any) -> None:
        await self.send({"type": "error", "code": code, "message": ERRORS.get(code, code), "detail": detail, **extra})

    # -- frames -------------------------------------------------------------------------------
    async def decode(self, message: dict[str, Any]) -> dict[str, Any] | None:
        raw = message.get("text")
        data = message.get("bytes")
        size = len(raw.encode("utf-8", "surrogatepass")) if raw is not None else len(data or b"")
        if size > self.settings.chat_max_frame_bytes:
            await self.error("too_large", f"frame of {size} bytes; limit {self.settings.chat_max_frame_bytes}")
            return None
        if raw is None:
            try:
                raw = (data or b"").decode("utf-8")
            except UnicodeDecodeError:
                await self.error("bad_encoding", "binary frame is not valid UTF-8")
                return None
        try:
            frame = json.loads(raw)
        except json.JSONDecodeError as exc:
            await self.error("bad_json", str(exc))
            return None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.error("bad_json", "a frame is a JSON object with a 'type'")
            return None
        reason = bad_value(frame)  # a lone surrogate (\ud800), a NUL, a number beyond 64 bits
        if reason:
            await self.error("bad_encoding" if "Unicode" in reason else "invalid", reason)
            return None
        return frame

    async def hello(self, frame: dict[str, Any], sub: Any) -> None:
        resume, chat_token, language = frame.get("resume_token"), frame.get("chat_token"), frame.get("language")
        if (resume is not None and not isinstance(resume, str)) or (
                chat_token is not None and not isinstance(chat_token, str)):
            await self.error("invalid", "tokens are strings")
            return
        if language is not None and (not isinstance(language, str) or not 0 < len(language) <= 16):
            await self.error("invalid", "language is a name of at most 16 characters, e.g. 粤语")
            return

        def work() -> dict[str, Any]:
            with session_scope(self.state.engine) as session:
                contact = contacts.resume_chat(session, resume) if resume else None
                token = resume
                if contact is None:
                    contact, token = contacts.start_chat(session, chat_token=chat_token, language=language)
                contacts.citizen_present(session, contact)
                citizen = session.get(contacts.Citizen, contact.citizen_id)
                case = get_case(session, contact.case_id)
                history = [contacts.utterance_event(u) for u in
                           contacts.transcript(session, contact.id, self.settings.chat_history_on_resume)]
                return {"type": "session", "contact_id": contact.id, "resume_token": token,
                        "chat_token": citizen.chat_token, "case_reference": case.reference,
                        "status": contact.status, "resumed": token == resume, "history": history,
                        "service": waiting.service_info(session, self.settings),
                        "callback": queue.callback_state(session, contact.id),
                        "consent": {"given": contact.consent_at is not None,
                                    "version": self.settings.chat_consent_version}}

        session_frame = await run_in_threadpool(work)
        new_topic = f"contact:{session_frame['contact_id']}"
        previous = self.contact_id
        if previous is not None:
            bus.remove_topics(sub, f"contact:{previous}")
        self.contact_id = session_frame["contact_id"]
        self.state.chat_bound[self.contact_id] += 1
        waiting.forget(self.state, self.contact_id)  # its place in the queue at the next round
        if previous is not None:
            await self.unbind(previous)
        bus.add_topics(sub, new_topic)
        await self.send(session_frame)
        if not session_frame["resumed"]:
            bus.publish("contacts", {"type": "contact_opened", "contact_id": self.contact_id, "channel": "chat"})

    async def message(self, frame: dict[str, Any]) -> None:
        text, client_id = frame.get("text"), frame.get("client_id")
        if not isinstance(text, str) or (client_id is not None and not isinstance(client_id, str)):
            await self.error("invalid", "text and client_id are strings", client_id=client_id)
            return
        text = text.strip()
        if not text:
            await self.error("empty", client_id=client_id)
            return
        if len(text) > self.settings.chat_max_chars:
            await self.error("too_large", f"{len(text)} characters; limit {self.settings.chat_max_chars}",
                             client_id=client_id)
            return
        if client_id is not None and len(client_id) > 64:
            await self.error("invalid", "client_id too long", client_id=client_id)
            return
        contact_id = self.contact_id

        def work() -> tuple[dict[str, Any], bool] | None:
            with session_scope(self.state.engine) as session:
                contact = contacts.get_contact(session, contact_id)
                if contact.status == ContactStatus.ended:
                    return None
                contacts.citizen_present(session, contact)
                utt, created = contacts.add_utterance(session, contact, speaker="citizen", text=text,
                                                      client_id=client_id, source="chat")
                return contacts.utterance_event(utt), created

        try:
            result = await run_in_threadpool(work)
        except Exception:
            log.exception("storing a chat message failed")
            await self.error("server", client_id=client_id)
            return
        if result is None:
            await self.error("ended", client_id=client_id)
            return
        event, created = result
        await self.send({"type": "ack", "client_id": client_id, "id": event["id"], "stored_at": event["stored_at"],
                         "duplicate": not created})
        if created:
            bus.publish(f"contact:{contact_id}", event)
            flows.start(self.state, contact_id, event["id"])

    async def rate(self, frame: dict[str, Any]) -> None:
        score, comment = frame.get("score"), frame.get("comment", "")
        contact_id = self.contact_id

        def work() -> None:
            with session_scope(self.state.engine) as session:
                contact = contacts.get_contact(session, contact_id)
                contacts.rate(session, contact, score=score, comment=comment if isinstance(comment, str) else "",
                              actor=f"citizen:{contact.citizen_id}")

        try:
            await run_in_threadpool(work)
        except contacts.ContactError as exc:
            await self.error("invalid", str(exc))
            return
        await self.send({"type": "rated", "score": score})
        bus.publish("contacts", {"type": "contact_rated", "contact_id": contact_id})

    async def consent(self, frame: dict[str, Any]) -> None:
        """The citizen agreed to the privacy notice shown before the first message."""
        version, contact_id = self.settings.chat_consent_version, self.contact_id
        if frame.get("version") != version:
            await self.error("invalid", f"consent is to the notice version {version}")
            return

        def work() -> None:
            with session_scope(self.state.engine) as session:
                contacts.record_consent(session, contacts.get_contact(session, contact_id), version)

        await run_in_threadpool(work)
        await self.send({"type": "consented", "version": version})

    async def callback_phone(self, frame: dict[str, Any]) -> None:
        """Nobody on duty: the citizen leaves a number (with consent) for the call back."""
        phone, consent, contact_id = frame.get("phone"), frame.get("consent"), self.contact_id
        if not isinstance(phone, str) or len(phone) > 32:
            await self.error("bad_phone", "phone is a string of at most 32 characters")
            return

        def work() -> queue.Events:
            with session_scope(self.state.engine) as session:
                return queue.leave_phone(session, contact_id, phone, consent=consent)

        try:
            events = await run_in_threadpool(work)
        except ValueError as exc:  # a RoutingError (no consent) or a malformed number
            await self.error("bad_phone" if not isinstance(exc, queue.RoutingError) else "consent_required", str(exc))
            return
        except LookupError as exc:
            await self.error("invalid", str(exc))
            return
        for topic, payload in events.items:
            bus.publish(topic, payload)
        await self.send({"type": "callback_saved", "phone": queue.masked(queue.normalise_phone(phone))})

    async def end(self) -> None:
        contact_id = self.contact_id

        def work() -> None:
            with session_scope(self.state.engine) as session:
                contact = contacts.get_contact(session, contact_id)
                contacts.end_contact(session, contact, actor=f"citizen:{contact.citizen_id}")

        await run_in_threadpool(work)
        await flows.contact_ended(self.state, contact_id)
        await self.send({"type": "ended", "contact_id": contact_id})

    async def unbind(self, contact_id: int) -> None:
        """This socket no longer serves `contact_id`; if no other socket of this process does,
        the citizen has left it (for now: a reconnect clears the mark)."""
        bound = self.state.chat_bound
        bound[contact_id] -= 1
        if bound[contact_id] > 0:
            return
        del bound[contact_id]

        def work() -> None:
            with session_scope(self.state.engine) as session:
                contacts.citizen_left(session, contact_id)

        try:
            await run_in_threadpool(work)
        except Exception:  # e.g. the database is down; start-up marks such chats anyway
            log.exception("marking chat contact %s as left failed", contact_id)

    # -- loops --------------------------------------------------------------------------------
    async def read_loop(self, sub: Any) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            frame = await self.decode(message)
            if frame is None:
                continue
            refused = self.limit.check()
            if refused is not None:
                await self.refuse(frame, *refused)
                continue
            try:
                await self.dispatch(frame, sub)
            except WebSocketDisconnect:
                raise
            except Exception:
                log.exception("chat frame %r failed", frame.get("type"))
                await self.error("server", client_id=frame.get("client_id"))

    async def refuse(self, frame: dict[str, Any], which: str, wait: float) -> None:
        """Over a rate limit: the frame is dropped unprocessed (a message is not stored; the client
        may resend it, same client_id, after `retry_after_s`)."""
        if self.limit.refused == 1:
            log.info("chat socket over its %s rate limit (contact %s)", which, self.contact_id)
        limit = (f"{self.settings.chat_rate_per_socket:g} frames/s per socket" if which == "socket"
                 else f"{self.settings.chat_rate_per_address:g} frames/s per address")
        await self.error("rate_limited", f"over {limit}", client_id=frame.get("client_id"), limit=which,
                         retry_after_s=round(wait, 3))

    async def dispatch(self, frame: dict[str, Any], sub: Any) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "hello":
            await self.hello(frame, sub)
        elif self.contact_id is None:
            await self.error("no_session")
        elif kind == "message":
            await self.message(frame)
        elif kind == "rate":
            await self.rate(frame)
        elif kind == "end":
            await self.end()
        elif kind == "consent":
            await self.consent(frame)
        elif kind == "callback_phone":
            await self.callback_phone(frame)
        else:
            await self.error("unknown_type", kind)

    async def forward_loop(self, sub: Any) -> None:
        async for event in sub:
            if event.get("type") == "utterance" and event.get("speaker") == "citizen":
                continue  # the citizen's own messages come back as acks
            if event.get("type") in ("utterance", "status", "queue", "callback_request"):
                await self.send(event)


@router.websocket("/ws/chat")
async def chat_socket(ws: WebSocket) -> None:
    await ws.accept()
    chat = ChatSocket(ws)
    async with bus.subscribe() as sub:
        reader = asyncio.create_task(chat.read_loop(sub))
        forwarder = asyncio.create_task(chat.forward_loop(sub))
        try:
            await asyncio.wait({reader, forwarder}, return_when=asyncio.FIRST_COMPLETED)
        except WebSocketDisconnect:
            pass
        finally:
            for task in (reader, forwarder):
                task.cancel()
            for task in (reader, forwarder):
                try:
                    await task
                except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    pass
                except Exception:
                    log.exception("chat socket task failed")
            if chat.contact_id is not None:
                await chat.unbind(chat.contact_id)
