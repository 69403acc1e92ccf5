"""The routing decision, pure and in memory: which lawyer gets a waiting contact.

Eligible: on duty now, present (available), not on penalty, under capacity for the contact's
channel, no offer pending, skilled for the contact's category (or the contact has overflowed
to the general pool, or its category is 其他), and speaking the contact's language or dialect
when it asked for one other than Mandarin (until it overflows: then any lawyer may help).
Among the eligible, the one idle longest wins (longest-idle-available, as contact-center
routers do)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MANDARIN = "普通话"
DEFAULT_LANGUAGES = {MANDARIN, "zh", "zh-CN", ""}


@dataclass
class LawyerState:
    user_id: int
    skills: frozenset[str]
    idle_since: datetime
    chat_capacity: int = 3
    call_capacity: int = 1
    chats: int = 0
    calls: int = 0
    available: bool = True
    on_duty: bool = True
    penalty_until: datetime | None = None
    pending_offer: bool = False
    languages: frozenset[str] = frozenset({MANDARIN})

    def free_for(self, channel: str) -> bool:
        if channel == "call":  # a call needs the lawyer's full attention: no chats beside it
            return self.calls < self.call_capacity and self.chats == 0
        # a chat: not while on a call (call_capacity 0 is a chat-only lawyer, not a blocked one)
        return self.calls == 0 and self.chats < self.chat_capacity


@dataclass
class ContactRequest:
    contact_id: int
    channel: str
    skill: str
    overflow: bool = False
    language: str = MANDARIN


GENERAL_SKILL = "other"


def load_channel(channel: str) -> str:
    """The capacity a contact takes: a call, or a text conversation (web chat and WeChat alike)."""
    return "call" if channel == "call" else "chat"


def eligible(lawyer: LawyerState, request: ContactRequest, now: datetime) -> bool:
    return (lawyer.on_duty and lawyer.available and not lawyer.pending_offer
            and (lawyer.penalty_until is None or lawyer.penalty_until <= now)
            and lawyer.free_for(request.channel)
            and (request.overflow or request.skill == GENERAL_SKILL or request.skill in lawyer.skills)
            and (request.overflow or request.language in DEFAULT_LANGUAGES or request.language in lawyer.languages))


def assign(lawyers: list[LawyerState], requests: list[ContactRequest], now: datetime
           ) -> list[tuple[ContactRequest, LawyerState]]:
    """One routing round: requests in order (oldest first), each to the longest-idle eligible
    lawyer; a lawyer gets at most one offer per round (`pending_offer` is set on the chosen).
    The same choices as calling `choose_lawyer` for each request in turn, but the lawyers who can
    take nothing at all are set aside once and the rest are tried longest-idle first, so a
    round with many waiting contacts and many lawyers stays cheap."""
    free = sorted((lw for lw in lawyers if lw.on_duty and lw.available and not lw.pending_offer
                   and (lw.penalty_until is None or lw.penalty_until <= now)
                   and (lw.free_for("chat") or lw.free_for("call"))),
                  key=lambda lw: lw.idle_since)  # stable: ties keep their order, as in choose_lawyer
    out: list[tuple[ContactRequest, LawyerState]] = []
    for request in requests:
        if not free:
            break
        for k, lawyer in enumerate(free):
            if eligible(lawyer, request, now):
                lawyer.pending_offer = True
                del free[k]
                out.append((request, lawyer))
                break
    return out


def choose_lawyer(lawyers: list[LawyerState], request: ContactRequest, now: datetime) -> LawyerState | None:
    best = None
    for lawyer in lawyers:
        if eligible(lawyer, request, now) and (best is None or lawyer.idle_since < best.idle_since):
            best = lawyer
    return best
