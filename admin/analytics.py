"""Service levels and volumes computed from the audit log.

Pure part: `fold(entries)` turns audit entries into one `ContactFacts` per contact; the
functions after it (`service_levels`, `per_lawyer`, and `admin.volumes`: `volume`, `peak_hours`)
compute figures from those facts. Service part: `load_facts(session, start, end)` reads the entries of the contacts
that entered the queue in [start, end), and `report(...)` assembles what the dashboard shows.
The exact definitions are in docs/pages.md ("Service levels"); keep the two in step.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import mean
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from admin.volumes import CHANNEL_LABELS, auto_granularity, bucket_start, peak_hours, volume
from hotline.audit.models import AuditEntry
from hotline.timeutil import as_utc, local_range, utcnow  # local_range: the dashboard and benchmarks use it from here

# The audit actions the figures are computed from.
ACTIONS = ("routing.enqueued", "routing.categorised", "routing.offer", "routing.accept", "routing.reject",
           "routing.timeout", "routing.abandoned", "routing.callback", "routing.transfer", "contact.answered",
           "contact.ended", "routing.wrapup_started", "routing.wrapup", "contact.rated")



class EntryLike(Protocol):
    action: str
    actor: str
    contact_id: int | None
    occurred_at: datetime
    data: dict[str, Any] | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class Thresholds:
    service_level_s: float = 20.0  # answered within this many seconds counts toward the service level
    short_abandon_s: float = 5.0  # abandoned sooner than this: excluded from offered and abandoned


@dataclass
class ContactFacts:
    """What the log says happened to one contact in the queue."""

    contact_id: int
    channel: str = ""
    skill: str = ""
    enqueued_at: datetime | None = None
    answered_at: datetime | None = None
    answered_by: int | None = None
    queue_wait_s: float | None = None
    handler: int | None = None  # who holds the contact at the end (answerer, or the last transfer target)
    abandoned_at: datetime | None = None
    abandon_wait_s: float | None = None
    ended_at: datetime | None = None
    outcome: str | None = None
    wrapup_started_at: datetime | None = None
    wrapup_done_at: datetime | None = None
    wrapup_by: int | None = None
    disposition: str = ""
    score: int | None = None
    callback: bool = False
    offers: list[int] = field(default_factory=list)  # user ids, in order
    rejects: list[int] = field(default_factory=list)
    timeouts: list[int] = field(default_factory=list)
    accept_s: float | None = None  # offer → accept, for the answering lawyer
    transfers: list[tuple[int | None, int | None]] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def abandoned(self) -> bool:
        return not self.answered and self.abandoned_at is not None

    def short_abandon(self, th: Thresholds) -> bool:
        return self.abandoned and (self.abandon_wait_s or 0.0) < th.short_abandon_s

    def counts_as_offered(self, th: Thresholds) -> bool:
        return self.enqueued_at is not None and not self.short_abandon(th)

    @property
    def talk_s(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.answered_at).total_seconds())

    @property
    def wrapup_s(self) -> float | None:
        if self.wrapup_started_at is None or self.wrapup_done_at is None:
            return None
        return max(0.0, (self.wrapup_done_at - self.wrapup_started_at).total_seconds())


def _staff_id(actor: str | None) -> int | None:
    if actor and actor.startswith("staff:"):
        try:
            return int(actor.split(":", 1)[1])
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def fold(entries: Iterable[EntryLike]) -> dict[int, ContactFacts]:
    """One ContactFacts per contact, from its audit entries in log order."""
    facts: dict[int, ContactFacts] = {}
    for e in entries:
        if e.contact_id is None:
            continue
        f = facts.setdefault(e.contact_id, ContactFacts(e.contact_id))
        data = e.data or {}
        at = as_utc(e.occurred_at)
        action = e.action
        if action == "routing.enqueued":
            if f.enqueued_at is None:
                f.enqueued_at = at
                f.skill = data.get("skill", "") or f.skill
                f.channel = data.get("channel", "") or f.channel
        elif action == "routing.categorised":
            f.skill = (e.after or {}).get("skill", f.skill)
        elif action == "routing.offer":
            uid = _int(data.get("user_id"))
            if uid is not None:
                f.offers.append(uid)
        elif action == "routing.accept":
            if f.accept_s is None and data.get("answer_s") is not None:
                f.accept_s = float(data["answer_s"])
        elif action == "routing.reject":
            uid = _int(data.get("user_id")) or _staff_id(e.actor)
            if uid is not None:
                f.rejects.append(uid)
        elif action == "routing.timeout":
            uid = _int(data.get("user_id"))
            if uid is not None:
                f.timeouts.append(uid)
        elif action == "contact.answered":
            if f.answered_at is None:
                f.answered_at = at
                f.answered_by = f.handler = _staff_id(e.actor)
                wait = data.get("queue_wait_s")
                if wait is None and f.enqueued_at is not None:
                    wait = (at - f.enqueued_at).total_seconds()
                f.queue_wait_s = float(wait) if wait is not None else None
        elif action == "routing.transfer":
            to = _int((e.after or {}).get("lawyer_id"))
            f.transfers.append((_int((e.before or {}).get("lawyer_id")), to))
            f.handler = to
        elif action == "routing.abandoned":
            if f.abandoned_at is None:
                f.abandoned_at = at
                waited = data.get("waited_s")
                if waited is None and f.enqueued_at is not None:
                    waited = (at - f.enqueued_at).total_seconds()
                f.abandon_wait_s = float(waited) if waited is not None else None
        elif action == "routing.callback":
            f.callback = True
        elif action == "contact.ended":
            if f.ended_at is None:
                f.ended_at = at
                f.outcome = data.get("outcome")
        elif action == "routing.wrapup_started":
            f.wrapup_started_at = at
        elif action == "routing.wrapup":
            f.wrapup_done_at = at
            f.wrapup_by = _staff_id(e.actor)
            f.disposition = data.get("disposition", "") or f.disposition
        elif action == "contact.rated":
            if f.score is None and data.get("score") is not None:
                f.score = int(data["score"])
    return facts


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _avg(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(mean(vals), 2) if vals else None


def service_levels(facts: Iterable[ContactFacts], th: Thresholds | None = None) -> dict[str, Any]:
    """The contact-center figures over the contacts given (see docs/pages.md for definitions)."""
    th = th or Thresholds()
    queued = [f for f in facts if f.enqueued_at is not None]
    offered = [f for f in queued if f.counts_as_offered(th)]
    short = [f for f in queued if f.short_abandon(th)]
    answered = [f for f in offered if f.answered]
    abandoned = [f for f in offered if f.abandoned]
    waiting = [f for f in offered if not f.answered and not f.abandoned]
    within = [f for f in answered if f.queue_wait_s is not None and f.queue_wait_s <= th.service_level_s]
    ended = [f for f in answered if f.talk_s is not None]
    wrapped = [f for f in answered if f.wrapup_s is not None]
    rated = [f for f in answered if f.score is not None]
    satisfied = [f for f in rated if f.score >= 4]
    talk, wrap = _avg(f.talk_s for f in ended), _avg(f.wrapup_s for f in wrapped)
    return {
        "offered": len(offered),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "short_abandoned": len(short),
        "waiting": len(waiting),
        "callbacks": sum(1 for f in offered if f.callback),
        "answer_rate": _ratio(len(answered), len(offered)),
        "asa_s": _avg(f.queue_wait_s for f in answered),
        "abandon_rate": _ratio(len(abandoned), len(offered)),
        "avg_abandon_wait_s": _avg(f.abandon_wait_s for f in abandoned),
        "answered_within": len(within),
        "service_level": _ratio(len(within), len(offered)),
        "service_level_s": th.service_level_s,
        "short_abandon_s": th.short_abandon_s,
        "avg_talk_s": talk,
        "avg_wrapup_s": wrap,
        "aht_s": round((talk or 0.0) + (wrap or 0.0), 2) if talk is not None else None,
        "handled": len(ended),
        "rated": len(rated),
        "rated_share": _ratio(len(rated), len(answered)),
        "satisfied": len(satisfied),
        "satisfaction": _ratio(len(satisfied), len(rated)),
        "mean_score": _avg(float(f.score) for f in rated),
        "unanswered_ratings": sum(1 for f in queued if not f.answered and f.score is not None),
    }


def per_lawyer(facts: Iterable[ContactFacts], names: dict[int, str] | None = None,
               th: Thresholds | None = None) -> list[dict[str, Any]]:
    """Per-lawyer figures: offers and what became of them (answer speed goes to the lawyer who
    answered); talk, wrap-up, ratings and disposition go to the lawyer holding the contact at
    its end (the answerer, or the last one it was transferred to)."""
    th = th or Thresholds()
    names = names or {}
    rows: dict[int, dict[str, Any]] = defaultdict(lambda: {
        "offers": 0, "accepted": 0, "rejected": 0, "timeouts": 0, "accept_s": [], "handled": [],
        "talk": [], "wrapup": [], "scores": [], "transfers_out": 0})
    for f in facts:
        if f.enqueued_at is None:
            continue
        for uid in f.offers:
            rows[uid]["offers"] += 1
        for uid in f.rejects:
            rows[uid]["rejected"] += 1
        for uid in f.timeouts:
            rows[uid]["timeouts"] += 1
        for source, _ in f.transfers:
            if source is not None:
                rows[source]["transfers_out"] += 1
        if f.answered and f.answered_by is not None:
            rows[f.answered_by]["accepted"] += 1
            if f.accept_s is not None:
                rows[f.answered_by]["accept_s"].append(f.accept_s)
        if f.answered and f.handler is not None:
            row = rows[f.handler]
            row["handled"].append(f.contact_id)
            if f.talk_s is not None:
                row["talk"].append(f.talk_s)
            if f.score is not None:
                row["scores"].append(f.score)
        if f.wrapup_s is not None and (f.wrapup_by or f.handler) is not None:
            rows[f.wrapup_by or f.handler]["wrapup"].append(f.wrapup_s)
    out = []
    for uid, r in rows.items():
        talk, wrap = _avg(r["talk"]), _avg(r["wrapup"])
        scores = r["scores"]
        out.append({
            "user_id": uid, "name": names.get(uid, f"#{uid}"), "offers": r["offers"], "accepted": r["accepted"],
            "rejected": r["rejected"], "timeouts": r["timeouts"],
            "accept_rate": _ratio(r["accepted"], r["offers"]),
            "avg_accept_s": _avg(r["accept_s"]), "handled": len(r["handled"]),
            "avg_talk_s": talk, "avg_wrapup_s": wrap,
            "aht_s": round((talk or 0.0) + (wrap or 0.0), 2) if talk is not None else None,
            "rated": len(scores), "rated_share": _ratio(len(scores), len(r["handled"])),
            "mean_score": _avg(float(s) for s in scores),
            "satisfaction": _ratio(sum(1 for s in scores if s >= 4), len(scores)),
            "transfers_out": r["transfers_out"],
        })
    return sorted(out, key=lambda r: (-r["handled"], r["name"]))


# -- reading the log -------------------------------------------------------------------------------
def load_facts(session: Session, start: datetime, end: datetime) -> dict[int, ContactFacts]:
    """Facts for the contacts that entered the queue in [start, end): all their entries, also the
    ones after `end` (a contact queued at 23:59 and answered at 00:01 counts as answered)."""
    queued = (select(AuditEntry.contact_id)
              .where(AuditEntry.action == "routing.enqueued", AuditEntry.occurred_at >= start,
                     AuditEntry.occurred_at < end, AuditEntry.contact_id.is_not(None)))
    rows = session.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.contact_id, AuditEntry.occurred_at,
                                  AuditEntry.data, AuditEntry.before, AuditEntry.after)
                           .where(AuditEntry.contact_id.in_(queued), AuditEntry.action.in_(ACTIONS))
                           .order_by(AuditEntry.seq))  # plain rows, not ORM objects: months of log stay cheap
    return fold(rows)


def opened_count(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = session.execute(select(AuditEntry.data).where(
        AuditEntry.action == "contact.opened", AuditEntry.occurred_at >= start, AuditEntry.occurred_at < end)).scalars()
    counts: Counter[str] = Counter()
    for data in rows:
        counts[(data or {}).get("channel", "unknown")] += 1
    return dict(counts)


def staffing(session: Session, tz: ZoneInfo, week_of: datetime, slot_minutes: int = 60) -> list[list[int]]:
    """Lawyers rostered on duty per weekday × slot (at the slot's middle: half past for hours) in
    the week containing `week_of`."""
    from routing import roster
    from hotline.roster.models import Holiday, RosterException, Shift

    rules = [roster.ShiftRule(s.user_id, s.days, roster.parse_time(s.start), roster.parse_time(s.end), s.kind,
                              s.valid_from, s.valid_to) for s in session.execute(select(Shift)).scalars()]
    monday = bucket_start(week_of, "week", tz)
    first, last = monday.date() - timedelta(days=1), monday.date() + timedelta(days=7)
    exceptions = [roster.Exception_(e.user_id, e.day, e.kind, roster.parse_time(e.start) if e.start else None,
                                    roster.parse_time(e.end) if e.end else None)
                  for e in session.execute(select(RosterException).where(
                      RosterException.day >= first, RosterException.day <= last)).scalars()]
    calendar = roster.Calendar({h.day: h.is_workday for h in session.execute(select(Holiday).where(
        Holiday.day >= first, Holiday.day <= last)).scalars()})
    grid = []
    for w in range(7):
        day: date = monday.date() + timedelta(days=w)
        middles = [datetime.combine(day, time(0, 0), tz) + timedelta(minutes=m + slot_minutes / 2)
                   for m in range(0, 24 * 60, slot_minutes)]
        grid.append([len(roster.on_duty_users(rules, exceptions, calendar, at, tz)) for at in middles])
    return grid


def report(session: Session, start: datetime, end: datetime, tz: ZoneInfo, th: Thresholds | None = None,
           granularity: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard shows for [start, end)."""
    from hotline.auth.models import StaffUser
    from hotline.directory.service import list_categories

    th = th or Thresholds()
    facts = list(load_facts(session, start, end).values())
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    categories = {c.code: c.name for c in list_categories(session, active_only=False)}
    granularity = granularity if granularity in ("hour", "day", "week") else auto_granularity(start, end)
    by_channel = {CHANNEL_LABELS.get(ch, ch): service_levels([f for f in facts if f.channel == ch], th)
                  for ch in sorted({f.channel for f in facts})}
    return {
        "range": {"start": start.isoformat(), "end": end.isoformat(), "timezone": str(tz)},
        "generated_at": (now or utcnow()).isoformat(),
        "opened": opened_count(session, start, end),
        "service_levels": service_levels(facts, th),
        "by_channel": by_channel,
        "per_lawyer": per_lawyer(facts, names, th),
        "volume": volume(facts, start, end, tz, granularity, categories),
        "peak": {**peak_hours(facts, tz, start, end), "rostered": staffing(session, tz, now or utcnow())},
        "dispositions": dict(Counter(f.disposition for f in facts if f.disposition).most_common()),
    }
