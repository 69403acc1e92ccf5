"""How long the dashboard's figures take over a month of contacts.

    .venv/bin/python benchmarks/service_levels.py [--contacts 5000] [--days 30] [--db URL]

Writes a synthetic month into a real database (SQLite file by default) as the audit log the
hotline keeps: for each contact `contact.opened`, `routing.enqueued`, `routing.offer`, then
either `routing.accept` + `contact.answered` + `contact.ended` + `routing.wrapup_started` +
`routing.wrapup` (+ `contact.rated` for some) or `routing.abandoned` — appended through
`hotline.audit.service.record`, so the hash chain is real. Then it times, each five times:
`admin.analytics.report` over the month (what `/api/admin/report` computes), the contacts CSV
export, and the same report over one day; and prints entries, contacts and the median times.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TZ = ZoneInfo("Asia/Shanghai")
SKILLS = ["labour", "family", "inheritance", "contract_debt", "property", "traffic", "consumer", "tort_injury",
          "rural_land", "criminal", "administrative", "other"]


def populate(engine, contacts: int, days: int, start: datetime, seed: int = 7) -> int:  # noqa: ANN001
    from hotline.audit import service as audit
    from hotline.database import session_scope

    rng = random.Random(seed)
    lawyers = list(range(1, 21))
    entries = 0
    with session_scope(engine) as s:
        for cid in range(1, contacts + 1):
            # arrivals concentrate in office hours (08-20 local), like the hotline's
            day = rng.randrange(days)
            hour = rng.choice([8, 9, 9, 10, 10, 10, 11, 11, 14, 14, 15, 15, 16, 17, 19, 21])
            t0 = start + timedelta(days=day, hours=hour - 8, seconds=rng.randrange(3600))
            channel = rng.choice(["call", "chat"])
            lawyer = rng.choice(lawyers)

            def rec(action: str, at: datetime, actor: str = "routing", **data: object) -> None:
                nonlocal entries
                audit.record(s, action=action, actor=actor, entity="contact", entity_id=cid, contact_id=cid,
                             data=dict(data), occurred_at=at)
                entries += 1

            rec("contact.opened", t0, "system", channel=channel)
            rec("routing.enqueued", t0, skill=rng.choice(SKILLS), channel=channel)
            rec("routing.offer", t0 + timedelta(seconds=1), user_id=lawyer)
            wait = rng.expovariate(1 / 15)
            if rng.random() < 0.88:
                answered = t0 + timedelta(seconds=wait)
                rec("routing.accept", answered, f"staff:{lawyer}", answer_s=round(wait, 3))
                rec("contact.answered", answered, f"staff:{lawyer}", queue_wait_s=round(wait, 3))
                ended = answered + timedelta(seconds=rng.uniform(60, 900))
                rec("contact.ended", ended, "system", outcome="answered", disposition="")
                rec("routing.wrapup_started", ended)
                rec("routing.wrapup", ended + timedelta(seconds=rng.uniform(5, 90)), f"staff:{lawyer}",
                    disposition=rng.choice(["已解答", "建议诉讼或仲裁", "已转介法律援助"]))
                if rng.random() < 0.4:
                    rec("contact.rated", ended + timedelta(seconds=30), "citizen", score=rng.choice([3, 4, 5, 5, 5]))
            else:
                rec("routing.abandoned", t0 + timedelta(seconds=wait), waited_s=round(wait, 3))
    return entries


def timed(fn, repeat: int = 5) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--db", default="")
    args = parser.parse_args()

    from admin import analytics, exports
    from hotline.config import Settings
    from hotline.database import get_engine, session_scope, upgrade
    from hotline.directory.service import seed_defaults

    tmp = Path(tempfile.mkdtemp(prefix="sl-bench-"))
    settings = Settings(var_dir=tmp, database_url=args.db or f"sqlite:///{tmp / 'bench.db'}", kb_enabled=False)
    upgrade(settings)
    engine = get_engine(settings)
    with session_scope(engine) as s:
        seed_defaults(s)
    first = date(2026, 3, 2)
    start_utc, _ = analytics.local_range(first, first, TZ)
    start_utc += timedelta(hours=8)  # 08:00 local on the first day
    began = time.perf_counter()
    entries = populate(engine, args.contacts, args.days, start_utc)
    print(f"wrote {args.contacts} contacts, {entries} audit entries in {time.perf_counter() - began:.1f} s "
          f"({engine.dialect.name})")
    if engine.dialect.name == "postgresql":  # planner statistics, as autovacuum keeps them in a running system
        from sqlalchemy import text

        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()

    month = analytics.local_range(first, first + timedelta(days=args.days - 1), TZ)
    one_day = analytics.local_range(first + timedelta(days=3), first + timedelta(days=3), TZ)
    now = datetime(2026, 4, 15, tzinfo=timezone.utc)

    def month_report() -> dict:
        with session_scope(engine) as s:
            return analytics.report(s, *month, TZ, now=now)

    def day_report() -> dict:
        with session_scope(engine) as s:
            return analytics.report(s, *one_day, TZ, now=now)

    def export() -> str:
        with session_scope(engine) as s:
            return exports.contacts_csv(s, *month, TZ)

    rep = month_report()
    sl = rep["service_levels"]
    print(f"month: offered {sl['offered']}, answer rate {sl['answer_rate']}, service level {sl['service_level']}, "
          f"ASA {sl['asa_s']} s, AHT {sl['aht_s']} s, satisfaction {sl['satisfaction']}")
    print(f"report over {args.days} days ({args.contacts} contacts): median {timed(month_report) * 1000:.0f} ms")
    print(f"report over one day: median {timed(day_report) * 1000:.0f} ms")
    print(f"contacts CSV over {args.days} days: median {timed(export) * 1000:.0f} ms, "
          f"{len(export().splitlines()) - 1} rows")


if __name__ == "__main__":
    main()
