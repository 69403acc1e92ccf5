"""WeChat voice messages through the hotline's own recogniser.

Official Account voice messages arrive as AMR-NB (`Format` amr, 8 kHz). AMR is decoded by sox
(Debian's `sox`, whose AMR handler uses libopencore-amr), SILK (the mini-program and WeChat
client codec, header `#!SILK_V3`) by `pilk` (PyPI, Tencent's SILK SDK), each to 16 kHz 16-bit
mono, and fed as one stream to the app's recognizer pool (the pool that transcribes calls;
`hotline.voice.recognition`). Other formats (speex) are refused with a clear error; the message
is then kept as an attachment with WeChat's own Recognition.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

RATE = 16000
DECODE_TIMEOUT_S = 30
RECOGNISE_TIMEOUT_S = 120
AMR_NB, AMR_WB = b"#!AMR\n", b"#!AMR-WB\n"


class AudioUnsupported(ValueError):
    pass


def sniff(data: bytes) -> str:
    if data.startswith(AMR_WB):
        return "amr-wb"
    if data.startswith(AMR_NB):
        return "amr-nb"
    if data[:10].lstrip(b"\x02").startswith(b"#!SILK"):
        return "silk"
    if data[:4] == b"RIFF":
        return "wav"
    return "unknown"


def decode(data: bytes) -> np.ndarray:
    """AMR (NB or WB), SILK or WAV bytes → int16 samples at 16 kHz, mono."""
    kind = sniff(data)
    if kind == "silk":
        return _decode_silk(data)
    if kind == "unknown":
        raise AudioUnsupported("无法识别的语音格式（不是 AMR、SILK 或 WAV）")
    sox = shutil.which("sox")
    if sox is None:
        raise AudioUnsupported("服务器未安装 sox，无法解码 AMR 语音")
    proc = subprocess.run([sox, "-q", "-t", kind, "-", "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16",
                           "-c", "1", "-"], input=data, capture_output=True, timeout=DECODE_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        raise AudioUnsupported(f"语音解码失败: {proc.stderr.decode(errors='replace')[:200]}")
    return np.frombuffer(proc.stdout, dtype=np.int16)


def _decode_silk(data: bytes) -> np.ndarray:
    import pilk

    with tempfile.TemporaryDirectory(prefix="wechat-silk-") as tmp:
        silk, pcm = Path(tmp) / "in.silk", Path(tmp) / "out.pcm"
        silk.write_bytes(data)
        try:
            pilk.decode(str(silk), str(pcm), pcm_rate=RATE)
        except Exception as exc:  # noqa: BLE001 - pilk raises its own error type for a broken file
            raise AudioUnsupported(f"SILK 语音解码失败: {exc}") from exc
        samples = np.frombuffer(pcm.read_bytes(), dtype=np.int16).copy()
    if len(samples) < RATE // 10:  # pilk may only print its decoder's error and return a few frames
        raise AudioUnsupported("SILK 语音解码失败（没有可用的音频）")
    return samples


def recognise(pool: object, samples: np.ndarray, *, joiner: str = "") -> tuple[str, float | None]:
    """One clip through the recognizer pool as one stream; returns (text, mean confidence)."""
    finals: list[tuple[str, float | None]] = []
    errors: list[str] = []
    closed = threading.Event()

    def on_event(event: dict) -> None:
        if event["type"] == "result" and event["result"].is_final and event["result"].text.strip():
            finals.append((event["result"].text.strip(), event["result"].confidence))
        elif event["type"] == "error":
            errors.append(str(event.get("message", "")))
        elif event["type"] == "closed":
            closed.set()

    handle = pool.open(RATE, on_event)
    step = RATE * 2  # 2 s per feed
    for i in range(0, len(samples), step):
        pool.feed(handle, samples[i:i + step])
    pool.finish(handle)
    if not closed.wait(RECOGNISE_TIMEOUT_S):
        pool.abort(handle)
        raise TimeoutError("speech recognition did not finish")
    if errors and not finals:
        raise RuntimeError(f"speech recognition failed: {errors[0]}")
    scores = [c for _, c in finals if c is not None]
    return joiner.join(t for t, _ in finals), (sum(scores) / len(scores) if scores else None)
