"""The queue's API for lawyers (/api/routing): presence, offers, wrap-up, transfer, the state
feed and the callback list. Thin: each route runs a queue step through `hotline.queue.flows`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from hotline.auth.permissions import Lawyer, SessionDep, Staff, supervises
from hotline.contacts import flows as contact_flows
from hotline.contacts import service as contacts
from hotline.privacy import redact
from hotline.queue import flows, service
from hotline.roster.service import RosterError
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/routing", tags=["routing"])


async def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a flow off the event loop; the queue's refusals become 409, unknown ids 404."""
    try:
        return await run_in_threadpool(fn, *args)
    except RosterError as exc:  # RoutingError is one
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


async def step(request: Request, fn: flows.Step) -> Any:
    """One queue step in its own transaction (`flows.run`)."""
    return await call(flows.run, request.app.state, fn)


def _config(request: Request) -> service.Config:
    return service.Config.from_settings(request.app.state.settings)


class PresenceIn(StrictModel):
    state: str


@router.post("/presence")
async def presence(body: PresenceIn, request: Request, user: Lawyer) -> dict:
    await step(request, lambda s, c: service.set_presence(s, user.id, body.state))
    await step(request, lambda s, c: service.dispatch(s, config=c))
    return {"state": body.state}


@router.post("/offers/{offer_id}/accept")
async def accept(offer_id: int, request: Request, user: Lawyer) -> dict:
    await call(contact_flows.contact_answered, request.app.state, offer_id, user.id)
    return {"accepted": offer_id}


@router.post("/offers/{offer_id}/reject")
async def reject(offer_id: int, request: Request, user: Lawyer) -> dict:
    await step(request, lambda s, c: service.reject(s, offer_id, user.id, config=c))
    await step(request, lambda s, c: service.dispatch(s, config=c))
    return {"rejected": offer_id}


class WrapupIn(StrictModel):
    disposition: str = Field(min_length=1, max_length=60)


@router.post("/wrapup")
async def wrapup(body: WrapupIn, request: Request, user: Lawyer) -> dict:
    events = await step(request, lambda s, c: service.finish_wrapup(s, user.id, body.disposition, config=c))
    await step(request, lambda s, c: service.dispatch(s, config=c))
    # "wrapup" while other ended contacts still need their disposition
    return {"state": next((p["state"] for _, p in events.items if p.get("type") == "presence"), "available")}


class TransferIn(StrictModel):
    to_user_id: int
    reason: str = Field(min_length=1, max_length=200)


@router.post("/contacts/{contact_id}/transfer")
async def transfer(contact_id: int, body: TransferIn, request: Request, user: Staff) -> dict:
    manager = supervises(user)
    await step(request, lambda s, c: service.transfer(s, contact_id, user.id, body.to_user_id, body.reason,
                                                                manager=manager, config=c))
    return {"transferred": contact_id, "to": body.to_user_id}


@router.get("/state")
def routing_state(request: Request, session: SessionDep, user: Staff) -> dict:
    return service.snapshot(session, config=_config(request))


@router.get("/callbacks")
def callbacks(session: SessionDep, user: Staff) -> list[dict]:
    """The callback list (open and claimed, oldest first); the citizen's words are redacted: the
    list goes to every lawyer, the full text stays in the case record."""
    return [{**cb.model_dump(mode="json"), **_note_and_recording(cb.note), "channel": ct.channel,
             "case_id": ct.case_id, "phone": _phone_for(cb, user),
             "transcript": [redact(u.text) for u in contacts.transcript(session, ct.id)
                            if u.speaker == "citizen"][-5:]}
            for cb, ct in service.pending_callbacks(session)]


def _phone_for(cb: Any, user: Any) -> str:
    """The number the citizen left: in full to the lawyer who claimed the call back (and
    supervisors), masked for everyone else on the list."""
    if not cb.phone:
        return ""
    return cb.phone if cb.assigned_to == user.id or supervises(user) else service.masked(cb.phone)


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
async def claim_callback(callback_id: int, request: Request, user: Lawyer) -> dict:
    await step(request, lambda s, c: service.claim_callback(s, callback_id, user.id, config=c))
    return {"claimed": callback_id, "assigned_to": user.id}


class CallbackDoneIn(StrictModel):
    outcome: str = Field(min_length=1, max_length=200)


@router.post("/callbacks/{callback_id}/done")
async def callback_done(callback_id: int, body: CallbackDoneIn, request: Request, user: Lawyer) -> dict:
    await step(request, lambda s, c: service.finish_callback(s, callback_id, user.id, body.outcome))
    return {"done": callback_id}


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.state.startup_hooks.append(flows.start_ticker)
    app.state.shutdown_hooks.append(flows.stop_ticker)
