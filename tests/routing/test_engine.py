"""The pure routing decision: one round of `assign` makes exactly the choices that
`choose_lawyer` makes request by request (longest idle, ties in list order, one offer per
lawyer per round), over random lawyers and requests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from routing.engine import ContactRequest, LawyerState, assign, choose_lawyer

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
SKILLS = ["labour", "family", "other", "debt"]

lawyer_st = st.builds(
    lambda uid, skills, idle, chat_cap, call_cap, chats, calls, available, on_duty, penalty, pending, cantonese:
    LawyerState(uid, frozenset(skills), NOW - timedelta(seconds=idle), chat_cap, call_cap, chats, calls, available,
                on_duty, NOW + timedelta(seconds=penalty) if penalty else None, pending,
                frozenset({"普通话", "粤语"} if cantonese else {"普通话"})),
    st.integers(1, 10_000), st.sets(st.sampled_from(SKILLS), max_size=3), st.integers(0, 5),  # few idle values: ties
    st.integers(0, 3), st.integers(0, 1), st.integers(0, 3), st.integers(0, 1), st.booleans(), st.booleans(),
    st.sampled_from([0, 0, -5, 30]), st.booleans(), st.booleans())
request_st = st.builds(ContactRequest, st.integers(1, 10_000), st.sampled_from(["chat", "call"]),
                       st.sampled_from(SKILLS), st.booleans(), st.sampled_from(["普通话", "普通话", "粤语"]))


def position(lawyers: list[LawyerState], lawyer: LawyerState) -> int:
    return next(i for i, lw in enumerate(lawyers) if lw is lawyer)


def copies(lawyers: list[LawyerState]) -> list[LawyerState]:
    return [LawyerState(**vars(lw)) for lw in lawyers]


@settings(max_examples=300, deadline=None)
@given(st.lists(lawyer_st, max_size=12), st.lists(request_st, max_size=10))
def test_assign_makes_the_sequential_choices(lawyers: list[LawyerState], requests: list[ContactRequest]) -> None:
    expected = []
    sequential = copies(lawyers)
    for request in requests:
        chosen = choose_lawyer(sequential, request, NOW)
        if chosen is not None:
            chosen.pending_offer = True
            expected.append((request.contact_id, position(sequential, chosen)))
    batch = copies(lawyers)
    got = [(request.contact_id, position(batch, lw)) for request, lw in assign(batch, requests, NOW)]
    assert got == expected
    assert len({i for _, i in got}) == len(got)  # nobody offered twice in a round
