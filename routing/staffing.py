"""Staffing by Erlang C: how many lawyers a half hour needs for a service-level target.

Pure (no database, no FastAPI, no `hotline`). Erlang C models the queue as M/M/N: Poisson
arrivals, exponential handle times, no abandonment. The probability of waiting is computed
through the Erlang B recursion (B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)); C = N·B / (N - A·(1-B)))
which stays exact for hundreds of agents, where the textbook factorial form overflows.

Checked against the published worked example (tests/routing/test_staffing.py): 100 calls per
half hour, 180 s AHT, 80 % within 20 s → 14 agents (88.8 %), 20 with 30 % shrinkage.

Abandonment (the target's `max_abandon`, default 5 %) needs a model with impatient callers:
Erlang A (M/M/N+M, Palm; Garnett, Mandelbaum and Reiman 2002), callers leaving after an
exponential patience. `abandonment` solves its birth-death chain directly (death rate
min(n, N)·μ + max(n - N, 0)·θ). The service level stays Erlang C's, which is the cautious side:
callers who leave only shorten the others' waits. Patience comes from the log (`patience_from_log`:
abandons / total time waited, the censored-exponential estimate); with no abandons on record
there is nothing to estimate and the abandonment check is skipped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A service-level target: `level` of contacts answered within `answer_s` seconds, agents
    busy at most `max_occupancy` of their time, and `shrinkage` of paid time lost to breaks,
    training and meetings (rostered = needed / (1 - shrinkage))."""

    level: float = 0.80
    answer_s: float = 20.0
    max_occupancy: float = 1.0
    shrinkage: float = 0.0
    max_abandon: float = 0.05
    patience_s: float | None = None  # mean caller patience; None: unknown, abandonment not checked

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError(f"level must be between 0 and 1, not {self.level!r}")
        if self.answer_s < 0:
            raise ValueError(f"answer_s must not be negative, not {self.answer_s!r}")
        if not 0 < self.max_occupancy <= 1:
            raise ValueError(f"max_occupancy must be in (0, 1], not {self.max_occupancy!r}")
        if not 0 <= self.shrinkage < 1:
            raise ValueError(f"shrinkage must be in [0, 1), not {self.shrinkage!r}")
        if not 0 < self.max_abandon < 1:
            raise ValueError(f"max_abandon must be between 0 and 1, not {self.max_abandon!r}")
        if self.patience_s is not None and not self.patience_s > 0:
            raise ValueError(f"patience_s must be positive, not {self.patience_s!r}")


def traffic(arrivals: float, interval_s: float, aht_s: float) -> float:
    """Offered load in Erlangs: arrivals per interval × handle time / interval length."""
    if arrivals < 0 or interval_s <= 0 or aht_s < 0:
        raise ValueError("arrivals and aht_s must be >= 0 and interval_s > 0")
    return arrivals * aht_s / interval_s


def erlang_c(agents: int, load: float) -> float:
    """Probability that a contact has to wait (1.0 when the agents cannot carry the load)."""
    if agents <= 0 or load >= agents:
        return 1.0
    if load <= 0:
        return 0.0
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return agents * b / (agents - load * (1 - b))


def service_level(agents: int, load: float, aht_s: float, answer_s: float) -> float:
    """Share of contacts answered within `answer_s`: 1 - C·exp(-(N - A)·t / AHT)."""
    if agents <= load:
        return 0.0
    if aht_s <= 0:
        return 1.0
    return 1.0 - erlang_c(agents, load) * math.exp(-(agents - load) * answer_s / aht_s)


def asa(agents: int, load: float, aht_s: float) -> float:
    """Average speed of answer in seconds: C·AHT / (N - A)."""
    if agents <= load:
        return math.inf
    return erlang_c(agents, load) * aht_s / (agents - load)


def abandonment(agents: int, load: float, aht_s: float, patience_s: float) -> float:
    """Share of callers who hang up before an answer, by Erlang A (exact chain, log space)."""
    if load <= 0:
        return 0.0
    if agents <= 0:
        return 1.0
    mu, theta = 1.0 / aht_s, 1.0 / patience_s
    lam = load * mu
    log_p, logs = 0.0, [0.0]
    n = 0
    while True:
        n += 1
        death = min(n, agents) * mu + max(n - agents, 0) * theta
        log_p += math.log(lam / death)
        logs.append(log_p)
        if n > agents and n > load and log_p - max(logs) < -40:
            break
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    queued = sum(w * (k - agents) for k, w in enumerate(weights) if k > agents)
    return queued * theta / (lam * sum(weights))


def patience_from_log(waits_s: list[float], abandons: int) -> float | None:
    """Mean patience from the log: every wait (answered or abandoned) is time at risk, so the
    exponential rate is abandons / total waiting time. None when nobody has hung up yet."""
    total = sum(w for w in waits_s if w > 0)
    if abandons <= 0 or total <= 0:
        return None
    return total / abandons


@dataclass(frozen=True)
class Requirement:
    load: float  # Erlangs
    agents: int  # on the phones, by Erlang C (and the occupancy cap)
    rostered: int  # agents / (1 - shrinkage), rounded up
    service_level: float
    asa_s: float
    occupancy: float
    abandon: float | None = None  # Erlang A share abandoning, when the patience is known


def _abandon(agents: int, load: float, aht_s: float, target: Target) -> float | None:
    if target.patience_s is None or aht_s <= 0:
        return None
    return abandonment(agents, load, aht_s, target.patience_s)


def required(arrivals: float, aht_s: float, target: Target = Target(), interval_s: float = 1800.0,
             limit: int = 10_000) -> Requirement:
    """The fewest agents meeting the target for `arrivals` contacts per `interval_s`."""
    load = traffic(arrivals, interval_s, aht_s)
    if load == 0:
        return Requirement(0.0, 0, 0, 1.0, 0.0, 0.0)
    agents = max(1, math.floor(load) + 1)
    while agents < limit and (service_level(agents, load, aht_s, target.answer_s) < target.level
                              or load / agents > target.max_occupancy
                              or (_abandon(agents, load, aht_s, target) or 0.0) > target.max_abandon):
        agents += 1
    rostered = math.ceil(agents / (1 - target.shrinkage) - 1e-9)
    return Requirement(load, agents, rostered, service_level(agents, load, aht_s, target.answer_s),
                       asa(agents, load, aht_s), load / agents, _abandon(agents, load, aht_s, target))
