"""The per-worker roster cache never serves a stale answer: every ORM write to the roster (in
this or another process's engine) bumps the revision, and the cached on-duty set is recomputed
at the next shift boundary."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from hotline.auth.service import create_user
from hotline.database import make_engine, session_scope
from hotline.queue import service
from hotline.roster.models import Holiday, RosterException, Shift

TZ = ZoneInfo("Asia/Shanghai")


def test_roster_writes_invalidate_the_cache_and_boundaries_are_respected(settings, engine) -> None:  # noqa: ANN001
    config = service.Config()
    other = make_engine(settings.sqlalchemy_url)  # a second "worker" writing to the same database
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
    with session_scope(engine) as session:
        a = create_user(session, username="a", password="password-1", role="lawyer").id
        b = create_user(session, username="b", password="password-1", role="lawyer").id
        session.add(Shift(user_id=a, days="workdays", start="08:00", end="12:00"))
    with session_scope(engine) as session:
        assert set(service.on_duty(session, monday_10, config)) == {a}
        # the answer holds until the shift ends at 12:00 ...
        assert set(service.on_duty(session, monday_10 + timedelta(hours=1, minutes=59), config)) == {a}
        assert service.on_duty(session, monday_10 + timedelta(hours=2), config) == {}
    with session_scope(other) as session:  # another worker adds a shift
        session.add(Shift(user_id=b, days="all", start="09:00", end="18:00"))
    with session_scope(engine) as session:
        assert set(service.on_duty(session, monday_10, config)) == {a, b}
    with session_scope(other) as session:  # leave for a today, then a holiday tomorrow
        session.add(RosterException(user_id=a, day=monday_10.date(), kind="off"))
        session.add(Holiday(day=monday_10.date() + timedelta(days=1), name="测试假日"))
    with session_scope(engine) as session:
        assert set(service.on_duty(session, monday_10, config)) == {b}
        assert set(service.on_duty(session, monday_10 + timedelta(days=1), config)) == {b}
    with session_scope(other) as session:  # a bulk delete is seen too
        session.execute(delete(Shift).where(Shift.user_id == b))
    with session_scope(engine) as session:
        assert service.on_duty(session, monday_10, config) == {}
    other.dispose()
