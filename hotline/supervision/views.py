"""Live supervision API, pages and the monitor socket. Managers only (admin passes): every other
role gets 403 and the attempt is logged (`access.denied`). The lawyer's console reads its own
monitoring state and whispers from `/api/supervision/mine`.

WS /ws/supervision/{contact_id}: one monitoring session for the socket's life (audited start and
end); forwards the contact's utterances (redacted), partials, suggestions and status, plus the
lawyer's actions from the log."""
from __future__ import annotations

import asyncio
import json
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline.auth.models import Role, StaffUser
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.auth.actor import Actor
from hotline.deps import get_session, websocket_user
from hotline.events import bus
from hotline.policy import service as policy
from hotline.policy.access import logged_roles
from hotline.privacy import redact
from hotline.supervision import flows, service
from hotline.timeutil import utcnow
from hotline.web.staff import staff_page
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/supervision", tags=["supervision"])
pages = APIRouter(tags=["pages"])
managers = logged_roles("supervision", Role.manager)
lawyers = logged_roles("supervision.mine", Role.lawyer, Role.manager)


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _publish(events: service.Events) -> None:
    for topic, payload in events:
        bus.publish(topic, payload)


def _call(session: Session, fn: Any) -> Any:
    """Run a service call; commit before the events go out (publish after the commit)."""
    from hotline.supervision.calls import TwilioError

    try:
        result, events = fn()
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except service.SupervisionError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    except TwilioError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from exc
    session.commit()
    _publish(events)
    return result


@router.get("/live")
def live(request: Request, session: Session = Depends(get_session, scope="function"),
         user: StaffUser = Depends(managers)) -> dict:
    from hotline.deadlines.service import escalations

    tz = _tz(request)
    return {"timezone": request.app.state.settings.timezone, "now": utcnow().isoformat(),
            "contacts": service.live_contacts(session, tz), "escalations": escalations(session, tz)}


@router.get("/contacts/{contact_id}")
def contact_view(contact_id: int, request: Request, session: Session = Depends(get_session, scope="function"),
                 user: StaffUser = Depends(managers)) -> dict:
    from hotline.console.service import suggestions
    from hotline.contacts.service import transcript, utterance_event

    contact = session.get(Contact, contact_id)
    if contact is None:
        raise HTTPException(status_code=404, detail=f"联系记录不存在 (contact {contact_id} not found)")
    live = {c["id"]: c for c in service.live_contacts(session, _tz(request))}.get(contact_id)
    return {"contact": live or {"id": contact.id, "channel": contact.channel, "status": contact.status},
            "transcript": [{**utterance_event(u), "text": redact(u.text)} for u in transcript(session, contact_id)],
            "suggestions": suggestions(session, request.app.state.kb.kb, contact_id),
            "activity": service.activity(session, contact_id, _tz(request))}


@router.get("/contacts/{contact_id}/activity")
def activity(contact_id: int, request: Request, after: int = Query(0, ge=0),
             session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> list:
    return service.activity(session, contact_id, _tz(request), after_seq=after)


class WhisperBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=500)


@router.post("/contacts/{contact_id}/whisper")
def whisper(contact_id: int, body: WhisperBody, session: Session = Depends(get_session, scope="function"),
            user: StaffUser = Depends(managers)) -> dict:
    row = _call(session, lambda: service.whisper(session, user, contact_id, body.text))
    return {"id": row.id, "contact_id": contact_id}


@router.post("/contacts/{contact_id}/barge")
def barge(contact_id: int, session: Session = Depends(get_session, scope="function"),
          user: StaffUser = Depends(managers)) -> dict:
    row = _call(session, lambda: service.barge_chat(session, user, contact_id))
    return {"monitor_id": row.id, "mode": row.mode}


class CallJoin(StrictModel):
    model_config = ConfigDict(extra="forbid")
    mode: str = Field(pattern="^(coach|barge)$")


@router.post("/contacts/{contact_id}/call")
def join_call(contact_id: int, body: CallJoin, request: Request,
              session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> dict:
    settings = request.app.state.settings
    row = _call(session, lambda: flows.join_call(session, settings, user, contact_id, body.mode))
    return {"monitor_id": row.id, "mode": row.mode, "participant_call_sid": row.participant_sid}


class MessageBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    client_id: str | None = Field(default=None, max_length=64)


@router.post("/contacts/{contact_id}/messages")
def message(contact_id: int, body: MessageBody, session: Session = Depends(get_session, scope="function"),
            user: StaffUser = Depends(managers)) -> dict:
    _call(session, lambda: (None, service.supervisor_message(session, user, contact_id, body.text, body.client_id)))
    return {"sent": True}


@router.post("/monitors/{monitor_id}/end")
def end_monitor(monitor_id: int, request: Request, session: Session = Depends(get_session, scope="function"),
                user: StaffUser = Depends(managers)) -> dict:
    settings = request.app.state.settings
    _call(session, lambda: (None, flows.leave(session, settings, user, monitor_id)))
    return {"ended": True}


@router.get("/mine")
def mine(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(lawyers)) -> dict:
    return service.for_lawyer(session, user.id)


@router.get("/policy")
def get_policy(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(managers)) -> dict:
    return policy.all_settings(session)


class PolicyBody(StrictModel):
    model_config = ConfigDict(extra="forbid")
    value: StrictBool | StrictInt | StrictFloat


@router.put("/policy/{key}")
def set_policy(key: str, body: PolicyBody, session: Session = Depends(get_session, scope="function"),
               user: StaffUser = Depends(managers)) -> dict:
    try:
        value = policy.set_value(session, key, body.value, actor=Actor.of(user))
    except policy.PolicyError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {"key": key, "value": value}


# -- the monitor socket ------------------------------------------------------------------------------
FORWARDED = ("utterance", "partial", "suggestions", "status")


async def monitor_socket(ws: WebSocket, contact_id: int) -> None:
    from hotline.policy.access import log_denied

    user = await run_in_threadpool(websocket_user, ws)
    if user is None:
        await ws.close(code=4401, reason="login required")
        return
    if user.role not in (Role.manager, Role.admin):
        await run_in_threadpool(log_denied, ws, user, "supervision.monitor")
        await ws.close(code=4403, reason="managers only")
        return
    state = ws.app.state
    tz = ZoneInfo(state.settings.timezone)

    def begin() -> tuple[int, service.Events]:
        with session_scope(state.engine) as session:
            row, events = service.start_monitor(session, user, contact_id)
            return row.id, events

    try:
        monitor_id, events = await run_in_threadpool(begin)
    except (LookupError, service.SupervisionError) as exc:
        await ws.close(code=4404, reason=str(exc)[:100])
        return
    _publish(events)
    await ws.accept()
    lock = asyncio.Lock()

    async def send(frame: dict) -> None:
        async with lock:
            await ws.send_text(json.dumps(frame, ensure_ascii=False, default=str))

    async with bus.subscribe(f"contact:{contact_id}", f"staff:{user.id}") as sub:
        await send({"type": "monitoring", "monitor_id": monitor_id, "contact_id": contact_id})

        async def forward() -> None:
            async for event in sub:
                kind = event.get("type")
                if kind == "whisper" and event.get("contact_id") == contact_id:
                    await send(event)
                elif kind in FORWARDED and event.get("topic") == f"contact:{contact_id}":
                    if "text" in event and isinstance(event["text"], str):
                        event = {**event, "text": redact(event["text"])}
                    await send(event)

        async def actions() -> None:
            seq = 0
            while True:
                rows = await run_in_threadpool(_activity, state.engine, contact_id, tz, seq)
                if rows:
                    seq = rows[-1]["seq"]
                    await send({"type": "activity", "items": rows})
                await asyncio.sleep(1.0)

        tasks = [asyncio.create_task(forward()), asyncio.create_task(actions())]
        try:
            while True:
                await ws.receive_text()  # pings; the page talks to the REST API
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            for task in tasks:
                task.cancel()

            def finish() -> service.Events:
                with session_scope(state.engine) as session:
                    return flows.leave(session, state.settings, user, monitor_id)

            _publish(await run_in_threadpool(finish))


def _activity(engine: Any, contact_id: int, tz: ZoneInfo, after: int) -> list[dict]:
    with session_scope(engine) as session:
        return service.activity(session, contact_id, tz, after_seq=after)


@pages.get("/supervision", include_in_schema=False)
def wallboard_page(request: Request) -> Response:
    return staff_page(request, "wallboard.html", {"manager"}, title="督查墙")


@pages.get("/supervision/monitor/{contact_id}", include_in_schema=False)
def monitor_page(contact_id: int, request: Request) -> Response:
    return staff_page(request, "monitor.html", {"manager"}, {"contact_id": contact_id}, title="监听")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(pages)
    app.add_api_websocket_route("/ws/supervision/{contact_id}", monitor_socket)
