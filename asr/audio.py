"""Audio decoding: G.711 μ-law/A-law tables, a RIFF/WAV reader that also takes format tag 7
(μ-law) and 6 (A-law), which the stdlib `wave` module refuses, and resampling with soxr.

Samples inside the package are mono float32 in [-1, 1) unless a name says int16.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

WAVE_FORMAT_PCM = 1
WAVE_FORMAT_IEEE_FLOAT = 3
WAVE_FORMAT_ALAW = 6
WAVE_FORMAT_MULAW = 7
WAVE_FORMAT_EXTENSIBLE = 0xFFFE


def _ulaw_table() -> np.ndarray:
    """ITU-T G.711 μ-law → 16-bit linear (the table of Sun's g711.c, as used by sox)."""
    out = np.empty(256, dtype=np.int16)
    for code in range(256):
        u = ~code & 0xFF
        t = ((u & 0x0F) << 3) + 0x84
        t <<= (u & 0x70) >> 4
        out[code] = (0x84 - t) if (u & 0x80) else (t - 0x84)
    return out


def _alaw_table() -> np.ndarray:
    """ITU-T G.711 A-law → 16-bit linear."""
    out = np.empty(256, dtype=np.int16)
    for code in range(256):
        a = code ^ 0x55
        t = (a & 0x0F) << 4
        seg = (a & 0x70) >> 4
        if seg == 0:
            t += 8
        elif seg == 1:
            t += 0x108
        else:
            t += 0x108
            t <<= seg - 1
        out[code] = t if (a & 0x80) else -t
    return out


ULAW_TO_INT16 = _ulaw_table()
ALAW_TO_INT16 = _alaw_table()

_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635


def ulaw_decode(data: bytes | np.ndarray) -> np.ndarray:
    """μ-law bytes → int16 samples."""
    codes = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray, memoryview)) else data
    return ULAW_TO_INT16[codes]


def alaw_decode(data: bytes | np.ndarray) -> np.ndarray:
    codes = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray, memoryview)) else data
    return ALAW_TO_INT16[codes]


def ulaw_encode(samples: np.ndarray) -> bytes:
    """int16 (or float in [-1, 1)) samples → μ-law bytes (G.711, with the usual bias and clip)."""
    x = np.asarray(samples)
    if x.dtype.kind == "f":
        x = np.clip(np.round(x * 32768.0), -32768, 32767)
    x = x.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0x00)
    mag = np.minimum(np.abs(x), _ULAW_CLIP) + _ULAW_BIAS
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return code.astype(np.uint8).tobytes()


def int16_to_float(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float32) / 32768.0


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def resample(samples: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    """Whole-signal resampling (soxr, high quality); float32 in and out."""
    samples = np.asarray(samples, dtype=np.float32)
    if in_rate == out_rate or samples.size == 0:
        return samples
    return soxr.resample(samples, in_rate, out_rate, quality="HQ").astype(np.float32, copy=False)


class StreamResampler:
    """Chunk-by-chunk resampling that gives the same signal as resampling the whole stream."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self.in_rate, self.out_rate = in_rate, out_rate
        self._stream = None if in_rate == out_rate else soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32",
                                                                            quality="HQ")

    def __call__(self, samples: np.ndarray, last: bool = False) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.float32)
        if self._stream is None:
            return samples
        return self._stream.resample_chunk(samples, last=last)


class AudioFormatError(ValueError):
    """The file is not audio we can read (with the reason)."""


@dataclass
class WavInfo:
    format_tag: int
    channels: int
    sample_rate: int
    bits_per_sample: int
    frames: int

    @property
    def encoding(self) -> str:
        return {WAVE_FORMAT_PCM: f"pcm_s{self.bits_per_sample}le" if self.bits_per_sample > 8 else "pcm_u8",
                WAVE_FORMAT_IEEE_FLOAT: f"float{self.bits_per_sample}",
                WAVE_FORMAT_ALAW: "alaw", WAVE_FORMAT_MULAW: "mulaw"}.get(self.format_tag, str(self.format_tag))

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def parse_wav(data: bytes) -> tuple[WavInfo, np.ndarray]:
    """Parse a RIFF/WAVE file held in memory: (info, mono float32 samples at the file's rate)."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        raise AudioFormatError("不是 WAV 文件 (not a RIFF/WAVE file)")
    if data[:4] == b"RIFX":
        raise AudioFormatError("不支持大端 WAV (big-endian RIFX is not supported)")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        chunk_id, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body_start = pos + 8
        body_end = min(body_start + size, len(data))  # streamed files may claim more than they hold
        if chunk_id == b"fmt ":
            fmt = data[body_start:body_end]
        elif chunk_id == b"data":
            payload = data[body_start:body_end]
            if fmt is not None:
                break
        pos = body_start + size + (size & 1)
    if fmt is None or len(fmt) < 16:
        raise AudioFormatError("WAV 文件缺少 fmt 块 (missing or short 'fmt ' chunk)")
    if payload is None:
        raise AudioFormatError("WAV 文件缺少 data 块 (missing 'data' chunk)")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(fmt) < 40:
            raise AudioFormatError("WAVE_FORMAT_EXTENSIBLE without its sub-format")
        tag = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the sub-format GUID
    if channels < 1 or rate < 1000 or rate > 384000:
        raise AudioFormatError(f"不支持的声道数或采样率 (channels={channels}, rate={rate})")
    if tag in (WAVE_FORMAT_MULAW, WAVE_FORMAT_ALAW):
        if bits != 8:
            raise AudioFormatError(f"G.711 WAV must have 8 bits per sample, not {bits}")
        table = ULAW_TO_INT16 if tag == WAVE_FORMAT_MULAW else ALAW_TO_INT16
        samples = int16_to_float(table[np.frombuffer(payload, dtype=np.uint8)])
    elif tag == WAVE_FORMAT_PCM:
        width = bits // 8
        usable = len(payload) - len(payload) % max(width, 1)
        raw = payload[:usable]
        if bits == 8:
            samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
        elif bits == 16:
            samples = int16_to_float(np.frombuffer(raw, dtype="<i2"))
        elif bits == 24:
            b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
            ints = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16))
            ints = np.where(ints & 0x800000, ints - 0x1000000, ints)
            samples = ints.astype(np.float32) / 8388608.0
        elif bits == 32:
            samples = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
        else:
            raise AudioFormatError(f"不支持的 PCM 位深 (PCM with {bits} bits per sample)")
    elif tag == WAVE_FORMAT_IEEE_FLOAT:
        dtype = {32: "<f4", 64: "<f8"}.get(bits)
        if dtype is None:
            raise AudioFormatError(f"float WAV with {bits} bits")
        width = bits // 8
        samples = np.frombuffer(payload[:len(payload) - len(payload) % width], dtype=dtype).astype(np.float32)
    else:
        raise AudioFormatError(f"不支持的 WAV 编码 (format tag {tag}; PCM, float, μ-law and A-law are supported)")
    if block_align and channels > 1:
        frames = samples.size // channels
        samples = samples[:frames * channels].reshape(frames, channels).mean(axis=1)
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    return WavInfo(tag, channels, rate, bits, samples.size), samples


def read_wav(path: str | Path) -> tuple[WavInfo, np.ndarray]:
    return parse_wav(Path(path).read_bytes())


def load_audio(path: str | Path, rate: int = 16000) -> tuple[WavInfo, np.ndarray]:
    """A WAV file as mono float32 at `rate` (resampled with soxr when the file's rate differs)."""
    info, samples = read_wav(path)
    return info, resample(samples, info.sample_rate, rate)


def wav_bytes(samples: np.ndarray, rate: int, encoding: str = "pcm_s16le") -> bytes:
    """Write mono samples (float or int16) as a WAV file: 16-bit PCM or μ-law (format tag 7)."""
    x = np.asarray(samples)
    if encoding == "mulaw":
        payload = ulaw_encode(x if x.dtype.kind == "f" else x.astype(np.int16))
        tag, bits, fmt_extra = WAVE_FORMAT_MULAW, 8, struct.pack("<H", 0)
    elif encoding == "pcm_s16le":
        payload = (float_to_int16(x) if x.dtype.kind == "f" else x.astype("<i2")).tobytes()
        tag, bits, fmt_extra = WAVE_FORMAT_PCM, 16, b""
    else:
        raise ValueError(f"unknown encoding {encoding}")
    width = bits // 8
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * width, width, bits) + fmt_extra
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if tag != WAVE_FORMAT_PCM:
        chunks += b"fact" + struct.pack("<II", 4, len(payload) // width)
    chunks += b"data" + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks
