"""Engine choice and options from the hotline settings (read by attribute name, so this pure
library does not import `hotline`)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from asr.recognizer import ENGINES

# Measured with benchmarks/asr.py (docs/asr.md): the streaming path's defaults.
WHISPER_STREAM_OPTIONS: dict[str, Any] = {"window_s": 10.0, "vad": "silero", "beam_size": 5, "partial_interval_s": 1.0,
                                          "segmenter": {"min_silence_ms": 800}, "context_audio_s": 8.0}


class EngineConfigError(ValueError):
    pass


def engine_spec(settings: Any, engine: str | None = None) -> tuple[str, Path, dict[str, Any]]:
    """(engine name, model path, options) for `load_engine` / `RecognizerPool`."""
    name = (engine or getattr(settings, "asr_engine", "whisper") or "whisper").strip().lower()
    if name not in ENGINES:
        raise EngineConfigError(f"未知的识别引擎 {name!r} (HOTLINE_ASR_ENGINE: {' | '.join(ENGINES)})")
    if name == "whisper":
        model = Path(getattr(settings, "whisper_model_path"))
        options = dict(WHISPER_STREAM_OPTIONS)
        if getattr(settings, "asr_hints", False):
            from asr.hints import default_hints

            options["hints"] = default_hints()
    else:
        raw = getattr(settings, "vosk_model", None)
        if not raw:
            raise EngineConfigError("未配置 Vosk 模型 (set HOTLINE_VOSK_MODEL to the unpacked vosk-model-cn-0.22 "
                                    "directory; see docs/asr.md)")
        model = Path(raw)
        options = {}
    if not model.exists():
        raise EngineConfigError(f"识别模型不存在 (model not found): {model}")
    if getattr(settings, "asr_correction", False) and getattr(settings, "data_dir", None):
        options["correction"] = str(settings.data_dir)  # the worker's correction stage (asr.correct)
    threads = getattr(settings, "asr_cpu_threads", None)
    options["cpu_threads"] = int(threads or default_cpu_threads(getattr(settings, "asr_workers", 1)))
    return name, model, options


def default_cpu_threads(workers: int | None) -> int:
    """Threads per recogniser worker when none are set: the machine's cores shared out among the
    worker processes (benchmarks/asr_load.py, docs/asr.md)."""
    return max(1, (os.cpu_count() or 2) // max(1, int(workers or 1)))
