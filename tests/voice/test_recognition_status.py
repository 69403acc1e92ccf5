"""The recognizer pool's state, as the dashboard gets it: the same dict on bus topic `asr` as
from GET /api/voice/status, published when it changes (workers ready, streams bound, queued)."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from hotline.events import bus
from hotline.voice.recognition import Recognition
from tests.conftest import make_settings
from tests.voice.twilio_sim import ulaw_payload

KEYS = {"engine", "workers", "busy_workers", "active_streams", "queued_streams", "max_streams_per_worker",
        "backlog_seconds"}


def test_pool_state_is_published_on_the_asr_topic(tmp_path) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, "sqlite://", asr_workers=1, asr_streams_per_worker=1)
    recognition = Recognition(settings)
    idle = recognition.status()
    assert KEYS <= set(idle) and idle["started"] is False and idle["workers"] == 1

    async def scenario() -> list[dict]:
        from asr.session import MediaSession

        seen: list[dict] = []
        async with bus.subscribe("asr") as sub:
            pool = recognition.pool()
            first = MediaSession(pool, on_result=lambda r: None)
            second = MediaSession(pool, on_result=lambda r: None)  # every slot taken: queued
            payload = ulaw_payload("utt_003_8k_ulaw.wav")
            for s in (first, second):
                for n, k in enumerate(range(0, len(payload), 160), start=1):
                    s.push(n, payload[k:k + 160])
                s.finish()
            while not (second.closed.is_set() and first.closed.is_set()):
                try:
                    seen.append(await sub.get(timeout=1))
                except asyncio.TimeoutError:
                    pass
            await asyncio.sleep(1.2)  # the idle state after the last stream
            while True:
                try:
                    seen.append(await sub.get(timeout=0.1))
                except asyncio.TimeoutError:
                    break
        return seen

    try:
        # a loop of its own in a thread: the session's Playwright browser keeps a loop running in this one
        with ThreadPoolExecutor(1) as pool_thread:
            seen = pool_thread.submit(asyncio.run, asyncio.wait_for(scenario(), 180)).result()
    finally:
        recognition.close()
    assert seen and all(e["type"] == "asr_status" and KEYS <= set(e) for e in seen)
    assert any(e["ready_workers"] == 1 for e in seen)
    assert any(e["queued_streams"] == 1 and e["active_streams"] == 1 for e in seen)
    assert any(e["backlog_seconds"] >= 3 for e in seen)
    assert seen[-1]["active_streams"] == 0 and seen[-1]["queued_streams"] == 0
    assert np.isfinite([e["backlog_seconds"] for e in seen]).all()
