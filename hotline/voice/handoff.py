"""When a call leaves the intake phase: the watcher of a call's intake stream."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool

from hotline.contacts import service as contacts
from hotline.contacts.models import ContactStatus
from hotline.database import session_scope
from hotline.events import bus
from hotline.privacy import redact
from hotline.queue import flows as queue_flows
from hotline.queue import service as queue
from hotline.roster.service import anyone_on_duty
from hotline.timeutil import utcnow

log = logging.getLogger("hotline.voice.media")
WATCH_EVERY_S = 1.0
SILENT_CALLER_S = 20.0  # intake: no words recognised this long → queue the call uncategorised


async def watch(stream: Any) -> None:
    """The intake phase of a call (`<Connect><Stream>`): hand the call off (close the stream; Twilio
    follows the <Redirect>) as soon as it has somewhere to go: a lawyer accepted it, nobody is on
    duty any more. A caller who said nothing recognisable for SILENT_CALLER_S is queued
    uncategorised. `stream` is the call's `hotline.voice.media.TwilioMediaStream`."""
    config = queue.Config.from_settings(stream.settings)
    contact_id = stream.contact_id
    queued_silent = False

    def check_state() -> tuple[str, bool]:
        with session_scope(stream.state.engine) as session:
            contact = contacts.get_contact(session, contact_id)
            if contact.status in (ContactStatus.active, ContactStatus.wrapup):
                return "lawyer", False
            if contact.status == ContactStatus.ended:
                return "ended", False
            if not anyone_on_duty(session, utcnow(), config):
                return "nobody_on_duty", False
            return "", contact.status == ContactStatus.open

    def queue_silent_caller() -> None:
        queue_flows.enqueue_now(stream.state, contact_id, "other")

    try:
        async with bus.subscribe(f"contact:{contact_id}") as sub:
            while True:
                reason, still_open = await run_in_threadpool(check_state)
                if reason:
                    if reason != "ended":
                        await stream.hand_off(reason)
                    return
                waited = (utcnow() - stream.started_wall).total_seconds()
                if still_open and not queued_silent and waited >= SILENT_CALLER_S and stream.stored == 0:
                    queued_silent = True
                    await run_in_threadpool(queue_silent_caller)
                try:
                    event = await sub.get(timeout=WATCH_EVERY_S)
                except asyncio.TimeoutError:
                    continue
                if event.get("type") == "status" and event.get("status") == "active":
                    await stream.hand_off("lawyer")
                    return
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("intake watcher failed (call %s)", redact(stream.call_sid))
