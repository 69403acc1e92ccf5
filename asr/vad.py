"""Voice activity detection on a live 16 kHz stream, and the segmenter that cuts speech into
utterances.

Two detectors with the same interface (`probs(windows)`: n × 512 samples in stream order → one
speech probability per window, state carried across calls):
- `SileroVad`: the Silero VAD v6 ONNX model that faster-whisper ships, run window by window
  with its LSTM state (faster-whisper itself only runs it over whole files).
- `EnergyVad`: level above an adaptive noise floor; no model, cruder.
benchmarks/asr.py measures both; Silero is the default (see docs/asr.md for the numbers).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

RATE = 16000
WINDOW = 512  # 32 ms at 16 kHz
CONTEXT = 64


@lru_cache(maxsize=1)
def _silero_session():  # noqa: ANN202
    import onnxruntime
    from faster_whisper.utils import get_assets_path

    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.enable_cpu_mem_arena = False
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(os.path.join(get_assets_path(), "silero_vad_v6.onnx"),
                                        providers=["CPUExecutionProvider"], sess_options=opts)


class SileroVad:
    name = "silero"

    def __init__(self) -> None:
        self.session = _silero_session()
        self.h = np.zeros((1, 1, 128), dtype=np.float32)
        self.c = np.zeros((1, 1, 128), dtype=np.float32)
        self.context = np.zeros(CONTEXT, dtype=np.float32)

    def probs(self, windows: np.ndarray) -> np.ndarray:
        """Speech probability of each row of `windows` (n × 512), in stream order."""
        if not len(windows):
            return np.zeros(0, dtype=np.float32)
        contexts = np.vstack([self.context[None, :], windows[:-1, -CONTEXT:]])
        batch = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1))
        self.context = windows[-1, -CONTEXT:].copy()
        out, self.h, self.c = self.session.run(None, {"input": batch, "h": self.h, "c": self.c})
        return np.asarray(out, dtype=np.float32).reshape(-1)


class EnergyVad:
    """Speech probability from the window level against a noise floor that falls fast and rises
    slowly (about 1.5 dB/s), so a steady background is learned and speech stands out."""

    name = "energy"

    def __init__(self, margin_db: float = 12.0, absolute_floor_db: float = -55.0) -> None:
        self.margin_db, self.absolute_floor_db = margin_db, absolute_floor_db
        self.floor = -60.0

    def probs(self, windows: np.ndarray) -> np.ndarray:
        out = np.zeros(len(windows), dtype=np.float32)
        for i, w in enumerate(windows):
            db = 10 * math.log10(float(np.mean(w * w)) + 1e-10)
            if db < self.floor:
                self.floor = 0.5 * self.floor + 0.5 * db
            else:
                self.floor += 0.05
            if db < self.absolute_floor_db:
                continue
            out[i] = 1.0 / (1.0 + math.exp(-(db - self.floor - self.margin_db) / 2.0))
        return out


def make_vad(name: str) -> SileroVad | EnergyVad:
    if name == "silero":
        return SileroVad()
    if name == "energy":
        return EnergyVad()
    raise ValueError(f"unknown VAD {name!r} (silero | energy)")


@dataclass
class SpeechSegment:
    """A stretch of speech with some padding; times in samples from the stream start."""

    index: int
    start: int  # first sample kept (padding included)
    audio: np.ndarray
    speech_start: int  # first window judged speech
    speech_end: int  # end of the last window judged speech
    closed: bool = False

    @property
    def end(self) -> int:
        return self.start + self.audio.size


@dataclass
class SegmenterConfig:
    threshold: float = 0.5
    neg_threshold: float = 0.35
    min_silence_ms: int = 800  # silence that ends an utterance (clauses pause 0.2-0.7 s; measured in docs/asr.md)
    speech_pad_ms: int = 200
    min_speech_ms: int = 250
    max_segment_s: float = 25.0


class Segmenter:
    """Feeds a VAD and cuts the stream into `SpeechSegment`s. Keeps only the open segment and a
    short pre-roll, so memory does not grow with the length of the call."""

    def __init__(self, vad: SileroVad | EnergyVad, config: SegmenterConfig | None = None) -> None:
        self.vad = vad
        self.cfg = config or SegmenterConfig()
        self.pad = int(RATE * self.cfg.speech_pad_ms / 1000)
        self.min_silence = int(RATE * self.cfg.min_silence_ms / 1000)
        self.min_speech = int(RATE * self.cfg.min_speech_ms / 1000)
        self.max_segment = int(RATE * self.cfg.max_segment_s)
        self.position = 0  # samples classified so far
        self._pending = np.zeros(0, dtype=np.float32)  # samples given to the VAD, window not complete
        self._pre = np.zeros(0, dtype=np.float32)
        self._chunks: list[np.ndarray] = []
        self._open: SpeechSegment | None = None
        self._silence = 0
        self._speech = 0
        self._count = 0

    @property
    def open_segment(self) -> SpeechSegment | None:
        if self._open is not None:
            self._open.audio = self._joined()
        return self._open

    @property
    def trailing_silence_ms(self) -> float:
        return self._silence * 1000 / RATE if self._open is not None else 0.0

    def tentative(self) -> SpeechSegment | None:
        """The open segment exactly as it will be cut if the silence now under way lasts until it
        closes (same audio, same times), or None while that is not yet known (less silence than
        the padding kept after speech, or too little speech to keep)."""
        seg = self._open
        if seg is None or self._silence < self.pad or self._speech < self.min_speech:
            return None
        audio = self._joined()
        cut = audio.size - (self._silence - self.pad)
        return SpeechSegment(seg.index, seg.start, audio[:cut], seg.speech_start, seg.speech_end, closed=True)

    def _joined(self) -> np.ndarray:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0] if self._chunks else np.zeros(0, dtype=np.float32)

    def accept(self, samples: np.ndarray) -> list[SpeechSegment]:
        """Classify new samples; returns the segments that closed."""
        buf = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        n = buf.size // WINDOW
        self._pending = buf[n * WINDOW:]
        windows = buf[:n * WINDOW].reshape(n, WINDOW)
        closed: list[SpeechSegment] = []
        for window, p in zip(windows, self.vad.probs(windows)):
            seg = self._window(window, float(p))
            if seg is not None:
                closed.append(seg)
        return closed

    def _window(self, window: np.ndarray, p: float) -> SpeechSegment | None:
        start = self.position
        self.position += WINDOW
        if self._open is None:
            if p >= self.cfg.threshold:
                pre = self._pre[-self.pad:] if self.pad else self._pre[:0]
                self._open = SpeechSegment(self._count, start - pre.size, np.zeros(0, np.float32), start, start + WINDOW)
                self._count += 1
                self._chunks = [pre, window]
                self._silence, self._speech = 0, WINDOW
                self._pre = np.zeros(0, dtype=np.float32)
            else:
                self._pre = np.concatenate([self._pre, window])[-(self.pad + WINDOW):]
            return None
        self._chunks.append(window)
        if p >= self.cfg.threshold:
            self._silence = 0
            self._speech += WINDOW
            self._open.speech_end = self.position
        elif p < self.cfg.neg_threshold or self._silence:
            self._silence += WINDOW
        seg_len = self.position - self._open.start
        if self._silence >= self.min_silence:
            return self._close(trailing=self._silence)
        if seg_len >= self.max_segment:
            return self._close(trailing=self._silence, forced=True)
        return None

    def _close(self, trailing: int, forced: bool = False) -> SpeechSegment | None:
        seg = self._open
        audio = self._joined()
        keep_tail = min(trailing, self.pad)
        cut = audio.size - (trailing - keep_tail)
        seg.audio = audio[:cut]
        seg.closed = True
        tail = audio[cut:]
        self._open, self._chunks = None, []
        speech = self._speech
        self._silence = self._speech = 0
        self._pre = tail[-(self.pad + WINDOW):] if tail.size else np.zeros(0, dtype=np.float32)
        if forced and trailing == 0:
            self._pre = audio[-self.pad:] if self.pad else self._pre  # the next segment starts with context
        if speech < self.min_speech:
            return None
        return seg

    def flush(self) -> list[SpeechSegment]:
        """End of stream: the open segment (if it holds enough speech) is closed as it is."""
        if self._pending.size:
            # the last partial window: classify it padded with zeros
            tail = self._pending
            self._pending = np.zeros(0, dtype=np.float32)
            padded = np.concatenate([tail, np.zeros(WINDOW - tail.size, np.float32)])
            p = float(self.vad.probs(padded[None, :])[0])
            seg = self._window(padded, p)
            if seg is not None:
                return [seg] + self.flush()
        if self._open is None:
            return []
        seg = self._close(trailing=self._silence)
        return [seg] if seg is not None else []
