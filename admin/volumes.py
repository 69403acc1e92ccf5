"""Contacts over time, in local time buckets (hour, day, week), and the peak hours of the week:
pure functions over `admin.analytics.ContactFacts`."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from admin.analytics import ContactFacts

CHANNEL_LABELS = {"call": "电话", "chat": "网页", "wechat": "微信"}
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def bucket_start(at: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    local = at.astimezone(tz)
    if granularity == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = datetime.combine(local.date(), time(0, 0), tz)
    if granularity == "week":
        return day - timedelta(days=local.weekday())
    return day


def _next_bucket(start: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    if granularity == "hour":  # an hour later in absolute time, re-expressed locally
        return (start.astimezone(ZoneInfo("UTC")) + timedelta(hours=1)).astimezone(tz)
    step = 7 if granularity == "week" else 1
    return datetime.combine(start.date() + timedelta(days=step), time(0, 0), tz)


def bucket_label(start: datetime, granularity: str) -> str:
    if granularity == "hour":
        return start.strftime("%Y-%m-%d %H:00")
    return start.strftime("%Y-%m-%d")


def auto_granularity(start: datetime, end: datetime) -> str:
    span = end - start
    if span <= timedelta(days=3):
        return "hour"
    if span <= timedelta(days=62):
        return "day"
    return "week"


def volume(facts: Iterable[ContactFacts], start: datetime, end: datetime, tz: ZoneInfo,
           granularity: str = "day", category_names: dict[str, str] | None = None) -> dict[str, Any]:
    """Contacts entering the queue per bucket, by channel and by category (zero-filled)."""
    category_names = category_names or {}
    labels: list[str] = []
    index: dict[str, int] = {}
    cursor = bucket_start(start, granularity, tz)
    while cursor < end.astimezone(tz) and len(labels) < 2000:
        index[bucket_label(cursor, granularity)] = len(labels)
        labels.append(bucket_label(cursor, granularity))
        cursor = _next_bucket(cursor, granularity, tz)
    by_channel: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    total = [0] * len(labels)
    for f in facts:
        if f.enqueued_at is None:
            continue
        i = index.get(bucket_label(bucket_start(f.enqueued_at, granularity, tz), granularity))
        if i is None:
            continue
        total[i] += 1
        channel = CHANNEL_LABELS.get(f.channel, f.channel or "未知")
        by_channel.setdefault(channel, [0] * len(labels))[i] += 1
        category = category_names.get(f.skill, f.skill or "未分类")
        by_category.setdefault(category, [0] * len(labels))[i] += 1
    return {"granularity": granularity, "labels": labels, "total": total,
            "by_channel": dict(sorted(by_channel.items())),
            "by_category": dict(sorted(by_category.items(), key=lambda kv: -sum(kv[1])))}


def peak_hours(facts: Iterable[ContactFacts], tz: ZoneInfo, start: datetime, end: datetime) -> dict[str, Any]:
    """Arrivals per weekday × local hour: totals, and the average per occurrence of that weekday
    in the range (so a range of three Mondays divides Monday's counts by three)."""
    counts = [[0] * 24 for _ in range(7)]
    for f in facts:
        if f.enqueued_at is not None:
            local = f.enqueued_at.astimezone(tz)
            counts[local.weekday()][local.hour] += 1
    occurrences = Counter()
    day = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    while day <= last:
        occurrences[day.weekday()] += 1
        day += timedelta(days=1)
    average = [[round(c / occurrences[w], 2) if occurrences[w] else 0.0 for c in row] for w, row in enumerate(counts)]
    by_hour = [sum(counts[w][h] for w in range(7)) for h in range(24)]
    ranked = sorted(range(24), key=lambda h: (-by_hour[h], h))
    return {"weekdays": WEEKDAYS, "hours": list(range(24)), "counts": counts, "average": average,
            "by_hour": by_hour, "top_hours": [h for h in ranked[:3] if by_hour[h] > 0]}


