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
