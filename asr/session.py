"""A media session: one leg of a call, from raw frames to recognition results.

    frames (index, payload) → FrameReorderer → PCM int16 → recognizer stream in the pool
                                                              → partial / final results

Independent of Twilio: the Twilio WebSocket view is one adapter (JSON, base64, `chunk`
numbers); a SIP media fork (RTP sequence numbers, μ-law or L16) can feed the same session.
Every call is cheap and non-blocking, safe on an event loop; the recognition itself runs in
the pool's worker processes.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from asr.audio import alaw_decode, ulaw_decode
from asr.frames import FrameReorderer
from asr.pool import RecognizerPool, StreamHandle
from asr.recognizer import Result

log = logging.getLogger("asr.session")

ENCODINGS = {"mulaw": 1, "alaw": 1, "pcm_s16le": 2}


class MediaError(ValueError):
    """Audio the session cannot take (the caller closes the stream and logs it)."""


class MediaSession:
    def __init__(self, pool: RecognizerPool, *, encoding: str = "mulaw", rate: int = 8000,
                 on_result: Callable[[Result], None], on_error: Callable[[str], None] | None = None,
                 on_closed: Callable[[], None] | None = None, frame_ms: int = 20, chunk_ms: int = 40,
                 reorder_window: int = 10, max_frame_bytes: int = 16000, first_index: int | None = None) -> None:
        if encoding not in ENCODINGS:
            raise MediaError(f"不支持的音频编码 {encoding!r} (supported: {', '.join(ENCODINGS)})")
        if not 4000 <= int(rate) <= 48000:
            raise MediaError(f"不支持的采样率 {rate} (4000-48000 Hz)")
        self.pool = pool
        self.encoding, self.rate = encoding, int(rate)
        self.width = ENCODINGS[encoding]
        self.on_result, self.on_error, self.on_closed = on_result, on_error, on_closed
        self.max_frame_bytes = max_frame_bytes
        silence = b"\xff" if encoding == "mulaw" else (b"\xd5" if encoding == "alaw" else b"\x00")
        self.frames = FrameReorderer(silence_byte=silence, window=reorder_window, sample_width=self.width,
                                     frame_bytes=self.rate * frame_ms // 1000 * self.width, first_index=first_index)
        self.chunk_samples = self.rate * chunk_ms // 1000
        self._pending: list[np.ndarray] = []
        self._pending_samples = 0
        self.samples = 0  # samples handed to the recognizer
        self.finals: list[Result] = []
        self.errors: list[str] = []
        self.closed = threading.Event()
        self.finished = False
        self.handle: StreamHandle = pool.open(self.rate, self._on_event)

    # -- audio in ---------------------------------------------------------------------------------
    def _decode(self, payload: bytes) -> np.ndarray:
        if self.encoding == "mulaw":
            return ulaw_decode(payload)
        if self.encoding == "alaw":
            return alaw_decode(payload)
        usable = len(payload) - len(payload) % 2
        return np.frombuffer(payload[:usable], dtype="<i2")

    def push(self, index: int, payload: bytes) -> None:
        """One media frame with its running index (any order; duplicates and gaps are handled)."""
        if self.finished:
            return
        if len(payload) > self.max_frame_bytes:
            raise MediaError(f"音频帧过大 ({len(payload)} bytes; limit {self.max_frame_bytes})")
        for ready in self.frames.push(int(index), payload):
            self._queue(self._decode(ready))

    def push_pcm(self, samples: np.ndarray) -> None:
        """Already ordered int16 samples (files, benchmarks)."""
        if not self.finished:
            self._queue(np.asarray(samples, dtype=np.int16))

    def _queue(self, samples: np.ndarray) -> None:
        self._pending.append(samples)
        self._pending_samples += samples.size
        if self._pending_samples >= self.chunk_samples:
            self._send()

    def _send(self) -> None:
        if not self._pending:
            return
        data = np.concatenate(self._pending)
        self._pending, self._pending_samples = [], 0
        self.samples += data.size
        self.pool.feed(self.handle, data)

    def finish(self) -> None:
        """End of the stream (stop, hang-up, dropped socket): what is held is flushed, the open
        utterance is decoded; `closed` is set once the last final has been delivered."""
        if self.finished:
            return
        for ready in self.frames.flush():
            self._queue(self._decode(ready))
        self._send()
        self.finished = True
        self.pool.finish(self.handle)

    def abort(self) -> None:
        self.finished = True
        self.pool.abort(self.handle)

    def wait_closed(self, timeout: float | None = None) -> bool:
        return self.closed.wait(timeout)

    @property
    def position_s(self) -> float:
        """Stream time handed to the recognizer so far."""
        return self.samples / self.rate

    def stats(self) -> dict[str, Any]:
        return {**self.frames.stats.as_dict(), "seconds": round(self.position_s, 3), "finals": len(self.finals),
                "encoding": self.encoding, "rate": self.rate}

    # -- results out (from the pool's reader thread) -----------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "result":
            result = event["result"]
            if result.is_final:
                self.finals.append(result)
            self.on_result(result)
        elif kind == "error":
            self.errors.append(event["message"])
            if self.on_error is not None:
                self.on_error(event["message"])
        elif kind == "closed":
            self.closed.set()
            if self.on_closed is not None:
                self.on_closed()
