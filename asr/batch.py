"""Batch transcription of recordings (`hotline asr transcribe`): WAV files (PCM at any rate,
μ-law, A-law, float), each through the engine's offline path, with word timings and timing
figures. A broken file gets an error entry; the others are still transcribed."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from asr.audio import AudioFormatError, read_wav
from asr.recognizer import Engine


def transcribe_file(engine: Engine, path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        info, samples = read_wav(path)
    except FileNotFoundError:
        return {"file": str(path), "ok": False, "error": "文件不存在 (file not found)"}
    except IsADirectoryError:
        return {"file": str(path), "ok": False, "error": "这是一个目录 (is a directory)"}
    except AudioFormatError as exc:
        return {"file": str(path), "ok": False, "error": str(exc)}
    except OSError as exc:
        return {"file": str(path), "ok": False, "error": f"无法读取 (cannot read): {exc.strerror or exc}"}
    if samples.size == 0:
        return {"file": str(path), "ok": False, "error": "音频为空 (no audio samples)"}
    decode_started = time.perf_counter()
    try:
        results = engine.transcribe(samples, info.sample_rate, words=True)
    except Exception as exc:  # noqa: BLE001 - one file's failure is reported, the batch goes on
        return {"file": str(path), "ok": False, "error": f"识别失败 (recognition failed): {type(exc).__name__}: {exc}"}
    # rounded once, and the real-time factor computed from the figures printed, so the JSON adds up
    processing = round(time.perf_counter() - started, 3)
    duration = round(info.duration, 3)
    return {
        "file": str(path), "ok": True, "engine": engine.name, "encoding": info.encoding,
        "sample_rate": info.sample_rate, "channels": info.channels, "duration_s": duration,
        "processing_s": processing, "decode_s": round(time.perf_counter() - decode_started, 3),
        "rtf": round(processing / duration, 4) if duration else None,
        "text": "".join(r.text for r in results) if engine.name == "whisper" else " ".join(r.text for r in results),
        "segments": [{"start": r.start, "end": r.end, "text": r.text, "confidence": r.confidence,
                      "words": [{"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence}
                                for w in r.words]} for r in results],
    }


def transcribe_files(engine: Engine, paths: Iterable[Path],
                     progress: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    out = []
    for path in paths:
        entry = transcribe_file(engine, Path(path))
        out.append(entry)
        if progress is not None:
            progress(entry)
    return out
