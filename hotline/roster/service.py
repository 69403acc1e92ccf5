"""The roster as routing reads it and as managers change it: who is on duty now and next (through
the per-worker cache in `hotline.roster.cache`), the lawyer profiles, and shifts, exceptions and
holidays, each change an audit entry. Functions work in the caller's transaction."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import StaffUser
from hotline.roster import cache
from hotline.roster.models import Holiday, LawyerProfile, RosterException, Shift
from routing import roster

DEFAULT_TIMEZONE = "Asia/Shanghai"


class RosterError(ValueError):
    pass


class Zoned(Protocol):
    """What the roster needs of the caller's settings: the local time zone (hotline.queue's Config)."""

    @property
    def tz(self) -> ZoneInfo: ...


def rules(session: Session, around: datetime | None = None, tz: ZoneInfo | None = None
          ) -> tuple[list[roster.ShiftRule], list[roster.Exception_], roster.Calendar]:
    """The roster as plain rules. With `around`, only the exceptions and holidays of the days
    that can matter at that moment (yesterday to tomorrow, local time) are read. Plain column
    rows, not ORM objects: this runs inside every routing decision."""
    shifts = [roster.ShiftRule(user_id, days, roster.parse_time(start), roster.parse_time(end), kind, vf, vt)
              for user_id, days, start, end, kind, vf, vt in session.execute(
                  select(Shift.user_id, Shift.days, Shift.start, Shift.end, Shift.kind, Shift.valid_from,
                         Shift.valid_to))]
    exc_query = select(RosterException.user_id, RosterException.day, RosterException.kind, RosterException.start,
                       RosterException.end)
    hol_query = select(Holiday.day, Holiday.is_workday)
    if around is not None:
        local = around.astimezone(tz) if tz else around
        first, last = local.date() - timedelta(days=1), local.date() + timedelta(days=1)
        exc_query = exc_query.where(RosterException.day >= first, RosterException.day <= last)
        hol_query = hol_query.where(Holiday.day >= first, Holiday.day <= last)
    exceptions = [roster.Exception_(user_id, day, kind, roster.parse_time(start) if start else None,
                                    roster.parse_time(end) if end else None)
                  for user_id, day, kind, start, end in session.execute(exc_query)]
    calendar = roster.Calendar({day: is_workday for day, is_workday in session.execute(hol_query)})
    return shifts, exceptions, calendar


def on_duty(session: Session, now: datetime, config: Zoned) -> dict[int, datetime]:
    """Lawyers on duty now, with the end of their window (谁值班谁接管)."""
    return cache.cache.on_duty(session, now, config.tz, rules)


def anyone_on_duty(session: Session, now: datetime, config: Zoned) -> bool:
    return bool(on_duty(session, now, config))


def duty_summary(session: Session, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Who is on duty now (until when) and who comes next, by name."""
    shifts, exceptions, calendar = rules(session)
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    current = roster.on_duty_users(shifts, exceptions, calendar, now, tz)
    upcoming = roster.next_on_duty(shifts, exceptions, calendar, now, tz)
    return {"now": [{"user_id": u, "name": names.get(u, str(u)), "until": end.isoformat()} for u, end in current.items()],
            "next": [{"user_id": u, "name": names.get(u, str(u)), "from": b.isoformat(), "until": e.isoformat()}
                     for u, b, e in upcoming]}


def profile(session: Session, user_id: int) -> LawyerProfile:
    row = session.get(LawyerProfile, user_id)
    if row is None:
        user = session.get(StaffUser, user_id)
        if user is None or user.role != "lawyer":
            raise RosterError(f"user {user_id} is not a lawyer")
        row = LawyerProfile(user_id=user_id)
        session.add(row)
        session.flush()
    return row


def lawyers(session: Session) -> list[dict[str, Any]]:
    """Active lawyers with their profiles (skills, languages, capacities, presence)."""
    out = []
    for u in session.execute(select(StaffUser).where(StaffUser.role == "lawyer", StaffUser.active.is_(True))).scalars():
        p = session.get(LawyerProfile, u.id)
        out.append({"user_id": u.id, "username": u.username, "name": u.display_name,
                    **(p.model_dump(mode="json", exclude={"user_id"}) if p else {})})
    return out


def shifts(session: Session) -> list[Shift]:
    return list(session.execute(select(Shift).order_by(Shift.user_id, Shift.id)).scalars())


# -- changes (managers): each one an audit entry --------------------------------------------------------
def update_lawyer(session: Session, user_id: int, changes: dict[str, Any], *, actor: str) -> LawyerProfile:
    """Skills, languages and capacities of a lawyer; unknown skills are refused (ValueError)."""
    from hotline.directory.service import list_categories

    row = profile(session, user_id)
    if "skills" in changes:
        known = {c.code for c in list_categories(session, active_only=False)}
        unknown = [s for s in changes["skills"] if s not in known]
        if unknown:
            raise ValueError(f"未知的业务类别: {', '.join(unknown)}")
    audit.record_update(session, row, changes, action="roster.lawyer_updated", actor=actor, entity="lawyer",
                        entity_id=user_id)
    return row


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def add_shift(session: Session, *, user_id: int, days: str, start: str, end: str, kind: str,
              valid_from: str | None, valid_to: str | None, note: str, actor: str) -> Shift:
    """A weekly shift; `profile` refuses a user who is no lawyer (RosterError), a bad format is a
    ValueError."""
    profile(session, user_id)
    roster.validate_days(days)
    roster.parse_time(start), roster.parse_time(end)
    if kind not in ("duty", "appointment"):
        raise ValueError("kind must be duty or appointment")
    shift = Shift(user_id=user_id, days=days, start=start, end=end, kind=kind, valid_from=_day(valid_from),
                  valid_to=_day(valid_to), note=note)
    session.add(shift)
    session.flush()
    audit.record(session, action="roster.shift_added", actor=actor, entity="shift", entity_id=shift.id,
                 after=shift.model_dump(mode="json"))
    return shift


def remove(session: Session, model: type, key: Any, *, action: str, entity: str, actor: str) -> bool:
    """Delete a roster row (shift, exception, holiday) with its last state in the log; False if absent."""
    row = session.get(model, key)
    if row is None:
        return False
    audit.record(session, action=action, actor=actor, entity=entity, entity_id=key,
                 before=row.model_dump(mode="json"))
    session.delete(row)
    return True


def add_exception(session: Session, *, user_id: int, day: str, kind: str, start: str | None, end: str | None,
                  note: str, actor: str) -> RosterException:
    """Leave ("off") or an added duty window ("extra") on one day; a bad format is a ValueError."""
    if kind not in ("off", "extra"):
        raise ValueError("kind must be off or extra")
    if kind == "extra" and not (start and end):
        raise ValueError("an extra window needs start and end")
    for t in (start, end):
        if t:
            roster.parse_time(t)
    row = RosterException(user_id=user_id, day=date.fromisoformat(day), kind=kind, start=start, end=end, note=note)
    session.add(row)
    session.flush()
    audit.record(session, action="roster.exception_added", actor=actor, entity="roster_exception",
                 entity_id=row.id, after=row.model_dump(mode="json"))
    return row


def set_holiday(session: Session, *, day: str, name: str, is_workday: bool, actor: str) -> None:
    """A public holiday, or (is_workday) a 调休 make-up working day; a bad date is a ValueError."""
    session.merge(Holiday(day=date.fromisoformat(day), name=name, is_workday=is_workday))
    audit.record(session, action="roster.holiday_set", actor=actor, entity="holiday", entity_id=day,
                 after={"day": day, "name": name, "is_workday": is_workday})


def recent(session: Session, model: type, since: date) -> list[Any]:
    """Exceptions or holidays from `since` on, in date order."""
    order = (model.day, model.id) if model is RosterException else (model.day,)
    return list(session.execute(select(model).where(model.day >= since).order_by(*order)).scalars())
