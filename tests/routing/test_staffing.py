"""Erlang C against the published worked example.

Source: Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
(callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls per half hour, AHT 180 s
(10 Erlangs), target 80 % answered within 20 s, shrinkage 30 %. The article's steps: with 11
agents the probability of waiting is 0.6821; 14 agents meet the target (service level 88.8 %,
13 give 79.6 %), and 14 / (1 - 0.30) rounds up to 20 agents to roster.
"""
import math

import pytest

from routing import staffing


def test_published_example() -> None:
    load = staffing.traffic(100, 1800, 180)
    assert load == pytest.approx(10.0)
    assert staffing.erlang_c(11, load) == pytest.approx(0.6821, abs=5e-5)
    assert staffing.service_level(13, load, 180, 20) == pytest.approx(0.7956, abs=5e-4)
    req = staffing.required(100, 180, staffing.Target(level=0.80, answer_s=20, shrinkage=0.30))
    assert req.agents == 14
    assert req.service_level == pytest.approx(0.8884, abs=5e-4)
    assert req.rostered == 20
    assert req.occupancy == pytest.approx(10 / 14)


def test_erlang_c_matches_factorial_form_and_scales() -> None:
    def textbook(n: int, a: float) -> float:
        top = a ** n / math.factorial(n) * n / (n - a)
        return top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)

    for n, a in [(2, 1.0), (5, 3.7), (20, 15.2), (40, 33.3)]:
        assert staffing.erlang_c(n, a) == pytest.approx(textbook(n, a), rel=1e-9)
    big = staffing.required(3000, 300, interval_s=1800)  # 500 Erlangs: no overflow
    assert 500 < big.agents < 540


def test_edges_and_occupancy_cap() -> None:
    assert staffing.required(0, 180).agents == 0
    assert staffing.erlang_c(10, 10.0) == 1.0 and staffing.service_level(10, 12.0, 180, 20) == 0.0
    capped = staffing.required(100, 180, staffing.Target(max_occupancy=0.65))
    assert capped.agents == 16 and capped.occupancy <= 0.65
    with pytest.raises(ValueError):
        staffing.Target(level=1.5)
    with pytest.raises(ValueError):
        staffing.Target(shrinkage=1.0)


def test_erlang_a_with_patience_equal_to_handle_time_is_poisson() -> None:
    """θ = μ makes every state's death rate n·μ: the number in system is Poisson(A), so the share
    abandoning is E[(X - N)+] / A in closed form."""
    for agents, load in [(3, 2.5), (14, 10.0), (30, 31.0)]:
        pmf = [math.exp(-load)]
        for k in range(1, 400):
            pmf.append(pmf[-1] * load / k)
        expected = sum(p * (k - agents) for k, p in enumerate(pmf) if k > agents) / load
        assert staffing.abandonment(agents, load, 180, 180) == pytest.approx(expected, rel=1e-9)


def test_abandonment_target_adds_agents_when_callers_are_impatient() -> None:
    load = 10.0
    shares = [staffing.abandonment(n, load, 180, 30) for n in range(8, 20)]
    assert all(a > b for a, b in zip(shares, shares[1:]))  # more agents, fewer hang up
    # a patient crowd: the 80/20 target alone decides (14), and few hang up
    patient = staffing.required(100, 180, staffing.Target(patience_s=600))
    assert patient.agents == 14 and patient.abandon < 0.05
    # an impatient crowd (mean patience 5 s) and a 1 % cap: the abandonment cap needs more agents
    strict = staffing.required(100, 180, staffing.Target(patience_s=5, max_abandon=0.01))
    assert strict.agents > 14 and strict.abandon <= 0.01
    assert staffing.abandonment(strict.agents - 1, load, 180, 5) > 0.01
    assert staffing.required(100, 180).abandon is None  # patience unknown: not checked


def test_patience_from_log() -> None:
    assert staffing.patience_from_log([10, 20, 30, 40], 2) == pytest.approx(50.0)
    assert staffing.patience_from_log([10, 20], 0) is None
    with pytest.raises(ValueError):
        staffing.Target(max_abandon=0)
