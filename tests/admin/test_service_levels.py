"""Service levels from the audit log, checked against figures worked out by hand.

A scripted Monday morning (Asia/Shanghai) driven through the real intake and routing service
layer with explicit times, on SQLite and PostgreSQL. Two lawyers: A takes labour (劳动争议),
B takes family (婚姻家庭); overflow is off, so who gets what is fixed by skill and presence.

  contact  channel  queued  what happens                                        wait  talk  wrap  score
  C1       chat     t=0     offered A, A accepts t=8, ends t=308, wrap to 338     8    300   30     5
  C2       call     t=20    offered B, B rejects t=25 (penalty 5 s), re-offered   25   120   60     3
                            t=31, accepted t=45, ends t=165, wrap to 225
  C3       chat     t=400   offered A, times out t=430, citizen leaves t=440     abandoned after 40 s, rates 1
  C4       chat     t=500   B on break, citizen leaves t=503                     short abandon (3 s < 5 s)
  C5       call     t=600   offered A, accepted t=620 (exactly 20 s)             20   180   20     -
  C6       chat     t=900   A accepts t=905, transfers to B t=950, ends t=1100    5   195   10     4 (B)
                            B wraps up to t=1110
  C7       chat     t=1200  A on break: still waiting
  C0       chat     the Sunday before (outside the range): answered
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from admin import analytics, volumes
from hotline.auth.service import create_user
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.queue import service as routing
from hotline.queue.models import Offer
from hotline.roster.models import LawyerProfile, Shift

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 in Shanghai
CONFIG = routing.Config(offer_timeout_s=30, no_answer_penalty_s=5, overflow_after_s=10**6, wrapup_s=60)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Script:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine = engine
        with session_scope(engine) as s:
            self.a = self._lawyer(s, "lawyer_a", "律师甲", ["labour"])
            self.b = self._lawyer(s, "lawyer_b", "律师乙", ["family"])

    @staticmethod
    def _lawyer(s, username: str, name: str, skills: list[str]) -> int:  # noqa: ANN001
        user = create_user(s, username=username, password="password-123", role="lawyer", display_name=name)
        s.add(LawyerProfile(user_id=user.id, skills=skills))
        s.add(Shift(user_id=user.id, days="all", start="00:00", end="00:00"))
        return user.id

    def arrive(self, channel: str, category: str, t: float, dispatch: bool = True) -> int:
        with session_scope(self.engine) as s:
            if channel == "chat":
                contact, _ = contacts.start_chat(s)
            else:
                contact = contacts.start_call(s, phone=f"1380013{int(t):04d}", call_sid=f"CA{t}", started_at=at(t))
            routing.enqueue(s, contact.id, category, now=at(t), config=CONFIG)
            if dispatch:
                routing.dispatch(s, now=at(t), config=CONFIG)
            return contact.id

    def offer(self, contact_id: int) -> Offer:
        from sqlalchemy import select

        with session_scope(self.engine) as s:
            return s.execute(select(Offer).where(Offer.contact_id == contact_id, Offer.status == "offered")).scalar_one()

    def do(self, fn) -> None:  # noqa: ANN001
        with session_scope(self.engine) as s:
            fn(s)

    def accept(self, contact_id: int, user_id: int, t: float) -> None:
        offer = self.offer(contact_id)
        assert offer.user_id == user_id
        self.do(lambda s: routing.accept(s, offer.id, user_id, now=at(t)))

    def end(self, contact_id: int, t: float) -> None:
        def work(s) -> None:  # noqa: ANN001
            contacts.end_contact(s, contacts.get_contact(s, contact_id), actor="test", at=at(t))
            routing.contact_ended(s, contact_id, now=at(t), config=CONFIG)
        self.do(work)

    def wrapup(self, user_id: int, t: float, disposition: str = "已解答") -> None:
        self.do(lambda s: routing.finish_wrapup(s, user_id, disposition, now=at(t)))

    def rate(self, contact_id: int, score: int) -> None:
        self.do(lambda s: contacts.rate(s, contacts.get_contact(s, contact_id), score=score, actor="citizen"))


@pytest.fixture
def scripted(engine):  # noqa: ANN001, ANN201
    from hotline.directory.service import seed_defaults

    with session_scope(engine) as s:
        seed_defaults(s)
    sc = Script(engine)
    day = -86400
    sc.do(lambda s: routing.set_presence(s, sc.a, "available", now=at(day - 60)))
    sc.do(lambda s: routing.set_presence(s, sc.b, "available", now=at(day - 60)))
    c0 = sc.arrive("chat", "labour", day)  # the day before: outside the range
    sc.accept(c0, sc.a, day + 3)
    sc.end(c0, day + 63)
    sc.wrapup(sc.a, day + 70)
    sc.rate(c0, 1)

    ids = {}
    ids[1] = sc.arrive("chat", "labour", 0)
    sc.accept(ids[1], sc.a, 8)
    ids[2] = sc.arrive("call", "family", 20)
    offer = sc.offer(ids[2])
    assert offer.user_id == sc.b
    sc.do(lambda s: routing.reject(s, offer.id, sc.b, now=at(25), config=CONFIG))
    sc.do(lambda s: routing.dispatch(s, now=at(25), config=CONFIG))  # B is on penalty until t=30
    sc.do(lambda s: routing.tick(s, now=at(31), config=CONFIG))  # re-offered to B
    sc.accept(ids[2], sc.b, 45)
    sc.end(ids[2], 165)
    sc.wrapup(sc.b, 225, "建议申请劳动仲裁")
    sc.end(ids[1], 308)
    sc.wrapup(sc.a, 338)
    sc.rate(ids[1], 5)
    sc.rate(ids[2], 3)

    ids[3] = sc.arrive("chat", "labour", 400)
    assert sc.offer(ids[3]).user_id == sc.a
    sc.do(lambda s: routing.tick(s, now=at(430), config=CONFIG))  # the offer times out
    sc.end(ids[3], 440)
    sc.rate(ids[3], 1)  # a citizen who was never answered rates too

    sc.do(lambda s: routing.set_presence(s, sc.b, "break", now=at(490)))
    ids[4] = sc.arrive("chat", "family", 500, dispatch=False)
    sc.end(ids[4], 503)

    ids[5] = sc.arrive("call", "labour", 600)
    sc.accept(ids[5], sc.a, 620)
    sc.end(ids[5], 800)
    sc.wrapup(sc.a, 820)

    ids[6] = sc.arrive("chat", "labour", 900)
    sc.accept(ids[6], sc.a, 905)
    sc.do(lambda s: routing.set_presence(s, sc.b, "available", now=at(940)))  # back from the break: may take it
    sc.do(lambda s: routing.transfer(s, ids[6], sc.a, sc.b, "婚姻问题转乙律师", now=at(950)))
    sc.end(ids[6], 1100)
    sc.wrapup(sc.b, 1110, "已转介")
    sc.rate(ids[6], 4)

    sc.do(lambda s: routing.set_presence(s, sc.a, "break", now=at(1150)))
    ids[7] = sc.arrive("chat", "labour", 1200)
    return sc, ids


def monday_report(engine, **kwargs):  # noqa: ANN001, ANN201
    start, end = analytics.local_range(date(2026, 3, 2), date(2026, 3, 2), TZ)
    with session_scope(engine) as s:
        return analytics.report(s, start, end, TZ, now=at(1300), **kwargs)


def test_service_levels_match_hand_computed_values(scripted, engine) -> None:  # noqa: ANN001
    sl = monday_report(engine)["service_levels"]
    assert sl["offered"] == 6  # C1 C2 C3 C5 C6 C7 (C4 is a short abandon, C0 another day)
    assert sl["short_abandoned"] == 1
    assert sl["answered"] == 4  # C1 C2 C5 C6
    assert sl["abandoned"] == 1  # C3
    assert sl["waiting"] == 1  # C7
    assert sl["answer_rate"] == round(4 / 6, 4)
    assert sl["abandon_rate"] == round(1 / 6, 4)
    assert sl["avg_abandon_wait_s"] == 40.0
    assert sl["asa_s"] == (8 + 25 + 20 + 5) / 4  # 14.5
    assert sl["answered_within"] == 3  # 8, 20 (inclusive) and 5 s; C2 waited 25 s
    assert sl["service_level"] == 0.5  # 3 / 6 offered
    assert sl["avg_talk_s"] == (300 + 120 + 180 + 195) / 4  # 198.75
    assert sl["avg_wrapup_s"] == (30 + 60 + 20 + 10) / 4  # 30
    assert sl["aht_s"] == 228.75
    assert sl["rated"] == 3 and sl["rated_share"] == 0.75  # C1 C2 C6 of 4 answered
    assert sl["satisfied"] == 2 and sl["satisfaction"] == round(2 / 3, 4)  # scores 5 and 4 of 5, 3, 4
    assert sl["mean_score"] == 4.0
    assert sl["unanswered_ratings"] == 1  # C3's rating is kept out of satisfaction


def test_short_abandon_threshold_and_service_level_threshold_are_parameters(scripted, engine) -> None:  # noqa: ANN001
    sl = monday_report(engine, th=analytics.Thresholds(service_level_s=10, short_abandon_s=0))["service_levels"]
    assert sl["offered"] == 7 and sl["abandoned"] == 2 and sl["short_abandoned"] == 0
    assert sl["answered_within"] == 2  # 8 and 5 s
    assert sl["service_level"] == round(2 / 7, 4)
    assert sl["avg_abandon_wait_s"] == (40 + 3) / 2


def test_per_lawyer_figures(scripted, engine) -> None:  # noqa: ANN001
    sc, _ = scripted
    rows = {r["user_id"]: r for r in monday_report(engine)["per_lawyer"]}
    a, b = rows[sc.a], rows[sc.b]
    assert a["name"] == "律师甲"
    assert (a["offers"], a["accepted"], a["rejected"], a["timeouts"]) == (4, 3, 0, 1)  # C1 C3 C5 C6
    assert a["avg_accept_s"] == (8 + 20 + 5) / 3
    assert a["handled"] == 2  # C1 C5 (C6 went to B)
    assert a["avg_talk_s"] == 240.0 and a["avg_wrapup_s"] == 25.0 and a["aht_s"] == 265.0
    assert (a["rated"], a["mean_score"], a["satisfaction"], a["transfers_out"]) == (1, 5.0, 1.0, 1)
    assert (b["offers"], b["accepted"], b["rejected"], b["timeouts"]) == (2, 1, 1, 0)  # C2 twice
    assert b["avg_accept_s"] == 14.0  # re-offered at t=31, accepted at t=45
    assert b["handled"] == 2  # C2 and the transferred C6
    assert b["avg_talk_s"] == 157.5 and b["avg_wrapup_s"] == 35.0 and b["aht_s"] == 192.5
    assert (b["rated"], b["mean_score"], b["satisfaction"]) == (2, 3.5, 0.5)


def test_volume_peak_hours_and_channels(scripted, engine) -> None:  # noqa: ANN001
    rep = monday_report(engine)
    vol = rep["volume"]
    assert vol["granularity"] == "hour" and len(vol["labels"]) == 24
    nine = vol["labels"].index("2026-03-02 09:00")
    assert vol["total"][nine] == 7 and sum(vol["total"]) == 7  # every arrival, short abandon included
    assert vol["by_channel"]["网页"][nine] == 5 and vol["by_channel"]["电话"][nine] == 2
    assert vol["by_category"]["劳动争议"][nine] == 5 and vol["by_category"]["婚姻家庭"][nine] == 2
    peak = rep["peak"]
    assert peak["counts"][0][9] == 7 and peak["top_hours"] == [9]
    assert peak["average"][0][9] == 7.0  # one Monday in the range
    assert peak["rostered"][0][9] == 2  # both lawyers are rostered around the clock
    assert rep["opened"].get("call") == 2  # C2 and C5 (calls carry their start time)
    chat = rep["by_channel"]["网页"]
    assert (chat["offered"], chat["answered"], chat["abandoned"]) == (4, 2, 1)  # C1 C3 C6 C7
    assert rep["dispositions"]["已解答"] == 2


def test_day_and_week_buckets() -> None:
    facts = [analytics.ContactFacts(1, "chat", "labour", enqueued_at=datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)),
             analytics.ContactFacts(2, "call", "labour", enqueued_at=datetime(2026, 3, 8, 15, 59, tzinfo=timezone.utc)),
             analytics.ContactFacts(3, "call", "", enqueued_at=datetime(2026, 3, 8, 16, 0, tzinfo=timezone.utc))]
    start, end = analytics.local_range(date(2026, 3, 2), date(2026, 3, 15), TZ)
    days = volumes.volume(facts, start, end, TZ, "day")
    assert len(days["labels"]) == 14
    assert days["total"][0] == 1  # 01:00 Monday local
    assert days["total"][6] == 1 and days["total"][7] == 1  # 23:59 Sunday, 00:00 Monday local
    assert days["by_category"]["未分类"][7] == 1
    weeks = volumes.volume(facts, start, end, TZ, "week")
    assert weeks["labels"] == ["2026-03-02", "2026-03-09"] and weeks["total"] == [2, 1]
