"""The recognizer interface every engine implements.

An engine is loaded once per process (model in memory) and gives
- `transcribe(samples, rate)`: offline recognition of a whole recording → final `Result`s;
- `stream(rate)`: a `Stream` for live audio.

A `Stream` separates cheap work from heavy work so that one worker process can serve several
calls fairly: `accept(samples)` takes audio (voice activity detection, buffering; Vosk also
decodes here since Kaldi is streaming by nature), `step(partials=...)` does at most one unit of
heavy work (a final decode of a finished utterance first, else a partial re-decode when one is
due) and returns its results, `finish()` ends the stream and returns the remaining finals.

Times are seconds from the start of the stream (or file). Partial results are provisional text
of the utterance still being spoken; a final result replaces the partials of its `segment_id`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np


@dataclass
class Word:
    text: str
    start: float
    end: float
    confidence: float | None = None


@dataclass
class Result:
    kind: str  # "partial" | "final"
    segment_id: int
    text: str
    start: float
    end: float
    words: list[Word] = field(default_factory=list)
    confidence: float | None = None
    speech_end: float | None = None  # where the VAD saw speech stop (for latency measurements)
    decode_s: float = 0.0  # processing time of this result
    raw_text: str | None = None  # the engine's own text, set by the correction stage (None without it)

    @property
    def is_final(self) -> bool:
        return self.kind == "final"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Result":
        words = [Word(**w) for w in data.get("words", [])]
        return cls(**{**data, "words": words})


class Stream(Protocol):
    def accept(self, samples: np.ndarray) -> list[Result]: ...

    def has_final_work(self) -> bool: ...

    def partial_due(self) -> bool: ...

    def step(self, partials: bool = True) -> list[Result]: ...

    def finish(self) -> list[Result]: ...

    @property
    def processed_s(self) -> float: ...


class Engine(Protocol):
    name: str

    def transcribe(self, samples: np.ndarray, rate: int, words: bool = True) -> list[Result]: ...

    def stream(self, rate: int) -> Stream: ...

    def info(self) -> dict[str, Any]: ...


ENGINES = ("whisper", "vosk")


def load_engine(name: str, model: str | Path, **options: Any) -> Engine:
    """Load an engine with its model (slow: do it once per process)."""
    if name == "whisper":
        from asr.engine_whisper import WhisperEngine

        return WhisperEngine(model, **options)
    if name == "vosk":
        from asr.engine_vosk import VoskEngine

        return VoskEngine(model, **options)
    raise ValueError(f"unknown ASR engine {name!r} (choose {' | '.join(ENGINES)})")
