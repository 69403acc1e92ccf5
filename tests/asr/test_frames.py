"""Media frames back in order: gaps, duplicates, reordering (example and property tests)."""
from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from asr.frames import FrameReorderer


def frame(i: int) -> bytes:
    return bytes([i % 251]) * 160


def run(order: list[int], window: int = 10, first: int | None = 1) -> tuple[bytes, FrameReorderer]:
    r = FrameReorderer(window=window, first_index=first)
    out = b"".join(b for i in order for b in r.push(i, frame(i)))
    return out + b"".join(r.flush()), r


def test_in_order_passes_through() -> None:
    out, r = run(list(range(1, 101)))
    assert out == b"".join(frame(i) for i in range(1, 101))
    assert r.stats.as_dict() == {"received": 100, "released": 100, "duplicates": 0, "late": 0, "missing": 0,
                                 "reordered": 0}


def test_swaps_duplicates_and_a_gap() -> None:
    order = [1, 2, 4, 3, 5, 5, 6, 8, 9, 10, 3]  # 3/4 swapped, 5 twice, 7 lost, 3 again (late duplicate)
    out, r = run(order, window=3)
    expected = b"".join(frame(i) for i in (1, 2, 3, 4, 5, 6)) + b"\xff" * 160 + b"".join(frame(i) for i in (8, 9, 10))
    assert out == expected
    assert (r.stats.duplicates, r.stats.missing, r.stats.reordered) == (2, 1, 1)


def test_a_frame_arriving_after_its_slot_was_given_up_is_dropped() -> None:
    r = FrameReorderer(window=2, first_index=1)
    out = []
    for i in (1, 3, 4, 5):
        out += r.push(i, frame(i))
    assert b"".join(out) == frame(1) + b"\xff" * 160 + frame(3) + frame(4) + frame(5)
    assert r.push(2, frame(2)) == [] and r.stats.late == 1


def test_unknown_start_waits_for_a_window_then_begins_at_the_lowest() -> None:
    out, r = run([5, 3, 4, 6, 7, 8], window=3, first=None)
    assert out == b"".join(frame(i) for i in range(3, 9)) and r.stats.late == 0


def test_a_restarted_counter_is_not_a_ten_minute_gap() -> None:
    out, r = run([1, 2, 3, 100000, 100001])
    assert out == b"".join(frame(i) for i in (1, 2, 3, 100000, 100001)) and r.stats.missing == 0


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10**6), drop=st.floats(0, 0.2), dup=st.floats(0, 0.2))
def test_output_is_ordered_complete_and_the_right_length(n: int, seed: int, drop: float, dup: float) -> None:
    """Jitter of up to 3 frames (within the window): every frame that arrived comes out once, in
    order; lost frames become silence of one frame each; duplicates are counted and dropped."""
    rng = random.Random(seed)
    kept = [i for i in range(1, n + 1) if i == n or rng.random() >= drop]
    arrivals = kept + [i for i in kept if rng.random() < dup]
    arrivals.sort(key=lambda i: i + rng.uniform(-1.5, 1.5))
    out, r = run(arrivals, window=8)
    assert len(out) == 160 * n
    for i in range(1, n + 1):
        assert out[(i - 1) * 160:i * 160] == (frame(i) if i in kept else b"\xff" * 160)
    assert r.stats.late == 0 and r.stats.duplicates == len(arrivals) - len(set(arrivals))
    assert r.stats.missing == n - len(kept) and r.stats.released == len(kept)
