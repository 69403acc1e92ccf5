"""The recognizer worker process: loads the engine once, then serves several live streams.

Messages in (tuples on the worker's inbox):
  ("open", sid, rate)   ("audio", sid, int16 bytes)   ("finish", sid)   ("abort", sid)   ("stop",)
Messages out (on the pool's shared outbox):
  ("ready", idx, info) | ("failed", idx, message)
  ("results", idx, sid, [result dicts])
  ("progress", idx, {sid: (seconds taken in, seconds of speech waiting for a final)})
  ("closed", idx, sid) | ("error", idx, sid, message)

Scheduling inside the worker: audio is taken in as soon as it arrives (cheap: resampling and
VAD; Vosk decodes here), then one unit of heavy work runs at a time: finished utterances
first, oldest stream first; partial re-decodes when no final is waiting, the stream whose
last partial is oldest first. So finals keep their latency under load and partials thin out
gracefully - but never to nothing: a stream whose open utterance has had no partial for
`PARTIAL_MAX_GAP_S` gets one turn ahead of the finals (a greedy decode, a fraction of a
final's cost), so the console's live line keeps moving on a busy recogniser.
"""
from __future__ import annotations

import logging
import os
import queue
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

log = logging.getLogger("asr.worker")

PROGRESS_EVERY_S = 0.5
PARTIAL_MAX_GAP_S = 3.0  # a speaking stream's partials may wait behind finals at most this long


class _Live:
    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.finishing = False
        self.last_partial = 0.0
        self.opened = time.monotonic()


def _pending_speech_s(stream: Any) -> float:
    finals = getattr(stream, "finals", None)
    if not finals:
        return 0.0
    return sum(seg.audio.size for seg in finals) / 16000.0


def configure_logging(index: int, log_setup: Callable[[], None] | None = None) -> None:
    """A spawned worker starts with no logging set up: its lines go to the server's stderr, then
    `log_setup` runs (the app passes `hotline.privacy.install_log_redaction`, so personal data is
    redacted as in the server's own lines; asr itself imports nothing of the app)."""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s asr-worker-{index} %(levelname)s %(message)s")
    if log_setup is not None:
        log_setup()


def run(index: int, engine_name: str, model: str, options: dict[str, Any], inbox: Any, outbox: Any,
        log_setup: Callable[[], None] | None = None) -> None:
    """Entry point of a worker process (spawned)."""
    configure_logging(index, log_setup)
    os.environ.setdefault("OMP_NUM_THREADS", str(options.get("cpu_threads", 1)))
    options = dict(options)
    correction = options.pop("correction", None)  # data directory of the correction stage (asr.correct)
    try:
        from asr.recognizer import load_engine

        engine = load_engine(engine_name, model, **options)
    except Exception as exc:  # noqa: BLE001 - reported to the pool, which logs it
        outbox.put(("failed", index, f"{type(exc).__name__}: {exc}"))
        return
    corrector = None
    if correction:
        try:
            from asr.correct import load_corrector

            corrector = load_corrector(correction)
        except Exception as exc:  # noqa: BLE001 - recognition goes on uncorrected
            log.error("correction stage unavailable (%s): %s", correction, exc)
    outbox.put(("ready", index, engine.info()))
    streams: dict[str, _Live] = {}
    last_progress = 0.0

    def send_results(sid: str, results: list[Any]) -> None:
        if results:
            if corrector is not None:
                from asr.correct import correct_result

                results = [correct_result(corrector, r) for r in results]
            outbox.put(("results", index, sid, [r.as_dict() for r in results]))

    def handle(msg: tuple) -> bool:
        kind = msg[0]
        if kind == "stop":
            return False
        sid = msg[1]
        try:
            if kind == "open":
                streams[sid] = _Live(engine.stream(int(msg[2])))
            elif kind == "audio":
                live = streams.get(sid)
                if live is not None and not live.finishing:
                    samples = np.frombuffer(msg[2], dtype=np.int16).astype(np.float32) / 32768.0
                    send_results(sid, live.stream.accept(samples))
            elif kind == "finish":
                live = streams.get(sid)
                if live is not None:
                    live.finishing = True
            elif kind == "abort":
                if streams.pop(sid, None) is not None:
                    outbox.put(("closed", index, sid))
        except Exception as exc:  # noqa: BLE001 - one broken stream must not take the worker down
            log.error("stream %s: %s\n%s", sid, exc, traceback.format_exc())
            streams.pop(sid, None)
            outbox.put(("error", index, sid, f"{type(exc).__name__}: {exc}"))
            outbox.put(("closed", index, sid))
        return True

    current: list[str] = []

    def work() -> bool:
        """One unit of heavy work; False when there was nothing to do."""
        current.clear()
        finishing = [sid for sid, live in streams.items() if live.finishing]
        finals = [sid for sid, live in streams.items() if not live.finishing and live.stream.has_final_work()]
        if finals:
            now = time.monotonic()
            starved = [sid for sid, live in streams.items()
                       if not live.finishing and hasattr(live.stream, "partial") and live.stream.partial_due()
                       and now - live.last_partial >= PARTIAL_MAX_GAP_S]
            if starved:  # one partial turn ahead of the finals (see the module's docstring)
                sid = min(starved, key=lambda s: streams[s].last_partial)
                streams[sid].last_partial = now
                current.append(sid)
                send_results(sid, streams[sid].stream.partial())
                return True
            # closed utterances before speculative decodes of paused ones, then the oldest stream
            sid = min(finals, key=lambda s: (0 if getattr(streams[s].stream, "finals", None) else 1, streams[s].opened))
            current.append(sid)
            send_results(sid, streams[sid].stream.step(partials=False))
            return True
        if finishing:
            sid = finishing[0]
            current.append(sid)
            live = streams.pop(sid)
            send_results(sid, live.stream.finish())
            outbox.put(("closed", index, sid))
            return True
        due = [sid for sid, live in streams.items() if live.stream.partial_due()]
        if due:
            sid = min(due, key=lambda s: streams[s].last_partial)
            streams[sid].last_partial = time.monotonic()
            current.append(sid)
            send_results(sid, streams[sid].stream.step(partials=True))
            return True
        return False

    running = True
    busy = False
    while running:
        try:
            msg = inbox.get_nowait() if busy else inbox.get(timeout=PROGRESS_EVERY_S)
        except queue.Empty:
            msg = None
        if msg is not None:
            running = handle(msg)
            # take in everything that is waiting before deciding what to do next
            for _ in range(1000):
                try:
                    msg = inbox.get_nowait()
                except queue.Empty:
                    break
                running = handle(msg) and running
        if not running:
            break
        try:
            busy = work()
        except Exception as exc:  # noqa: BLE001 - drop the stream whose decode failed, keep serving
            log.error("decode failed: %s\n%s", exc, traceback.format_exc())
            busy = True
            for sid in current:
                streams.pop(sid, None)
                outbox.put(("error", index, sid, f"{type(exc).__name__}: {exc}"))
                outbox.put(("closed", index, sid))
        now = time.monotonic()
        if now - last_progress >= PROGRESS_EVERY_S:
            last_progress = now
            outbox.put(("progress", index, {sid: (live.stream.processed_s, _pending_speech_s(live.stream))
                                            for sid, live in streams.items()}))
