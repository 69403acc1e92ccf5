"""What a waiting citizen is told: their place in the queue and an estimate of the wait, from the
queue itself (who is ahead, by priority then arrival), the chat capacity of the lawyers on duty
and the handle times of recent answered chats. Plain reads; nothing is written."""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hotline.contacts.models import Contact, ContactStatus
from hotline.queue.base import Config
from hotline.queue.models import QueueEntry
from hotline.roster.models import LawyerProfile, Presence
from hotline.roster.service import on_duty
from hotline.timeutil import as_utc, utcnow

DEFAULT_HANDLE_S = 300.0  # before the hotline has answered any chat
RECENT = 50  # answered chats the handle time is averaged over
TEXT_CHANNELS = ("chat", "wechat")

_AHEAD = (select(QueueEntry.contact_id, QueueEntry.channel)
          .join(Contact, Contact.id == QueueEntry.contact_id)
          .where(QueueEntry.status.in_(["waiting", "offered"]), Contact.status != ContactStatus.ended)
          .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id))
_RECENT_HANDLED = (select(Contact.answered_at, Contact.ended_at)
                   .where(Contact.channel.in_(TEXT_CHANNELS), Contact.answered_at.is_not(None),
                          Contact.ended_at.is_not(None), Contact.ended_at >= Contact.answered_at)
                   .order_by(Contact.ended_at.desc()).limit(RECENT))


def positions(session: Session) -> dict[int, int]:
    """Each waiting text contact's place (1 = next), counting every waiting contact ahead of it."""
    out: dict[int, int] = {}
    for place, (contact_id, channel) in enumerate(session.execute(_AHEAD).all(), start=1):
        if channel in TEXT_CHANNELS:
            out[contact_id] = place
    return out


def handle_time_s(session: Session, since: datetime | None = None) -> float:
    """The mean handle time (answered to ended) of the latest answered chats, in seconds."""
    rows = session.execute(_RECENT_HANDLED).all()
    spans = [(as_utc(end) - as_utc(start)).total_seconds() for start, end in rows
             if since is None or as_utc(end) >= since]
    return sum(spans) / len(spans) if spans else DEFAULT_HANDLE_S


def chat_servers(session: Session, now: datetime, config: Config) -> int:
    """How many chats the lawyers on duty and signed in can hold at once."""
    duty = on_duty(session, now, config)
    if not duty:
        return 0
    return sum(capacity for capacity, in session.execute(
        select(LawyerProfile.chat_capacity).where(LawyerProfile.user_id.in_(list(duty)),
                                                  LawyerProfile.state != Presence.offline)).all()) or len(duty)


def estimate_s(position: int, handle_s: float, servers: int) -> float | None:
    """Expected wait at `position`: the chats in progress are half done on average, and each further
    round of `servers` contacts ahead takes one handle time. None with nobody on duty (the citizen
    is offered a call back instead)."""
    if servers <= 0:
        return None
    return (math.ceil(position / servers) - 0.5) * handle_s if position > 0 else 0.0


def waiting_state(session: Session, now: datetime | None = None, config: Config | None = None,
                  recent_days: int = 7) -> dict[str, Any]:
    """Places, the handle time and the capacity, for `notice`."""
    now, config = now or utcnow(), config or Config()
    return {"positions": positions(session), "handle_s": handle_time_s(session, now - timedelta(days=recent_days)),
            "servers": chat_servers(session, now, config)}


def notice(contact_id: int, state: dict[str, Any]) -> dict[str, Any] | None:
    """The `queue` frame for one waiting contact, or None when it is not waiting."""
    position = state["positions"].get(contact_id)
    if position is None:
        return None
    wait = estimate_s(position, state["handle_s"], state["servers"])
    return {"type": "queue", "contact_id": contact_id, "position": position, "ahead": position - 1,
            "estimate_s": None if wait is None else round(wait), "on_duty": state["servers"] > 0,
            "estimate_min": None if wait is None else max(1, math.ceil(wait / 60))}
