"""The staffing plan's abandonment inputs: patience per channel from the log's waits and abandons,
and a short patience raising the lawyers needed (Erlang A on top of Erlang C)."""
from datetime import datetime, timedelta, timezone

from admin import analytics, staffing_plan
from routing import staffing

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


def facts(channel: str, answered_waits: list[float], abandon_waits: list[float]) -> list[analytics.ContactFacts]:
    out = []
    for i, w in enumerate(answered_waits):
        out.append(analytics.ContactFacts(contact_id=i, channel=channel, enqueued_at=T0, queue_wait_s=w,
                                          answered_at=T0 + timedelta(seconds=w)))
    for j, w in enumerate(abandon_waits):
        out.append(analytics.ContactFacts(contact_id=1000 + j, channel=channel, enqueued_at=T0,
                                          abandoned_at=T0 + timedelta(seconds=w), abandon_wait_s=w))
    return out


def test_patience_is_total_wait_over_abandons_per_channel() -> None:
    aht = staffing_plan.handle_times(facts("call", [10, 30], [20, 40]) + facts("chat", [5], []))
    assert aht["call"]["abandoned"] == 2 and aht["call"]["patience_s"] == 50.0
    assert aht["chat"]["patience_s"] is None  # nobody left a chat: nothing to estimate


def test_impatient_callers_need_more_lawyers_than_erlang_c_alone() -> None:
    base = staffing.Target(level=0.80, answer_s=20)
    alone = staffing.required(100, 180, base)
    impatient = staffing.required(100, 180, staffing.Target(level=0.80, answer_s=20, patience_s=8, max_abandon=0.02))
    assert impatient.agents > alone.agents and impatient.abandon <= 0.02
