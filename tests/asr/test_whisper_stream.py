"""The streaming Whisper path on real speech: VAD segments, partials, finals with word timings."""
from __future__ import annotations

import json

import numpy as np

from asr.audio import read_wav
from asr.text import cer, to_simplified
from asr.vad import RATE, Segmenter, SegmenterConfig, make_vad
from tests.asr.conftest import AUDIO, transcripts


def feed(stream, samples: np.ndarray, step: int) -> list:  # noqa: ANN001
    """Audio in 20 ms pieces, doing the heavy work as a worker would (finals first)."""
    out = []
    for i in range(0, samples.size, step):
        stream.accept(samples[i:i + step])
        while stream.has_final_work() or stream.partial_due():
            out += stream.step()
    return out + stream.finish()


def test_vad_finds_the_utterances_of_a_call() -> None:
    call = json.loads((AUDIO / "call_03.json").read_text(encoding="utf-8"))
    info, x = read_wav(AUDIO / call["file"])
    from asr.audio import resample

    audio = resample(x, info.sample_rate, RATE)
    seg = Segmenter(make_vad("silero"), SegmenterConfig(min_silence_ms=800))
    found = []
    for i in range(0, audio.size, 320):
        found += seg.accept(audio[i:i + 320])
    found += seg.flush()
    assert len(found) == len(call["segments"])
    for got, ref in zip(found, call["segments"]):
        assert abs(got.speech_start / RATE - ref["start"]) < 0.5
        assert abs(got.speech_end / RATE - ref["end"]) < 0.5


def test_a_phone_utterance_streams_to_partials_and_a_final(whisper_engine) -> None:  # noqa: ANN001
    info, x = read_wav(AUDIO / "utt_004_8k_ulaw.wav")
    results = feed(whisper_engine.stream(info.sample_rate), x, 160)
    partials = [r for r in results if r.kind == "partial"]
    finals = [r for r in results if r.is_final]
    assert partials, "partial results while the caller speaks"
    assert partials[0].end < finals[0].end
    text = "".join(r.text for r in finals)
    assert cer(transcripts()["utt_004_8k_ulaw.wav"], text) <= 0.35, text  # a hard one: offline gets ~0.2
    assert text == to_simplified(text)
    words = [w for r in finals for w in r.words]
    assert len(words) >= 10
    assert all(0 <= w.start <= w.end <= info.duration + 0.1 for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert all(0 < (w.confidence or 0) <= 1 for w in words)


def test_the_stream_equals_offline_quality_on_a_clean_utterance(whisper_engine) -> None:  # noqa: ANN001
    info, x = read_wav(AUDIO / "utt_010_16k.wav")
    ref = transcripts()["utt_010_16k.wav"]
    streamed = "".join(r.text for r in feed(whisper_engine.stream(info.sample_rate), x, 320) if r.is_final)
    offline = "".join(r.text for r in whisper_engine.transcribe(x, info.sample_rate, words=False))
    assert cer(ref, streamed) <= cer(ref, offline) + 0.1, (streamed, offline)


def test_silence_and_noise_give_no_text(whisper_engine) -> None:  # noqa: ANN001
    rng = np.random.default_rng(1)
    noise = (rng.standard_normal(8000 * 4) * 0.003).astype(np.float32)
    results = feed(whisper_engine.stream(8000), np.concatenate([np.zeros(8000, np.float32), noise]), 160)
    assert [r.text for r in results if r.is_final and r.text] == []
