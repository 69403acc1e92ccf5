"""Routing API, the staff WebSocket, the intake/contact-end hooks and the timer task."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline import periodic
from hotline.auth.models import Role, StaffUser
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.database import session_scope
from hotline.deps import actor_of, get_session, require_roles, websocket_user
from hotline.directory.service import list_categories
from hotline.events import bus
from hotline.privacy import redact
from hotline.timeutil import utcnow
from routing import service
from routing.categorize import categorise
from routing.models import Callback, Holiday, LawyerProfile, RosterException, Shift
from routing.roster import parse_time, validate_days

log = logging.getLogger("hotline.routing")
router = APIRouter(prefix="/api/routing", tags=["routing"])
lawyer_only = require_roles(Role.lawyer)
manager_only = require_roles(Role.manager)
staff = require_roles(Role.lawyer, Role.manager)
TICK_S = 0.5


def publish(events: service.Events) -> None:
    for topic, payload in events.items:
        bus.publish(topic, payload)


def run(state: Any, fn: Any) -> Any:
    """Run `fn(session, config)` in one transaction; publish its events after the commit."""
    config = service.Config.from_settings(state.settings)
    with session_scope(state.engine) as session:
        result = fn(session, config)
    if isinstance(result, service.Events):
        publish(result)
        if result.changed:
            publish_state(state)
    return result


def publish_state(state: Any) -> None:
    config = service.Config.from_settings(state.settings)
    with session_scope(state.engine) as session:
        snapshot = service.state(session, config=config)
    bus.publish("queues", {"type": "state", **snapshot})


async def call(state: Any, fn: Any) -> Any:
    try:
        return await run_in_threadpool(run, state, fn)
    except service.RoutingError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


# -- lawyers --------------------------------------------------------------------------------------
class PresenceIn(BaseModel):
    state: str


@router.post("/presence")
async def presence(body: PresenceIn, request: Request, user: StaffUser = Depends(lawyer_only)) -> dict:
    await call(request.app.state, lambda s, c: service.set_presence(s, user.id, body.state))
    await call(request.app.state, lambda s, c: service.dispatch(s, config=c))
    return {"state": body.state}


@router.post("/offers/{offer_id}/accept")
async def accept(offer_id: int, request: Request, user: StaffUser = Depends(lawyer_only)) -> dict:
    await call(request.app.state, lambda s, c: service.accept(s, offer_id, user.id, config=c))
    return {"accepted": offer_id}


@router.post("/offers/{offer_id}/reject")
async def reject(offer_id: int, request: Request, user: StaffUser = Depends(lawyer_only)) -> dict:
    await call(request.app.state, lambda s, c: service.reject(s, offer_id, user.id, config=c))
    await call(request.app.state, lambda s, c: service.dispatch(s, config=c))
    return {"rejected": offer_id}


class WrapupIn(BaseModel):
    disposition: str = Field(min_length=1, max_length=60)


@router.post("/wrapup")
async def wrapup(body: WrapupIn, request: Request, user: StaffUser = Depends(lawyer_only)) -> dict:
    events = await call(request.app.state, lambda s, c: service.finish_wrapup(s, user.id, body.disposition, config=c))
    await call(request.app.state, lambda s, c: service.dispatch(s, config=c))
    # "wrapup" while other ended contacts still need their disposition
    return {"state": next((p["state"] for _, p in events.items if p.get("type") == "presence"), "available")}


class TransferIn(BaseModel):
    to_user_id: int
    reason: str = Field(min_length=1, max_length=200)


@router.post("/contacts/{contact_id}/transfer")
async def transfer(contact_id: int, body: TransferIn, request: Request, user: StaffUser = Depends(staff)) -> dict:
    manager = user.role in (Role.manager, Role.admin)
    await call(request.app.state, lambda s, c: service.transfer(s, contact_id, user.id, body.to_user_id, body.reason,
                                                                manager=manager, config=c))
    return {"transferred": contact_id, "to": body.to_user_id}


@router.get("/state")
def routing_state(request: Request, session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> dict:
    return service.state(session, config=service.Config.from_settings(request.app.state.settings))


@router.get("/duty")
def duty(request: Request, session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> dict:
    return service.duty_summary(session, utcnow(), service.Config.from_settings(request.app.state.settings))


@router.get("/callbacks")
def callbacks(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> list[dict]:
    """The callback list (open and claimed, oldest first); the citizen's words are redacted: the
    list goes to every lawyer, the full text stays in the case record."""
    rows = session.execute(select(Callback, Contact).join(Contact, Contact.id == Callback.contact_id)
                           .where(Callback.status.in_(service.CALLBACK_PENDING))
                           .order_by(Callback.created_at, Callback.id)).all()
    return [{**cb.model_dump(mode="json"), **_note_and_recording(cb.note), "channel": ct.channel,
             "case_id": ct.case_id,
             "transcript": [redact(u.text) for u in contacts.transcript(session, ct.id)
                            if u.speaker == "citizen"][-5:]}
            for cb, ct in rows]


def _note_and_recording(note: str) -> dict[str, str | None]:
    """The note redacted, and the voice message's recording URL apart: the URL is no personal data,
    but its random ids can look like phone numbers to the redaction patterns."""
    lines, recording = [], None
    for line in (note or "").splitlines():
        if line.startswith(service.RECORDING_PREFIX) and recording is None:
            recording = line[len(service.RECORDING_PREFIX):].strip() or None
        else:
            lines.append(line)
    return {"note": redact("\n".join(lines)), "recording_url": recording}


@router.post("/callbacks/{callback_id}/claim")
async def claim_callback(callback_id: int, request: Request, user: StaffUser = Depends(lawyer_only)) -> dict:
    await call(request.app.state, lambda s, c: service.claim_callback(s, callback_id, user.id, config=c))
    return {"claimed": callback_id, "assigned_to": user.id}


class CallbackDoneIn(BaseModel):
    outcome: str = Field(min_length=1, max_length=200)


@router.post("/callbacks/{callback_id}/done")
async def callback_done(callback_id: int, body: CallbackDoneIn, request: Request,
                        user: StaffUser = Depends(lawyer_only)) -> dict:
    await call(request.app.state, lambda s, c: service.finish_callback(s, callback_id, user.id, body.outcome))
    return {"done": callback_id}


# -- managers: lawyers, shifts, exceptions, holidays -----------------------------------------------
class LawyerIn(BaseModel):
    skills: list[str] | None = None
    languages: list[str] | None = None
    chat_capacity: int | None = Field(default=None, ge=1, le=20)
    call_capacity: int | None = Field(default=None, ge=0, le=1)


@router.get("/lawyers")
def lawyers(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> list[dict]:
    out = []
    for u in session.execute(select(StaffUser).where(StaffUser.role == "lawyer", StaffUser.active.is_(True))).scalars():
        p = session.get(LawyerProfile, u.id)
        out.append({"user_id": u.id, "username": u.username, "name": u.display_name,
                    **(p.model_dump(mode="json", exclude={"user_id"}) if p else {})})
    return out


@router.put("/lawyers/{user_id}")
def update_lawyer(user_id: int, body: LawyerIn, session: Session = Depends(get_session, scope="function"),
                  user: StaffUser = Depends(manager_only)) -> dict:
    from hotline.audit import service as audit

    try:
        row = service.profile(session, user_id)
    except service.RoutingError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    changes = body.model_dump(exclude_none=True)
    if "skills" in changes:
        known = {c.code for c in list_categories(session, active_only=False)}
        unknown = [s for s in changes["skills"] if s not in known]
        if unknown:
            raise HTTPException(status_code=422, detail=f"未知的业务类别: {', '.join(unknown)}")
    before = {k: getattr(row, k) for k in changes}
    for key, value in changes.items():
        setattr(row, key, value)
    session.add(row)
    audit.record(session, action="roster.lawyer_updated", actor=actor_of(user), entity="lawyer", entity_id=user_id,
                 before=before, after=changes)
    return row.model_dump(mode="json")


class ShiftIn(BaseModel):
    user_id: int
    days: str = "workdays"
    start: str
    end: str
    kind: str = "duty"
    valid_from: str | None = None
    valid_to: str | None = None
    note: str = ""


def shift_from(body: ShiftIn) -> Shift:
    from datetime import date

    try:
        validate_days(body.days)
        parse_time(body.start), parse_time(body.end)
        if body.kind not in ("duty", "appointment"):
            raise ValueError("kind must be duty or appointment")
        return Shift(user_id=body.user_id, days=body.days, start=body.start, end=body.end, kind=body.kind,
                     valid_from=date.fromisoformat(body.valid_from) if body.valid_from else None,
                     valid_to=date.fromisoformat(body.valid_to) if body.valid_to else None, note=body.note)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"排班格式错误: {exc}") from exc


@router.get("/shifts")
def list_shifts(session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> list[dict]:
    return [s.model_dump(mode="json") for s in session.execute(select(Shift).order_by(Shift.user_id, Shift.id)).scalars()]


@router.post("/shifts")
def add_shift(body: ShiftIn, session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(manager_only)) -> dict:
    from hotline.audit import service as audit

    try:
        service.profile(session, body.user_id)
    except service.RoutingError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    shift = shift_from(body)
    session.add(shift)
    session.flush()
    audit.record(session, action="roster.shift_added", actor=actor_of(user), entity="shift", entity_id=shift.id,
                 after=shift.model_dump(mode="json"))
    return shift.model_dump(mode="json")


@router.delete("/shifts/{shift_id}")
def delete_shift(shift_id: int, session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(manager_only)) -> dict:
    from hotline.audit import service as audit

    shift = session.get(Shift, shift_id)
    if shift is None:
        raise HTTPException(status_code=404, detail="排班不存在")
    audit.record(session, action="roster.shift_removed", actor=actor_of(user), entity="shift", entity_id=shift_id,
                 before=shift.model_dump(mode="json"))
    session.delete(shift)
    return {"deleted": shift_id}


class ExceptionIn(BaseModel):
    user_id: int
    day: str
    kind: str
    start: str | None = None
    end: str | None = None
    note: str = ""


@router.post("/exceptions")
def add_exception(body: ExceptionIn, session: Session = Depends(get_session, scope="function"),
                  user: StaffUser = Depends(manager_only)) -> dict:
    from datetime import date

    from hotline.audit import service as audit

    try:
        if body.kind not in ("off", "extra"):
            raise ValueError("kind must be off or extra")
        if body.kind == "extra" and not (body.start and body.end):
            raise ValueError("an extra window needs start and end")
        for t in (body.start, body.end):
            if t:
                parse_time(t)
        row = RosterException(user_id=body.user_id, day=date.fromisoformat(body.day), kind=body.kind,
                              start=body.start, end=body.end, note=body.note)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"格式错误: {exc}") from exc
    session.add(row)
    session.flush()
    audit.record(session, action="roster.exception_added", actor=actor_of(user), entity="roster_exception",
                 entity_id=row.id, after=row.model_dump(mode="json"))
    return row.model_dump(mode="json")


class HolidayIn(BaseModel):
    day: str
    name: str
    is_workday: bool = False


@router.post("/holidays")
def add_holiday(body: HolidayIn, session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(manager_only)) -> dict:
    from datetime import date

    from hotline.audit import service as audit

    try:
        row = Holiday(day=date.fromisoformat(body.day), name=body.name, is_workday=body.is_workday)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    session.merge(row)
    audit.record(session, action="roster.holiday_set", actor=actor_of(user), entity="holiday", entity_id=body.day,
                 after=body.model_dump())
    return body.model_dump()


# -- the staff WebSocket --------------------------------------------------------------------------
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
        if user.role in (Role.manager, Role.admin):
            return True
        with session_scope(state.engine) as session:
            contact = session.get(Contact, contact_id)
            return contact is not None and contact.lawyer_id == user.id

    async with bus.subscribe(f"staff:{user.id}", "queues") as sub:
        async def forward() -> None:
            async for event in sub:
                await send(event)

        snapshot, offers = await run_in_threadpool(lambda: run(state, lambda s, c: (
            service.state(s, config=c), service.pending_offers(s, user.id, config=c))))
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


# -- hooks ----------------------------------------------------------------------------------------
async def on_citizen_utterance(state: Any, contact_id: int, utterance_id: int, suggestions: dict | None) -> None:
    def work(session: Session, config: service.Config) -> service.Events:
        contact = contacts.get_contact(session, contact_id)
        texts = contacts.citizen_texts(session, contact_id, limit=3)
        category = categorise(suggestions, texts, list_categories(session))
        if contact.status == "open":
            events = service.enqueue(session, contact_id, category, config=config)
            events.items += service.dispatch(session, config=config).items
            return events
        if contact.status == "queued" and category != "other":
            service.recategorise(session, contact_id, category)
        return service.Events()

    await run_in_threadpool(run, state, work)


async def on_contact_end(state: Any, contact_id: int) -> None:
    def work(session: Session, config: service.Config) -> service.Events:
        events = service.contact_ended(session, contact_id, config=config)
        events.items += service.dispatch(session, config=config).items
        return events

    await run_in_threadpool(run, state, work)


async def start_ticker(state: Any) -> None:
    last_state = 0.0

    async def tick() -> None:
        nonlocal last_state
        events = await run_in_threadpool(run, state, lambda s, c: service.tick(s, config=c))
        now = asyncio.get_running_loop().time()
        if not events.changed and now - last_state >= 1.0:
            await run_in_threadpool(publish_state, state)  # the queue wall's clock: once a second
            last_state = now

    state.routing_task = periodic.every(TICK_S, tick, "routing tick")


async def stop_ticker(state: Any) -> None:
    periodic.cancel(getattr(state, "routing_task", None))


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.add_api_websocket_route("/ws/staff", staff_socket)
    app.state.intake_hooks.append(on_citizen_utterance)
    app.state.contact_end_hooks.append(on_contact_end)
    app.state.startup_hooks.append(start_ticker)
    app.state.shutdown_hooks.append(stop_ticker)
