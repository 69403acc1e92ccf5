"""Routing throughput and decision latency: 10,000 simulated contacts across 200 lawyers.

    .venv/bin/python benchmarks/routing.py [--contacts 10000] [--lawyers 200] [--db URL]

A discrete-event simulation in virtual time drives the real routing service against a real
database (SQLite file by default; PostgreSQL with --db postgresql+psycopg://...). Contacts
(half calls, half chats, categories drawn from the 12 default skills) arrive as a Poisson
stream; each arrival is enqueued and dispatched; lawyers accept offers after a few seconds,
handle the contact, end it, spend the wrap-up time and take the next one. The timer
(`hotline.queue.service.tick`: offer timeouts, overflow, shift-end hand-over, then dispatch) runs
every --tick-every simulated seconds, as the app's ticker does. Every dispatch and every tick runs in
its own transaction, exactly as the app's hooks and timer do.

Printed, in one run:
- the routing decision inside the database transaction: one latency sample per call of
  `hotline.queue.service.dispatch` (reads the queue, presence, loads and roster, chooses, writes the
  offers and their audit entries), whether it made no offer, one or several, and one per call of
  `hotline.queue.service.tick`; p50/p99 for each and for all of them together, the goal being
  p99 <= 5 ms; offers per second of routing time reported apart (throughput, not latency);
- the bare in-memory decision (`routing.engine.choose_lawyer` over the same 200 lawyer states),
  as the baseline the database path is compared with (ratio printed).
"""
from __future__ import annotations

import argparse
import heapq
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.auth.models import StaffUser  # noqa: E402
from hotline.config import Settings  # noqa: E402
from hotline.contacts import service as contacts  # noqa: E402
from hotline.database import get_engine, session_scope, upgrade  # noqa: E402
from hotline.directory.service import list_categories, seed_defaults  # noqa: E402
from hotline.queue import service  # noqa: E402
from hotline.queue.models import Offer  # noqa: E402
from hotline.roster.models import LawyerProfile, Shift  # noqa: E402
from hotline.timeutil import utcnow  # noqa: E402
from routing.engine import ContactRequest, LawyerState, choose_lawyer  # noqa: E402


def percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples) * 1000, q)) if samples else float("nan")


def setup(engine, n_lawyers: int, rng: random.Random) -> tuple[list[int], list[str]]:  # noqa: ANN001
    with session_scope(engine) as session:
        seed_defaults(session)
        skills = [c.code for c in list_categories(session)]
        ids = []
        for i in range(n_lawyers):
            # argon2 hashing 200 passwords would dominate set-up: these users never log in
            user = StaffUser(username=f"bench{i}", display_name=f"律师{i}", role="lawyer", password_hash="!")
            session.add(user)
            session.flush()
            session.add(LawyerProfile(user_id=user.id, skills=rng.sample(skills, rng.randint(2, 4)),
                                      chat_capacity=3, state="available"))
            session.add(Shift(user_id=user.id, days="all", start="00:00", end="00:00"))
            ids.append(user.id)
    return ids, skills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--lawyers", type=int, default=200)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--rate", type=float, default=0.45, help="arrivals per simulated second")
    parser.add_argument("--seed", type=int, default=12348)
    parser.add_argument("--tick-every", type=float, default=2.0, help="simulated seconds between ticks")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="routing-bench-"))
    settings = Settings(var_dir=tmp, database_url=args.db or f"sqlite:///{tmp / 'bench.db'}", kb_enabled=False)
    upgrade(settings)
    engine = get_engine(settings)
    lawyer_ids, skills = setup(engine, args.lawyers, rng)
    config = service.Config(offer_timeout_s=20, no_answer_penalty_s=30, overflow_after_s=60, wrapup_s=30)

    clock = utcnow()
    events: list[tuple[float, int, str, tuple]] = []
    seq = 0

    def schedule(at: float, kind: str, *payload: object) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, payload))

    t = 0.0
    for _ in range(args.contacts):
        t += rng.expovariate(args.rate)
        schedule(t, "arrive", rng.choice(["call", "chat"]), rng.choice(skills))
    schedule(args.tick_every, "tick")

    # One sample per call (a call that makes no offer is a decision too): in the DB transaction
    # before the commit, and the same including the durable commit.
    decision_s: dict[str, list[float]] = {"dispatch": [], "tick": []}
    committed_s: dict[str, list[float]] = {"dispatch": [], "tick": []}
    offers_by: dict[str, int] = {"dispatch": 0, "tick": 0}
    answered = 0

    def route_at(kind: str, now) -> None:  # noqa: ANN001
        fn = service.dispatch if kind == "dispatch" else service.tick
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            result = fn(session, now=now, config=config)
            t1 = time.perf_counter()
        t2 = time.perf_counter()
        decision_s[kind].append(t1 - t0)
        committed_s[kind].append(t2 - t0)
        for _, payload in result.items:
            if payload.get("type") == "offer":
                offers_by[kind] += 1
                schedule((now - clock).total_seconds() + rng.uniform(1, 6), "accept", payload["offer_id"])

    started = time.perf_counter()
    processed = 0
    calls = 0
    while events:
        at, _, kind, payload = heapq.heappop(events)
        now = clock + timedelta(seconds=at)
        if kind == "arrive":
            channel, skill = payload
            with session_scope(engine) as session:
                if channel == "call":
                    calls += 1
                    contact = contacts.start_call(session, phone=f"13{calls:09d}", call_sid=f"CA{calls:032d}",
                                                  started_at=now)
                else:
                    contact, _ = contacts.start_chat(session)
                service.enqueue(session, contact.id, skill, now=now, config=config)
            route_at("dispatch", now)
        elif kind == "tick":
            route_at("tick", now)
            if len(events) > 0:  # until the last contact is done
                schedule(at + args.tick_every, "tick")
        elif kind == "accept":
            (offer_id,) = payload
            with session_scope(engine) as session:
                offer = session.get(Offer, offer_id)
                if offer.status != "offered":
                    continue
                service.accept(session, offer_id, offer.user_id, now=now)
                contact = contacts.get_contact(session, offer.contact_id)
                handle = rng.uniform(120, 480) if contact.channel == "call" else rng.uniform(300, 900)
            answered += 1
            schedule(at + handle, "end", offer.contact_id, offer.user_id)
        elif kind == "end":
            contact_id, user_id = payload
            with session_scope(engine) as session:
                contact = contacts.get_contact(session, contact_id)
                contacts.end_contact(session, contact, actor="bench", at=now)
                service.contact_ended(session, contact_id, now=now, config=config)
            schedule(at + rng.uniform(10, 30), "wrapup", user_id)
        elif kind == "wrapup":
            (user_id,) = payload
            with session_scope(engine) as session:
                profile = session.get(LawyerProfile, user_id)
                if profile.state == "wrapup":
                    service.finish_wrapup(session, user_id, "已解答", now=now, config=config)
            route_at("dispatch", now)
        processed += 1
        if processed % 5000 == 0:
            print(f"  … {processed} events, {sum(offers_by.values())} offers, simulated {at / 3600:.1f} h",
                  file=sys.stderr)
    wall = time.perf_counter() - started

    # Baseline: the bare in-memory decision over the same number of lawyer states.
    states = [LawyerState(i, frozenset(rng.sample(skills, 3)), clock - timedelta(seconds=rng.uniform(0, 600)),
                          chats=rng.randint(0, 3), available=rng.random() > 0.2) for i in range(args.lawyers)]
    bare: list[float] = []
    for _ in range(20_000):
        request = ContactRequest(0, rng.choice(["call", "chat"]), rng.choice(skills))
        t0 = time.perf_counter()
        choose_lawyer(states, request, clock)
        bare.append(time.perf_counter() - t0)

    db = engine.dialect.name
    offers_made = sum(offers_by.values())
    print(f"routing benchmark: {args.contacts} contacts, {args.lawyers} lawyers, database {db}; "
          f"{processed} events in {wall:.1f} s wall")
    print(f"offers made: {offers_made} (answered {answered}); dispatch transactions: {len(decision_s['dispatch'])} "
          f"({offers_by['dispatch']} offers), tick transactions every {args.tick_every:g} s simulated: "
          f"{len(decision_s['tick'])} ({offers_by['tick']} offers)")
    every = decision_s["dispatch"] + decision_s["tick"]
    every_committed = committed_s["dispatch"] + committed_s["tick"]
    for label, samples, committed in (("dispatch", decision_s["dispatch"], committed_s["dispatch"]),
                                      ("tick", decision_s["tick"], committed_s["tick"]),
                                      ("all (dispatch + tick)", every, every_committed)):
        print(f"decision latency, {label}, one sample per call: {len(samples)} calls, "
              f"p50 {percentile_ms(samples, 50):.2f} ms, p99 {percentile_ms(samples, 99):.2f} ms, "
              f"max {percentile_ms(samples, 100):.2f} ms; with the durable commit "
              f"({db}{', synchronous=FULL' if db == 'sqlite' else ''}): p50 {percentile_ms(committed, 50):.2f} ms, "
              f"p99 {percentile_ms(committed, 99):.2f} ms")
    p50, p99 = percentile_ms(every, 50), percentile_ms(every, 99)
    c99 = percentile_ms(every_committed, 99)
    print(f"throughput: {len(every) / sum(every):,.0f} routing transactions/s and "
          f"{offers_made / sum(every):,.0f} offers/s of routing time (before commit); "
          f"{offers_made / sum(every_committed):,.0f} offers/s with the commit")
    b50, b99 = percentile_ms(bare, 50), percentile_ms(bare, 99)
    print(f"bare in-memory decision (baseline): {len(bare) / sum(bare):,.0f} decisions/s, "
          f"p50 {b50 * 1000:.1f} µs, p99 {b99 * 1000:.1f} µs")
    print(f"ratio database decision/bare: p50 {p50 / b50:.0f}x, p99 {p99 / b99:.0f}x")
    print(f"goal p99 <= 5 ms for the routing decision (every dispatch and tick): "
          f"{'met' if p99 <= 5 else 'NOT met'} ({p99:.2f} ms); with the commit: {c99:.2f} ms")

if __name__ == "__main__":
    main()
