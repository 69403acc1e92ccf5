"""The worker pool: real worker processes, the model loaded once each, streams bound to a
worker, queued when every slot is taken, and the back-pressure in `status()`."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from asr.pool import STATUS_KEYS, RecognizerPool
from asr.session import MediaError, MediaSession
from asr.settings import WHISPER_STREAM_OPTIONS
from asr.text import cer
from tests.asr.conftest import AUDIO, WHISPER_MODEL, transcripts


@pytest.fixture(scope="module")
def pool():  # noqa: ANN201
    statuses: list[dict] = []
    p = RecognizerPool("whisper", str(WHISPER_MODEL), WHISPER_STREAM_OPTIONS, workers=1, streams_per_worker=1,
                       on_status=statuses.append)
    p.statuses = statuses
    p.start()
    assert p.wait_ready(120), p.failures
    yield p
    p.close()


def ulaw_payload(name: str) -> bytes:
    data = (AUDIO / name).read_bytes()
    return data[data.index(b"data") + 8:]


def test_second_stream_waits_in_the_queue_then_is_recognised(pool) -> None:  # noqa: ANN001
    done = [threading.Event(), threading.Event()]
    sessions = []
    for i, name in enumerate(("utt_001_8k_ulaw.wav", "utt_007_8k_ulaw.wav")):
        sessions.append(MediaSession(pool, on_result=lambda r: None, on_closed=done[i].set, first_index=1))
    status = pool.status()
    assert set(STATUS_KEYS) <= set(status)
    assert (status["active_streams"], status["queued_streams"], status["busy_workers"]) == (1, 1, 1)
    for i, name in enumerate(("utt_001_8k_ulaw.wav", "utt_007_8k_ulaw.wav")):
        payload = ulaw_payload(name)
        for n, k in enumerate(range(0, len(payload), 160), start=1):
            sessions[i].push(n, payload[k:k + 160])
    assert pool.status()["backlog_seconds"] >= 5.0  # the queued stream's audio waits here
    for s in sessions:
        s.finish()
    assert done[0].wait(60) and done[1].wait(60)
    refs = transcripts()
    for s, name in zip(sessions, ("utt_001_8k_ulaw.wav", "utt_007_8k_ulaw.wav")):
        text = "".join(r.text for r in s.finals)
        assert cer(refs[name], text) <= 0.35, (name, text)
    assert any(st["queued_streams"] == 1 for st in pool.statuses)
    final = pool.status()
    assert (final["active_streams"], final["queued_streams"]) == (0, 0)


def test_frames_out_of_order_with_gaps_and_duplicates_still_recognised(pool) -> None:  # noqa: ANN001
    payload = ulaw_payload("utt_012_8k_ulaw.wav")
    frames = [payload[k:k + 160] for k in range(0, len(payload), 160)]
    order = list(range(len(frames)))
    rng = np.random.default_rng(3)
    for i in range(5, len(order) - 3, 7):  # local swaps
        j = i + int(rng.integers(1, 3))
        order[i], order[j] = order[j], order[i]
    lost = set(range(40, len(order), 97))  # ~1 % loss
    closed = threading.Event()
    s = MediaSession(pool, on_result=lambda r: None, on_closed=closed.set, first_index=1)
    for i in order:
        if i in lost:
            continue
        s.push(i + 1, frames[i])
        if i % 25 == 0:
            s.push(i + 1, frames[i])  # duplicate
    s.finish()
    assert closed.wait(60)
    stats = s.stats()
    assert stats["missing"] == len(lost) and stats["duplicates"] > 0 and stats["late"] == 0
    assert stats["seconds"] == pytest.approx(len(frames) * 0.02, abs=0.02)
    assert cer(transcripts()["utt_012_8k_ulaw.wav"], "".join(r.text for r in s.finals)) <= 0.35


def test_an_oversized_frame_is_refused_without_harming_the_stream(pool) -> None:  # noqa: ANN001
    closed = threading.Event()
    s = MediaSession(pool, on_result=lambda r: None, on_closed=closed.set)
    with pytest.raises(MediaError):
        s.push(1, b"\xff" * 100_000)
    s.finish()
    assert closed.wait(30) and s.finals == []


def test_a_crashed_worker_is_restarted_and_its_streams_continue(pool) -> None:  # noqa: ANN001
    closed = threading.Event()
    results = []
    s = MediaSession(pool, on_result=results.append, on_closed=closed.set, first_index=1)
    payload = ulaw_payload("utt_020_8k_ulaw.wav")
    worker = pool._workers[0]
    old_pid = worker.process.pid
    worker.process.kill()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (worker.ready and worker.process.pid != old_pid):
        time.sleep(0.1)
    assert worker.ready and worker.process.pid != old_pid
    for n, k in enumerate(range(0, len(payload), 160), start=1):
        s.push(n, payload[k:k + 160])
    s.finish()
    assert closed.wait(60)
    assert cer(transcripts()["utt_020_8k_ulaw.wav"], "".join(r.text for r in s.finals)) <= 0.35
