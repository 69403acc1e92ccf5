"""Twilio webhooks (TwiML), the media WebSocket and the recognizer status for the dashboard.

    POST /twilio/voice            incoming call: greeting + intake stream (or voice message)
    POST /twilio/voice/next       after the intake stream closed: Dial, voice message or wait on
    POST /twilio/voice/dial       the Dial to the lawyer ended: satisfaction question (or message)
    POST /twilio/voice/rating     the keypress 1-5
    POST /twilio/voice/recording  a voice message was recorded: callback task with its transcript
    POST /twilio/voice/status     call status callback (ringing, answered, completed, failed ...)
    WS   /ws/twilio/media         Media Streams
    GET  /api/voice/status        recognizer pool state (managers, lawyers)

Every webhook checks X-Twilio-Signature first (403, logged, nothing stored otherwise).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline.auth.models import Role, StaffUser
from hotline.auth.permissions import SessionDep
from hotline.contacts import flows
from hotline.contacts import service as contacts
from hotline.contacts.models import ContactStatus
from hotline.contacts.service import ContactError
from hotline.database import session_scope
from hotline.deps import require_roles
from hotline.events import bus
from hotline.queue import flows as queue_flows
from hotline.queue import service as queue
from hotline.roster.service import anyone_on_duty
from hotline.timeutil import utcnow
from hotline.voice import service as voice
from hotline.voice import twiml
from hotline.voice.media import LIVE, media_socket
from hotline.voice.recognition import Recognition
from hotline.voice.signature import verified_params

TwilioParams = Annotated[dict, Depends(verified_params)]  # checked X-Twilio-Signature first

log = logging.getLogger("hotline.voice")
router = APIRouter(tags=["voice"])
staff = require_roles(Role.manager, Role.lawyer)
MAX_ATTEMPTS = 3  # intake streams re-opened after unexpected drops before offering a voice message
VOICEMAIL_WAIT_S = 20.0


def xml(body: str) -> Response:
    return Response(content=body, media_type="application/xml")


def urls_for(request: Request) -> twiml.Urls:
    settings = request.app.state.settings
    return twiml.Urls(settings.public_url or str(request.base_url))


def _config(request: Request) -> queue.Config:
    return queue.Config.from_settings(request.app.state.settings)


def _contact(session: Session, params: dict[str, str]):  # noqa: ANN202
    try:
        return voice.contact_for_call(session, params.get("CallSid", ""))
    except LookupError:
        log.warning("Twilio webhook for an unknown call")
        return None


def _publish(events: queue.Events | None, state: Any) -> None:
    if events is None or not events.items:
        return
    queue_flows.publish(events)
    if events.changed:
        queue_flows.publish_state(state)


@router.post("/twilio/voice")
def incoming(request: Request, background: BackgroundTasks, params: TwilioParams,
             session: SessionDep) -> Response:
    settings = request.app.state.settings
    request.app.state.voice_recognition.warm_up()  # the model loads while the greeting plays
    try:
        fresh = contacts.contact_by_call_sid(session, params.get("CallSid", "")) is None
        contact = voice.incoming_call(session, call_sid=params.get("CallSid", ""), phone=params.get("From", ""),
                                      to=params.get("To", ""), occurred_at=voice.twilio_time(params.get("Timestamp")))
    except voice.VoiceError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if fresh:
        background.add_task(bus.publish, "contacts", {"type": "contact_opened", "contact_id": contact.id,
                                                      "channel": "call"})
    if anyone_on_duty(session, utcnow(), _config(request)):
        return xml(twiml.intake(settings, urls_for(request), contact.id))
    voice.record_event(session, call_sid=contact.external_id, event="next_step", contact=contact,
                       data={"step": "voicemail", "reason": "nobody_on_duty"})
    return xml(twiml.voicemail(settings, urls_for(request), contact.id, greet=True))


@router.post("/twilio/voice/next")
def next_step(request: Request, params: TwilioParams, session: SessionDep, attempt: int = 0) -> Response:
    settings = request.app.state.settings
    contact = _contact(session, params)
    if contact is None:
        return xml(twiml.say_and_hang_up(settings, twiml.ERROR))
    if contact.status == ContactStatus.ended:
        return xml(twiml.empty())
    step, lawyer = voice.next_step(session, contact, _config(request))
    if step == "wait" and attempt + 1 >= MAX_ATTEMPTS:
        step = "voicemail"
    voice.record_event(session, call_sid=contact.external_id, event="next_step", contact=contact,
                       data={"step": step, "attempt": attempt, "lawyer_id": lawyer.id if lawyer else None})
    urls = urls_for(request)
    if step == "dial":
        if settings.call_conference:  # a conference a manager can coach or barge into (docs/supervision.md)
            from hotline.supervision.flows import bridge_in_conference
            return xml(bridge_in_conference(session, settings, urls, contact, lawyer))
        return xml(twiml.dial(settings, urls, contact.id, lawyer, caller_id=params.get("To", "")))
    if step == "voicemail":
        return xml(twiml.voicemail(settings, urls, contact.id))
    return xml(twiml.intake(settings, urls, contact.id, attempt=attempt + 1, greet=False))


@router.post("/twilio/voice/dial")
def dial_ended(request: Request, params: TwilioParams, session: SessionDep) -> Response:
    settings = request.app.state.settings
    contact = _contact(session, params)
    if contact is None:
        return xml(twiml.say_and_hang_up(settings, twiml.ERROR))
    try:
        duration = float(params.get("DialCallDuration") or 0)
    except ValueError:
        duration = None
    talked = voice.dial_finished(session, contact, status=params.get("DialCallStatus", ""), duration_s=duration,
                                 data={"dial_call_sid": params.get("DialCallSid", "")})
    if talked:
        return xml(twiml.rating(settings, urls_for(request)))
    return xml(twiml.voicemail(settings, urls_for(request), contact.id, intro=twiml.LAWYER_UNAVAILABLE))


@router.post("/twilio/voice/rating")
def rating(request: Request, params: TwilioParams, session: SessionDep, attempt: int = 0) -> Response:
    settings = request.app.state.settings
    contact = _contact(session, params)
    if contact is None:
        return xml(twiml.say_and_hang_up(settings, twiml.ERROR))
    digits = params.get("Digits", "")
    try:
        score = voice.rate_call(session, contact, digits)
    except ContactError as exc:
        if "已评价" in str(exc):
            return xml(twiml.say_and_hang_up(settings, twiml.RATING_THANKS))
        voice.record_event(session, call_sid=contact.external_id, event="rating_invalid", contact=contact,
                           data={"digits": digits[:8], "attempt": attempt})
        if attempt < 1:
            return xml(twiml.rating(settings, urls_for(request), attempt=attempt + 1, prefix=twiml.RATING_INVALID))
        return xml(twiml.say_and_hang_up(settings, twiml.GOODBYE))
    log.info("call rated %s", score)
    return xml(twiml.say_and_hang_up(settings, twiml.RATING_THANKS))


@router.post("/twilio/voice/recording")
async def recording(request: Request, params: TwilioParams) -> Response:
    """The voice message ended. Its words were transcribed live from the forked stream; wait until
    the last of them is stored (this endpoint waits, so it uses its own session afterwards)."""
    settings, state = request.app.state.settings, request.app.state
    call_sid = params.get("CallSid", "")
    stream = LIVE.get(call_sid)
    since = None
    if stream is not None:
        since = stream.started_wall
        if not await stream.finish_and_wait(VOICEMAIL_WAIT_S):
            log.error("voice message transcript not complete after %.0f s", VOICEMAIL_WAIT_S)
    try:
        duration = float(params.get("RecordingDuration") or 0)
    except ValueError:
        duration = None

    def work() -> queue.Events | None:
        with session_scope(state.engine) as session:
            contact = _contact(session, params)
            if contact is None:
                return None
            started = None
            if since is None:
                prior = [e for e in voice.events(session, call_sid, "stream_started") if e.phase == "voicemail"]
                started = prior[-1].occurred_at if prior else None
            return voice.voicemail_left(session, contact, recording_url=params.get("RecordingUrl", ""),
                                        recording_sid=params.get("RecordingSid", ""), duration_s=duration,
                                        since=since or started)

    events = await run_in_threadpool(work)
    if events is None:
        return xml(twiml.say_and_hang_up(settings, twiml.ERROR))
    await run_in_threadpool(_publish, events, state)
    return xml(twiml.say_and_hang_up(settings, twiml.VOICEMAIL_THANKS))


@router.post("/twilio/voice/status")
def status_callback(request: Request, background: BackgroundTasks, params: TwilioParams,
                    session: SessionDep) -> Response:
    contact = _contact(session, params)
    if contact is None:
        raise HTTPException(status_code=404, detail="未知的通话 (unknown CallSid)")
    data = {k: params[k] for k in ("CallDuration", "SequenceNumber", "CallbackSource", "SipResponseCode")
            if params.get(k)}
    try:
        ended = voice.call_status(session, contact, params.get("CallStatus", ""),
                                  occurred_at=voice.twilio_time(params.get("Timestamp")), data=data)
    except voice.VoiceError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if ended:
        background.add_task(flows.contact_ended, request.app.state, contact.id)
    return xml(twiml.empty())


@router.get("/api/voice/status")
def recognizer_status(request: Request, user: StaffUser = Depends(staff)) -> dict:
    """The recognizer pool: engine, workers, busy workers, active and queued streams, capacity and
    the seconds of audio waiting (the same dict is published on bus topic `asr`)."""
    return request.app.state.voice_recognition.status()


async def _close_recognition(state: Any) -> None:
    await asyncio.get_running_loop().run_in_executor(None, state.voice_recognition.close)


def install(app: FastAPI) -> None:
    app.state.voice_recognition = Recognition(app.state.settings)
    app.include_router(router)
    app.add_api_websocket_route("/ws/twilio/media", media_socket)
    app.state.shutdown_hooks.append(_close_recognition)
