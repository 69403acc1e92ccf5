"""The Twilio Media Streams WebSocket (`/ws/twilio/media`): an adapter between Twilio's JSON
messages and `asr.session.MediaSession`, and the same path as chat for what is recognised.

Twilio → us: connected, start (call, tracks, media format, custom parameters), media (base64
μ-law 8 kHz, ~20 ms, numbered by `chunk` per track), mark, dtmf, stop.
Per final utterance: stored (committed) → `utterance` event on `contact:<id>` → citizen_said
(suggestions, routing category and queue), exactly as a chat message. Partial results are
`partial` events only. A stream that drops keeps everything final so far, and the utterance
being spoken is decoded from the audio received.

In the intake phase (`<Connect><Stream>`) the server ends the stream itself when the call has
somewhere to go: a lawyer accepted it (status `active` on `contact:<id>`), nobody is on duty
any more, or the caller pressed 0 for a voice message. Twilio then follows the `<Redirect>`.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from asr.recognizer import Result
from asr.session import MediaError, MediaSession
from asr.settings import EngineConfigError
from hotline.contacts import flows
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.events import bus
from hotline.privacy import redact
from hotline.timeutil import utcnow
from hotline.voice import handoff
from hotline.voice import service as voice
from hotline.voice.signature import check, signed_url

log = logging.getLogger("hotline.voice.media")

MAX_MESSAGE_BYTES = 64 * 1024  # a 20 ms media message is ~250 bytes; `start` well under 4 kB
SUPPORTED_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
SPEAKERS = {"inbound": "citizen", "outbound": "lawyer"}
RESULTS_DRAIN_S = 60.0  # after the stream ends: wait this long at most for the last finals
LIVE: dict[str, "TwilioMediaStream"] = {}  # call SID → its running stream in this process (voice messages)


class StreamRejected(Exception):
    """Bad input from the socket: the stream is closed with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class TwilioMediaStream:
    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.state = ws.app.state
        self.settings = ws.app.state.settings
        self.loop = asyncio.get_running_loop()
        self.results: asyncio.Queue[tuple[str, Result] | None] = asyncio.Queue()
        self.sessions: dict[str, MediaSession] = {}
        self.open_sessions = 0
        self.stream_sid = ""
        self.call_sid = ""
        self.contact_id: int | None = None
        self.phase = "intake"
        self.started_wall = utcnow()
        self.started = False
        self.ended = False
        self.handoff_reason = ""
        self.stored = 0
        self.tasks: set[asyncio.Task] = set()
        self.finished = asyncio.Event()
        self.drained = asyncio.Event()  # every final of the finished sessions is stored

    # -- connection ---------------------------------------------------------------------------------
    async def authorised(self) -> bool:
        url = signed_url(self.ws.url, self.settings.public_url, websocket=True)
        reason = check(self.settings, url, {}, self.ws.headers.get("X-Twilio-Signature", ""), "/ws/twilio/media")
        if reason:
            await self.ws.close(code=1008, reason="forbidden")
            return False
        return True

    async def run(self) -> None:
        if not await self.authorised():
            return
        await self.ws.accept()
        consumer = asyncio.create_task(self.consume())
        watcher: asyncio.Task | None = None
        error: StreamRejected | None = None
        try:
            while True:
                try:
                    message = await self.ws.receive()
                except (RuntimeError, WebSocketDisconnect):
                    break
                if message["type"] == "websocket.disconnect":
                    break
                event = self.decode(message)
                kind = event.get("event")
                if kind == "connected":
                    continue
                if kind == "start":
                    await self.on_start(event)
                    if self.phase == "intake" and watcher is None:
                        watcher = asyncio.create_task(handoff.watch(self))
                elif kind == "media":
                    self.on_media(event)
                elif kind == "stop":
                    await self.record("stream_stop_received", {"reason": "stop"})
                    break
                elif kind == "mark":
                    await self.record("mark", {"name": str((event.get("mark") or {}).get("name", ""))[:64]})
                elif kind == "dtmf":
                    await self.on_dtmf(event)
                else:
                    raise StreamRejected(1003, f"unknown event {str(kind)[:32]!r}")
        except StreamRejected as exc:
            error = exc
            log.error("media stream %s (call %s) closed on bad input: %s", self.stream_sid or "-",
                      redact(self.call_sid) or "-", exc.reason)
            await self.record("stream_error", {"reason": exc.reason, "code": exc.code})
            try:
                await self.ws.close(code=exc.code, reason=exc.reason[:120])
            except RuntimeError:
                pass
        finally:
            if watcher is not None:
                watcher.cancel()
            self.finish_sessions()
            try:
                await asyncio.wait_for(consumer, RESULTS_DRAIN_S)
            except asyncio.TimeoutError:
                log.error("media stream %s: recognition did not finish within %.0f s", self.stream_sid, RESULTS_DRAIN_S)
                consumer.cancel()
            if self.tasks:
                await asyncio.gather(*self.tasks, return_exceptions=True)
            if self.started:
                await self.record("stream_stopped", {
                    "reason": error.reason if error else (self.handoff_reason or "ended"),
                    "utterances": self.stored, "tracks": {t: s.stats() for t, s in self.sessions.items()}})
            if LIVE.get(self.call_sid) is self:
                LIVE.pop(self.call_sid, None)
            self.finished.set()

    def decode(self, message: dict[str, Any]) -> dict[str, Any]:
        raw = message.get("text")
        if raw is None:
            data = message.get("bytes") or b""
            raise StreamRejected(1003, f"binary frame of {len(data)} bytes (Twilio sends JSON text)")
        if len(raw) > MAX_MESSAGE_BYTES:
            raise StreamRejected(1009, f"message of {len(raw)} bytes (limit {MAX_MESSAGE_BYTES})")
        try:
            event = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise StreamRejected(1007, f"invalid JSON: {exc.msg}") from exc
        if not isinstance(event, dict):
            raise StreamRejected(1007, "a message is a JSON object")
        return event

    # -- events ---------------------------------------------------------------------------------------
    async def on_start(self, event: dict[str, Any]) -> None:
        if self.started:
            raise StreamRejected(1007, "second start message")
        start = event.get("start")
        if not isinstance(start, dict):
            raise StreamRejected(1007, "start without its metadata")
        self.call_sid = str(start.get("callSid") or "")[:64]
        self.stream_sid = str(start.get("streamSid") or event.get("streamSid") or "")[:64]
        fmt = start.get("mediaFormat") or {}
        if not isinstance(fmt, dict) or any(fmt.get(k) != v for k, v in SUPPORTED_FORMAT.items()):
            raise StreamRejected(1003, f"unsupported media format {json.dumps(fmt, ensure_ascii=False)[:120]} "
                                       f"(expected μ-law 8000 Hz mono)")
        params = start.get("customParameters") or {}
        self.phase = str(params.get("phase") or "intake")[:16] if isinstance(params, dict) else "intake"
        if not self.call_sid:
            raise StreamRejected(1007, "start without callSid")

        def work() -> int:
            with session_scope(self.state.engine) as session:
                contact = voice.contact_for_call(session, self.call_sid)
                voice.record_event(session, call_sid=self.call_sid, event="stream_started", contact=contact,
                                   phase=self.phase, data={"stream_sid": self.stream_sid,
                                                           "tracks": start.get("tracks"), "format": fmt})
                return contact.id

        try:
            self.contact_id = await run_in_threadpool(work)
        except LookupError as exc:
            raise StreamRejected(1008, str(exc)) from exc
        self.started_wall = utcnow()
        self.started = True
        if self.phase == "voicemail":
            LIVE[self.call_sid] = self
        try:
            self.state.voice_recognition.pool()
        except EngineConfigError as exc:
            raise StreamRejected(1011, f"speech recognition unavailable: {exc}") from exc

    def session_for(self, track: str) -> MediaSession:
        session = self.sessions.get(track)
        if session is None:
            if track not in SPEAKERS:
                raise StreamRejected(1007, f"unknown track {track[:16]!r}")
            pool = self.state.voice_recognition.pool()
            session = MediaSession(pool, encoding="mulaw", rate=8000, first_index=1,  # Twilio's chunk counts from 1
                                   on_result=lambda r, t=track: self.loop.call_soon_threadsafe(self.results.put_nowait, (t, r)),
                                   on_error=lambda m, t=track: log.error("recognition of %s/%s: %s", self.stream_sid, t, m),
                                   on_closed=lambda: self.loop.call_soon_threadsafe(self._session_closed))
            self.sessions[track] = session
            self.open_sessions += 1
        return session

    def _session_closed(self) -> None:
        self.open_sessions -= 1
        if self.open_sessions <= 0 and self.ended:
            self.results.put_nowait(None)

    def on_media(self, event: dict[str, Any]) -> None:
        if not self.started:
            raise StreamRejected(1007, "media before start")
        if self.ended:
            return
        media = event.get("media")
        if not isinstance(media, dict):
            raise StreamRejected(1007, "media without its payload")
        payload = media.get("payload")
        if not isinstance(payload, str):
            raise StreamRejected(1007, "media payload is not a base64 string")
        try:
            data = base64.b64decode(payload, validate=True)
            chunk = int(media.get("chunk") or event.get("sequenceNumber"))
        except (binascii.Error, ValueError) as exc:
            raise StreamRejected(1007, f"undecodable media: {exc}") from exc
        except TypeError as exc:
            raise StreamRejected(1007, "media without chunk or sequenceNumber") from exc
        track = str(media.get("track") or "inbound")
        try:
            self.session_for(track).push(chunk, data)
        except MediaError as exc:
            raise StreamRejected(1009, str(exc)) from exc

    async def on_dtmf(self, event: dict[str, Any]) -> None:
        digit = str((event.get("dtmf") or {}).get("digit", ""))[:2]
        await self.record("dtmf", {"digit": digit})
        if self.phase == "intake" and digit == voice.VOICEMAIL_DIGIT:
            await self.hand_off("voicemail_requested")

    def finish_sessions(self) -> None:
        if self.ended:
            return
        self.ended = True
        for session in self.sessions.values():
            session.finish()
        if self.open_sessions <= 0:
            self.results.put_nowait(None)

    async def finish_and_wait(self, timeout: float) -> bool:
        """For the voice-message webhook: decode what has been said and wait until it is stored."""
        self.finish_sessions()
        try:
            await asyncio.wait_for(asyncio.shield(self.drained.wait()), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    # -- results: the same path as chat -------------------------------------------------------------
    def wall(self, t: float) -> datetime:
        return self.started_wall + timedelta(seconds=max(t, 0.0))

    async def consume(self) -> None:
        while True:
            item = await self.results.get()
            if item is None:
                self.drained.set()
                return
            track, result = item
            try:
                if result.is_final:
                    await self.store(track, result)
                elif result.text:
                    bus.publish(f"contact:{self.contact_id}", {
                        "type": "partial", "contact_id": self.contact_id, "speaker": SPEAKERS[track],
                        "text": result.text, "segment_id": f"{self.stream_sid}:{track}:{result.segment_id}"})
            except Exception:
                log.exception("storing a recognised utterance failed (stream %s)", self.stream_sid)

    async def store(self, track: str, result: Result) -> None:
        text = result.text.strip()
        speaker = SPEAKERS[track]
        if not text:  # nothing recognised after all: take the segment's partial off the console
            bus.publish(f"contact:{self.contact_id}", {
                "type": "partial", "contact_id": self.contact_id, "speaker": speaker, "text": "",
                "segment_id": f"{self.stream_sid}:{track}:{result.segment_id}"})
            return
        started = result.words[0].start if result.words else result.start
        ended = result.words[-1].end if result.words else result.end
        contact_id = self.contact_id

        def work() -> tuple[dict[str, Any], bool]:
            with session_scope(self.state.engine) as session:
                utt, created = voice.store_final(session, contact_id, speaker=speaker, text=text,
                                                 client_id=f"{self.stream_sid}:{track}:{result.segment_id}"[:64],
                                                 started_at=self.wall(started), ended_at=self.wall(ended),
                                                 confidence=result.confidence, raw_text=result.raw_text)
                return contacts.utterance_event(utt), created

        event, created = await run_in_threadpool(work)
        if not created:
            return
        self.stored += 1
        bus.publish(f"contact:{contact_id}", event)
        if speaker == "citizen":
            task = flows.start(self.state, contact_id, event["id"])
            self.tasks.add(task)  # the stream waits for its own before it reports being finished
            task.add_done_callback(self.tasks.discard)

    async def record(self, event: str, data: dict[str, Any]) -> None:
        if not self.call_sid:
            return

        def work() -> None:
            with session_scope(self.state.engine) as session:
                contact = contacts.contact_by_call_sid(session, self.call_sid)
                voice.record_event(session, call_sid=self.call_sid, event=event, contact=contact, phase=self.phase,
                                   data={"stream_sid": self.stream_sid, **data})

        try:
            await run_in_threadpool(work)
        except Exception:
            log.exception("recording call event %s failed", event)

    # -- intake: when to let the call go on ---------------------------------------------------------
    async def hand_off(self, reason: str) -> None:
        """Close the stream from our side; Twilio then follows the <Redirect> to the next step."""
        if self.handoff_reason:
            return
        self.handoff_reason = reason
        await self.record("handoff", {"reason": reason})
        self.finish_sessions()
        try:
            await self.ws.close(code=1000, reason=reason)
        except RuntimeError:
            pass


async def media_socket(ws: WebSocket) -> None:
    await TwilioMediaStream(ws).run()
