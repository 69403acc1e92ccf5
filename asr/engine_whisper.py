"""Whisper through faster-whisper (CTranslate2), made to stream.

Whisper decodes whole windows, so live recognition is built around it:
- a VAD (`asr.vad`, Silero by default) cuts the stream into utterances;
- while an utterance is open, a cheap partial re-decode (greedy, no word timings) runs about
  once per second of new audio (`partial_interval_s`), only when the worker has nothing more
  urgent to do;
- when the VAD closes the utterance, the final decode runs with the offline settings (beam 5,
  the same prompt, temperature fallback on repetitive or improbable output), with word timings
  from cross-attention alignment, and the text is converted to simplified characters (OpenCC).

faster-whisper's own `transcribe()` pads every input to a 30 s window (its `pad_or_trim` is
fixed at 3000 frames), and the encoder's cost follows the window: 30 s costs about 8× a 10 s
window. The stream therefore calls CTranslate2 directly (encode → generate → align) with a
window of `window_s` seconds (longer utterances get a longer window, up to 30 s). The offline
`transcribe()` is the bare engine, unchanged. benchmarks/asr.py compares the two.
"""
from __future__ import annotations

import logging
import math
import time
import zlib
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from asr.audio import StreamResampler, resample
from asr.recognizer import Result, Word
from asr.text import to_simplified
from asr.vad import RATE, Segmenter, SegmenterConfig, SpeechSegment, make_vad

log = logging.getLogger("asr.whisper")

PROMPT = "以下是普通话的句子。"  # keeps Whisper in simplified Mandarin (shared/README)
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
MAX_FRAMES = 3000  # Whisper's encoder holds 30 s


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(len(zlib.compress(data)), 1)


class WhisperEngine:
    name = "whisper"
    rate = RATE

    def __init__(self, model: str | Path, *, cpu_threads: int = 2, compute_type: str = "int8", beam_size: int = 5,
                 partial_beam_size: int = 1, window_s: float = 10.0, partial_interval_s: float = 1.0,
                 vad: str = "silero", segmenter: dict[str, Any] | None = None, hints: list[str] | None = None,
                 word_timestamps: bool = True, temperatures: tuple[float, ...] = FALLBACK_TEMPERATURES,
                 timestamps: bool = True, max_tokens_per_s: float = 12.0, context_chars: int = 0,
                 context_audio_s: float = 8.0, speculate_ms: float = 300.0) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        path = Path(model)
        if not (path / "model.bin").exists():
            raise FileNotFoundError(f"no Whisper CTranslate2 model in {path} (expected model.bin)")
        started = time.perf_counter()
        self.model = WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads)
        self.load_s = time.perf_counter() - started
        self.model_path = path
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe",
                                   language="zh")
        self.suppress = list(get_suppressed_tokens(self.tokenizer, [-1]))
        self.beam_size, self.partial_beam_size = beam_size, partial_beam_size
        self.window_frames = int(min(max(window_s, 1.0) * 100, MAX_FRAMES))
        self.partial_interval_s = partial_interval_s
        self.vad_name = vad
        self.segmenter_config = SegmenterConfig(**(segmenter or {}))
        self.hints = list(hints or [])
        self.hotwords = "、".join(self.hints) if self.hints else None
        self.word_timestamps = word_timestamps
        self.temperatures = tuple(temperatures) or (0.0,)
        self.timestamps = timestamps
        self.max_tokens_per_s = max_tokens_per_s
        self.context_chars = context_chars
        self.context_audio_s = context_audio_s
        self.speculate_ms = speculate_ms
        self.prompts = {ts: self._prompt(ts, "") for ts in (True, False)}
        make_vad(vad)  # load the VAD model now, not in the first call

    def info(self) -> dict[str, Any]:
        return {"engine": self.name, "model": str(self.model_path), "window_s": self.window_frames / 100,
                "beam_size": self.beam_size, "vad": self.vad_name, "hints": len(self.hints),
                "load_s": round(self.load_s, 2)}

    def _prompt(self, timestamps: bool, context: str, prefix: str = "") -> list[int]:
        tokens = self.tokenizer.encode(" " + PROMPT + context)
        return self.model.get_prompt(self.tokenizer, tokens, without_timestamps=not timestamps, hotwords=self.hotwords,
                                     prefix=prefix or None)

    # -- streaming decode: CTranslate2 directly -----------------------------------------------------
    def _generate(self, encoder_output: Any, prompt: list[int], *, final: bool, max_new: int) -> tuple[list[int], float, float]:
        """Decode one window: (text tokens, average log-probability, no-speech probability).
        Finals fall back to sampling at rising temperatures when the output is repetitive
        (compression ratio > 2.4) or improbable (avg log-prob < -1), as Whisper does offline."""
        tok = self.tokenizer
        temperatures = self.temperatures if final else (0.0,)
        max_length = min(len(prompt) + max_new, self.model.max_length)
        candidates = []
        for temperature in temperatures:
            if temperature > 0:
                kwargs: dict[str, Any] = dict(beam_size=1, num_hypotheses=5, sampling_topk=0,
                                              sampling_temperature=temperature)
            else:
                kwargs = dict(beam_size=self.beam_size if final else self.partial_beam_size, patience=1)
            result = self.model.model.generate(encoder_output, [prompt], length_penalty=1, max_length=max_length,
                                               return_scores=True, return_no_speech_prob=True, suppress_blank=True,
                                               suppress_tokens=self.suppress, max_initial_timestamp_index=50,
                                               **kwargs)[0]
            tokens = result.sequences_ids[0]
            avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
            text_tokens = [t for t in tokens if t < tok.eot]
            text = tok.decode(text_tokens).strip()
            ratio = _compression_ratio(text)
            candidates.append((ratio, avg_logprob, text_tokens, result.no_speech_prob))
            if result.no_speech_prob > 0.6 and avg_logprob < -1.0:
                break  # silence: no point sampling
            if ratio <= 2.4 and avg_logprob >= -1.0:
                break
        good = [c for c in candidates if c[0] <= 2.4] or candidates
        ratio, avg_logprob, text_tokens, no_speech = max(good, key=lambda c: c[1]) if len(candidates) > 1 else candidates[0]
        return text_tokens, avg_logprob, no_speech

    def decode_audio(self, audio: np.ndarray, *, final: bool, offset: float = 0.0,
                     context: str = "", prefix_audio: np.ndarray | None = None,
                     prefix_text: str = "") -> tuple[str, list[Word], float | None]:
        from faster_whisper.transcribe import get_ctranslate2_storage

        if prefix_audio is not None and prefix_audio.size and prefix_text:
            audio = np.concatenate([prefix_audio, audio])
            offset -= prefix_audio.size / RATE
        else:
            prefix_text = ""
        features = self.model.feature_extractor(audio, chunk_length=30)
        frames = min(features.shape[-1] - 1, MAX_FRAMES)
        if frames <= 0:
            return "", [], None
        window = min(max(self.window_frames, int(math.ceil((frames + 100) / 100.0)) * 100), MAX_FRAMES)
        x = np.zeros((features.shape[0], window), dtype=np.float32)
        x[:, :frames] = features[:, :frames]
        encoder_output = self.model.model.encode(get_ctranslate2_storage(np.ascontiguousarray(x[None])), to_cpu=False)
        use_ts = self.timestamps and final and not prefix_text  # after a forced prefix, timestamp mode tends to stop
        max_new = int(10 + self.max_tokens_per_s * frames / 100)
        prompt = self._prompt(use_ts, context, prefix_text) if (context or prefix_text) else self.prompts[use_ts]
        tokens, avg_logprob, no_speech = self._generate(encoder_output, prompt, final=final, max_new=max_new)
        prefix_tokens = self.tokenizer.encode(" " + prefix_text.strip()) if prefix_text else []
        if prefix_tokens and tokens[:len(prefix_tokens)] == prefix_tokens:
            tokens = tokens[len(prefix_tokens):]  # CTranslate2 returns the forced prefix too
        if not tokens or (no_speech > 0.6 and avg_logprob < -1.0):
            return "", [], None
        text = to_simplified(self.tokenizer.decode(tokens).strip())
        words: list[Word] = []
        if final and self.word_timestamps:
            aligned = self.model.find_alignment(self.tokenizer, [prefix_tokens + tokens], encoder_output, frames)[0]
            skip, count = 0, 0
            for i, w in enumerate(aligned):  # drop the words of the prefix (already in an earlier result)
                if count >= len(prefix_tokens):
                    break
                count += len(w["tokens"])
                skip = i + 1
            for w in aligned[skip:]:
                token = to_simplified(w["word"].strip())
                if token:
                    words.append(Word(token, round(float(w["start"]) + offset, 3), round(float(w["end"]) + offset, 3),
                                      round(float(w["probability"]), 4)))
        confidence = float(np.mean([w.confidence for w in words])) if words else float(math.exp(avg_logprob))
        return text, words, round(confidence, 4)

    def decode_segment(self, seg: SpeechSegment, *, final: bool, context: str = "",
                       prefix_audio: np.ndarray | None = None, prefix_text: str = "") -> Result:
        started = time.perf_counter()
        text, words, confidence = self.decode_audio(seg.audio, final=final, offset=seg.start / RATE, context=context,
                                                    prefix_audio=prefix_audio, prefix_text=prefix_text)
        return Result(kind="final" if final else "partial", segment_id=seg.index, text=text,
                      start=round(seg.speech_start / RATE, 3), end=round(seg.end / RATE, 3), words=words,
                      confidence=confidence, speech_end=round(seg.speech_end / RATE, 3),
                      decode_s=round(time.perf_counter() - started, 4))

    # -- offline: the bare engine ------------------------------------------------------------------
    def transcribe(self, samples: np.ndarray, rate: int, words: bool = True) -> list[Result]:
        """The bare engine, offline: the whole recording through faster-whisper's own pipeline with
        the settings of shared/README (beam 5, Silero VAD filter, 30 s windows, no hints)."""
        audio = resample(samples, rate, RATE)
        started = time.perf_counter()
        segments, _ = self.model.transcribe(audio, language="zh", initial_prompt=PROMPT, beam_size=5,
                                            vad_filter=True, condition_on_previous_text=False,
                                            word_timestamps=words, chunk_length=30)
        results = []
        for i, s in enumerate(segments):
            seg_words = [Word(to_simplified(w.word.strip()), round(w.start, 3), round(w.end, 3),
                              round(float(w.probability), 4)) for w in (s.words or []) if w.word.strip()]
            results.append(Result(kind="final", segment_id=i, text=to_simplified(s.text.strip()),
                                  start=round(s.start, 3), end=round(s.end, 3), words=seg_words,
                                  confidence=round(float(math.exp(s.avg_logprob)), 4), speech_end=round(s.end, 3)))
        if results:
            results[-1].decode_s = round(time.perf_counter() - started, 4)
        return results

    def stream(self, rate: int) -> "WhisperStream":
        return WhisperStream(self, rate)


class WhisperStream:
    def __init__(self, engine: WhisperEngine, rate: int) -> None:
        self.engine = engine
        self.rate = rate
        self.resampler = StreamResampler(rate, RATE)
        self.segmenter = Segmenter(make_vad(engine.vad_name), engine.segmenter_config)
        self.finals: deque[SpeechSegment] = deque()
        self.samples_in = 0
        self._partial_seg = -1
        self._partial_at = 0  # segment length (samples) at its last partial decode
        self._last_partial = ""
        self.context = ""  # the stream's latest final text, as decoder context
        self.history: list[tuple[np.ndarray, str]] = []  # earlier utterances (audio, final text) as context
        self._speculative: tuple[tuple[int, int, int], Result] | None = None
        self.speculations = {"used": 0, "wasted": 0}
        self.finished = False

    @property
    def processed_s(self) -> float:
        return self.samples_in / self.rate

    def accept(self, samples: np.ndarray) -> list[Result]:
        self.samples_in += len(samples)
        self.finals.extend(self.segmenter.accept(self.resampler(samples)))
        return []

    def has_final_work(self) -> bool:
        return bool(self.finals) or self._speculation_due() is not None

    @staticmethod
    def _key(seg: SpeechSegment) -> tuple[int, int, int]:
        return seg.index, seg.speech_end, seg.audio.size

    def _speculation_due(self) -> SpeechSegment | None:
        """Speech has paused for `speculate_ms`: decode the utterance now, as it will be if the
        pause turns out to be its end (the final is then ready when the VAD closes it)."""
        if self.finals or self.engine.speculate_ms <= 0 or self.segmenter.trailing_silence_ms < self.engine.speculate_ms:
            return None
        seg = self.segmenter.tentative()
        if seg is None or (self._speculative is not None and self._speculative[0] == self._key(seg)):
            return None
        return seg

    def partial_due(self) -> bool:
        seg = self.segmenter._open
        if seg is None or self.engine.partial_interval_s <= 0:
            return False
        grown = self.segmenter.position - seg.start - (self._partial_at if seg.index == self._partial_seg else 0)
        return grown >= self.engine.partial_interval_s * RATE

    def _decode_final(self, seg: SpeechSegment) -> Result:
        prefix_audio = np.concatenate([a for a, _ in self.history]) if self.history else None
        prefix_text = "".join(t for _, t in self.history)
        return self.engine.decode_segment(seg, final=True, context=self.context, prefix_audio=prefix_audio,
                                          prefix_text=prefix_text)

    def _final(self, seg: SpeechSegment) -> Result:
        spec, self._speculative = self._speculative, None
        if spec is not None and spec[0] == self._key(seg):
            result = spec[1]
            self.speculations["used"] += 1
        else:
            if spec is not None:
                self.speculations["wasted"] += 1
            result = self._decode_final(seg)
        if self.engine.context_chars and result.text:
            self.context = (self.context + result.text)[-self.engine.context_chars:]
        if self.engine.context_audio_s > 0 and result.text:
            # the latest utterances, whole, up to context_audio_s seconds: audio and text as a prefix
            self.history.append((seg.audio, result.text))
            limit = self.engine.context_audio_s * RATE
            while self.history and sum(a.size for a, _ in self.history) > limit:
                self.history.pop(0)
        return result

    def step(self, partials: bool = True) -> list[Result]:
        if self.finals:
            return [self._final(self.finals.popleft())]
        tentative = self._speculation_due()
        if tentative is not None:
            if self._speculative is not None:
                self.speculations["wasted"] += 1
            self._speculative = (self._key(tentative), self._decode_final(tentative))
            return []
        if partials:
            return self.partial()
        return []

    def partial(self) -> list[Result]:
        """The cheap re-decode of the utterance still being spoken, if it has grown enough since
        the last one (the worker also calls this ahead of finals when a stream's partials have
        been starved too long); [] when due not or when the text did not change."""
        if not self.partial_due():
            return []
        seg = self.segmenter.open_segment
        self._partial_seg, self._partial_at = seg.index, seg.audio.size
        result = self.engine.decode_segment(seg, final=False, context=self.context)
        if result.text and result.text != self._last_partial:
            self._last_partial = result.text
            return [result]
        return []

    def finish(self) -> list[Result]:
        if not self.finished:
            self.finished = True
            self.finals.extend(self.segmenter.accept(self.resampler(np.zeros(0, np.float32), last=True)))
            self.finals.extend(self.segmenter.flush())
        out = []
        while self.finals:
            out.append(self._final(self.finals.popleft()))
        return out
