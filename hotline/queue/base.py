"""What every queue step shares: its settings (`Config`), its error, the events it returns to
publish after the commit, the lock that serialises routing decisions, and the lawyers' loads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.contacts.models import Contact, ContactStatus
from hotline.database import writer_lock
from hotline.roster.service import DEFAULT_TIMEZONE, RosterError
from routing.engine import load_channel

CALLBACK_PENDING = ("open", "claimed")  # open: nobody has it yet; claimed: a lawyer calls back / answers
RECORDING_PREFIX = "录音："  # the note line that carries a voice message's recording URL


class RoutingError(RosterError):
    pass


@dataclass
class Events:
    """Events to publish after commit: (topic, payload)."""

    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed: bool = False

    def add(self, topic: str, payload: dict[str, Any]) -> None:
        self.items.append((topic, payload))
        self.changed = True


@dataclass
class Config:
    offer_timeout_s: float = 20
    no_answer_penalty_s: float = 30
    overflow_after_s: float = 60
    wrapup_s: float = 60
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def from_settings(cls, settings: Any) -> "Config":
        return cls(settings.offer_timeout_s, settings.no_answer_penalty_s, settings.overflow_after_s,
                   settings.wrapup_s, settings.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def lock(session: Session) -> None:
    """Serialise routing decisions across worker processes: on PostgreSQL the writers' advisory
    lock (`hotline.database.writer_lock`), taken once per transaction before it reads the
    queue; SQLite transactions already begin IMMEDIATE."""
    writer_lock(session.connection())


# Loads: contacts being handled, per lawyer and channel. Served by the (status, lawyer_id, channel)
# index on contact, so only the active rows are read, never a lawyer's whole history.
_LOADS = (select(Contact.lawyer_id, Contact.channel, func.count())
          .where(Contact.status == ContactStatus.active, Contact.lawyer_id.is_not(None))
          .group_by(Contact.lawyer_id, Contact.channel))


def loads(session: Session) -> dict[int, dict[str, int]]:
    """Active contacts per lawyer and channel (the transfer check and the state feed; a routing
    decision counts them in its candidate query instead)."""
    rows = session.execute(_LOADS)
    loads: dict[int, dict[str, int]] = {}
    for lawyer_id, channel, count in rows:
        load = loads.setdefault(lawyer_id, {})
        load[load_channel(channel)] = load.get(load_channel(channel), 0) + count  # WeChat counts as chat
    return loads
