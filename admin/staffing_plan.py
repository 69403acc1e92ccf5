"""Lawyers needed per half hour against lawyers rostered, from the log.

Arrivals: contacts entering the queue (`routing.enqueued`) per weekday × local half hour over the
last N weeks, averaged per occurrence of the weekday, per channel. Handle time: talk + wrap-up
per channel from the same contacts (`admin.analytics.fold`). Patience: abandons over total time
waited, per channel (`routing.staffing.patience_from_log`). Needed: Erlang C (`routing.staffing`)
per channel for the service-level target and Erlang A for the abandonment cap, chats divided by the chat
capacity a lawyer carries at once (a lawyer on three chats works each at a third of their time),
the channels summed; then shrinkage. Rostered: the duty roster of the current week per half hour.
"""
from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from admin import analytics, volumes
from routing import staffing

SLOT_MIN = 30
SLOTS = 24 * 60 // SLOT_MIN
DEFAULT_AHT_S = {"call": 300.0, "chat": 600.0}  # when the log has no handled contact of a channel yet


def slot_labels() -> list[str]:
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 24 * 60, SLOT_MIN)]


def arrivals(facts: list[analytics.ContactFacts], tz: ZoneInfo, weeks: int) -> dict[str, list[list[float]]]:
    """Average arrivals per channel, weekday (Mon=0) and half hour over `weeks` weeks."""
    counts: dict[str, list[list[int]]] = defaultdict(lambda: [[0] * SLOTS for _ in range(7)])
    for f in facts:
        if f.enqueued_at is None:
            continue
        local = f.enqueued_at.astimezone(tz)
        counts[f.channel or "chat"][local.weekday()][(local.hour * 60 + local.minute) // SLOT_MIN] += 1
    return {ch: [[c / weeks for c in row] for row in grid] for ch, grid in counts.items()}


def handle_times(facts: list[analytics.ContactFacts]) -> dict[str, dict[str, Any]]:
    out = {}
    for channel in sorted({f.channel for f in facts if f.channel} | set(DEFAULT_AHT_S)):
        levels = analytics.service_levels([f for f in facts if f.channel == channel])
        measured = levels["aht_s"]
        mine = [f for f in facts if f.channel == channel]
        waits = [f.abandon_wait_s if f.abandoned_at else f.queue_wait_s for f in mine]
        abandons = sum(1 for f in mine if f.abandoned_at is not None)
        out[channel] = {"aht_s": measured if measured else DEFAULT_AHT_S.get(channel, 300.0),
                        "measured": bool(measured), "handled": levels["handled"], "abandoned": abandons,
                        "patience_s": staffing.patience_from_log([w for w in waits if w is not None], abandons)}
    return out


def plan(session: Session, tz: ZoneInfo, *, weeks: int, target: staffing.Target, chat_capacity: int,
         now: datetime) -> dict[str, Any]:
    end = now
    start = now - timedelta(weeks=weeks)
    facts = list(analytics.load_facts(session, start, end).values())
    rates = arrivals(facts, tz, weeks)
    aht = handle_times(facts)
    required = [[0] * SLOTS for _ in range(7)]
    for channel, grid in rates.items():
        known = aht.get(channel, {"aht_s": DEFAULT_AHT_S.get(channel, 300.0), "patience_s": None})
        effective = known["aht_s"] / chat_capacity if channel == "chat" else known["aht_s"]
        mine = dataclasses.replace(target, patience_s=known["patience_s"])
        for w in range(7):
            for s in range(SLOTS):
                if grid[w][s] > 0:
                    required[w][s] += staffing.required(grid[w][s], effective, mine, SLOT_MIN * 60).agents
    shrunk = [[_with_shrinkage(n, target) for n in row] for row in required]
    rostered = analytics.staffing(session, tz, now, SLOT_MIN)
    gaps = [[rostered[w][s] - shrunk[w][s] for s in range(SLOTS)] for w in range(7)]
    return {"weekdays": volumes.WEEKDAYS, "slots": slot_labels(), "weeks": weeks,
            "range": {"start": start.isoformat(), "end": end.isoformat(), "timezone": str(tz)},
            "target": {"level": target.level, "answer_s": target.answer_s, "shrinkage": target.shrinkage,
                       "max_occupancy": target.max_occupancy, "max_abandon": target.max_abandon},
            "chat_capacity": chat_capacity, "aht": aht,
            "arrivals": {ch: [[round(v, 2) for v in row] for row in grid] for ch, grid in rates.items()},
            "needed_on_line": required, "required": shrunk, "rostered": rostered, "gap": gaps,
            "short_slots": sum(1 for row in gaps for g in row if g < 0)}


def _with_shrinkage(agents: int, target: staffing.Target) -> int:
    return math.ceil(agents / (1 - target.shrinkage) - 1e-9)


def plan_csv(data: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["星期", "时段", "来话（平均）", "在线需求", "排班需求（含损耗）", "已排班", "缺口"]]
    for w, day in enumerate(data["weekdays"]):
        for s, slot in enumerate(data["slots"]):
            arrived = sum(grid[w][s] for grid in data["arrivals"].values())
            rows.append([day, slot, round(arrived, 2), data["needed_on_line"][w][s], data["required"][w][s],
                         data["rostered"][w][s], data["gap"][w][s]])
    return rows
