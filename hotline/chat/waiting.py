"""Telling waiting citizens where they are: every few seconds, one read of the queue gives the
place and the wait estimate (`hotline.queue.waiting`) of each chat this process serves; a
`queue` frame goes to a chat when its place or estimate changed. Also the service hours: the
greeting and the off-hours notice the chat page shows (settings `chat_greeting`,
`chat_service_hours`, `chat_off_hours_message`)."""
from __future__ import annotations

import functools
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool

from hotline import periodic
from hotline.database import session_scope
from hotline.events import bus
from hotline.queue import waiting
from hotline.queue.base import Config
from hotline.roster.service import on_duty
from hotline.timeutil import utcnow

EVERY_S = 2.0


def _hours(text: str) -> tuple[time, time] | None:
    """"08:30-20:00" (the hotline's time zone); empty: no fixed hours (the roster decides)."""
    text = (text or "").strip()
    if not text:
        return None
    start, _, end = text.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def within_hours(settings: Any, now: datetime) -> bool:
    hours = _hours(settings.chat_service_hours)
    if hours is None:
        return True
    local = now.astimezone(ZoneInfo(settings.timezone)).time()
    start, end = hours
    return start <= local < end if start <= end else (local >= start or local < end)


def service_info(session: Any, settings: Any, now: datetime | None = None) -> dict[str, Any]:
    """What the chat page says on arrival: the greeting, the service hours, and whether a lawyer
    can be reached now (inside the hours and someone on duty); off hours, the notice."""
    now = now or utcnow()
    is_open = within_hours(settings, now) and bool(on_duty(session, now, Config.from_settings(settings)))
    hours = settings.chat_service_hours.strip() or "以值班安排为准"
    return {"greeting": settings.chat_greeting, "hours": hours, "open": is_open,
            "off_hours_message": "" if is_open else settings.chat_off_hours_message.format(hours=hours)}


async def notify_once(state: Any) -> int:
    """Send the changed `queue` frames; returns how many were sent."""
    bound = [contact_id for contact_id, n in state.chat_bound.items() if n > 0]
    last: dict[int, tuple] = state.chat_queue_notices
    for contact_id in [c for c in last if c not in state.chat_bound]:
        del last[contact_id]
    if not bound:
        return 0
    config = Config.from_settings(state.settings)

    def work() -> dict[str, Any]:
        with session_scope(state.engine) as session:
            return waiting.waiting_state(session, config=config)

    snapshot = await run_in_threadpool(work)
    sent = 0
    for contact_id in bound:
        frame = waiting.notice(contact_id, snapshot)
        key = None if frame is None else (frame["position"], frame["estimate_min"], frame["on_duty"])
        if key == last.get(contact_id, "unset") or (frame is None and contact_id not in last):
            continue
        last[contact_id] = key
        if frame is None:
            frame = {"type": "queue", "contact_id": contact_id, "position": None}  # no longer waiting
        bus.publish(f"contact:{contact_id}", frame)
        sent += 1
    return sent


def forget(state: Any, contact_id: int) -> None:
    """A socket (re)bound the chat: send its place at the next round even if unchanged."""
    state.chat_queue_notices.pop(contact_id, None)


async def start(state: Any) -> None:
    state.chat_queue_notices = {}
    state.chat_queue_task = periodic.every(EVERY_S, functools.partial(notify_once, state), "chat queue notices")


async def stop(state: Any) -> None:
    periodic.cancel(getattr(state, "chat_queue_task", None))
