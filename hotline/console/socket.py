"""The staff WebSocket (/ws/staff): a lawyer's or manager's console hears its offers and the
queue state, and watches the contacts it may act on (their utterances, suggestions, status)."""
from __future__ import annotations

import asyncio
import json

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from hotline.auth.permissions import may_act_on_contact, supervises
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.deps import websocket_user
from hotline.events import bus
from hotline.queue import flows as queue_flows
from hotline.queue import service as queue


async def staff_socket(ws: WebSocket) -> None:
    user = await run_in_threadpool(websocket_user, ws)
    if user is None:
        await ws.close(code=4401, reason="login required")
        return
    await ws.accept()
    state = ws.app.state
    lock = asyncio.Lock()

    async def send(frame: dict) -> None:
        async with lock:
            await ws.send_text(json.dumps(frame, ensure_ascii=False, default=str))

    def may_watch(contact_id: int) -> bool:
        if supervises(user):
            return True
        with session_scope(state.engine) as session:
            contact = session.get(Contact, contact_id)
            return contact is not None and may_act_on_contact(user, contact)

    async with bus.subscribe(f"staff:{user.id}", "queues") as sub:
        async def forward() -> None:
            async for event in sub:
                await send(event)

        snapshot, offers = await run_in_threadpool(lambda: queue_flows.run(state, lambda s, c: (
            queue.snapshot(s, config=c), queue.pending_offers(s, user.id, config=c))))
        await send({"type": "hello", "user_id": user.id, "role": user.role, "state": snapshot})
        for offer in offers:  # offers made before this socket (a reload, a restart) are shown again
            await send({"topic": f"staff:{user.id}", **offer})
        forwarder = asyncio.create_task(forward())  # events since subscribing wait in the queue
        try:
            while True:
                raw = await ws.receive_text()
                try:
                    frame = json.loads(raw)
                    contact_id = int(frame.get("contact_id", 0))
                except (ValueError, TypeError, AttributeError):
                    await send({"type": "error", "code": "bad_json", "message": "消息格式错误"})
                    continue
                kind = frame.get("type")
                if kind == "watch":
                    if await run_in_threadpool(may_watch, contact_id):
                        bus.add_topics(sub, f"contact:{contact_id}")
                        await send({"type": "watching", "contact_id": contact_id})
                    else:
                        await send({"type": "error", "code": "forbidden", "message": "无权查看该咨询"})
                elif kind == "unwatch":
                    bus.remove_topics(sub, f"contact:{contact_id}")
                elif kind == "ping":
                    await send({"type": "pong"})
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            forwarder.cancel()
