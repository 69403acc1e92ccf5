"""Audio decoding against sox (an independent implementation) and resampling with soxr."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from asr.audio import (AudioFormatError, StreamResampler, alaw_decode, float_to_int16, load_audio, parse_wav,
                       read_wav, resample, ulaw_decode, ulaw_encode, wav_bytes)
from tests.conftest import SHARED

AUDIO = SHARED / "audio"


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def test_ulaw_table_matches_sox_on_a_real_phone_file(tmp_path: Path) -> None:
    raw = tmp_path / "call.raw"
    sox(str(AUDIO / "call_01_8k_ulaw.wav"), "-e", "signed", "-b", "16", "-t", "raw", str(raw))
    info, samples = read_wav(AUDIO / "call_01_8k_ulaw.wav")
    assert (info.format_tag, info.sample_rate, info.bits_per_sample, info.encoding) == (7, 8000, 8, "mulaw")
    assert np.array_equal(float_to_int16(samples), np.fromfile(raw, dtype="<i2"))


def test_every_g711_code_decodes_like_sox(tmp_path: Path) -> None:
    """All 256 μ-law and A-law codes, written as raw G.711 and decoded by sox."""
    codes = np.arange(256, dtype=np.uint8).tobytes()
    for enc, decode in (("u-law", ulaw_decode), ("a-law", alaw_decode)):
        src, out = tmp_path / f"codes.{enc}", tmp_path / f"codes.{enc}.raw"
        src.write_bytes(codes)
        sox("-t", "raw", "-r", "8000", "-e", enc, "-b", "8", "-c", "1", str(src), "-e", "signed", "-b", "16",
            "-t", "raw", str(out))
        assert np.array_equal(decode(codes), np.fromfile(out, dtype="<i2")), enc


def test_ulaw_encoder_is_g711() -> None:
    codes = np.frombuffer(bytes(range(256)), dtype=np.uint8)
    back = np.frombuffer(ulaw_encode(ulaw_decode(codes)), dtype=np.uint8)
    # 0x7f and 0xff both decode to 0; every other code survives the round trip
    assert np.array_equal(back[codes != 0x7F], codes[codes != 0x7F])
    x = np.linspace(-32000, 32000, 5000).astype(np.int16)
    y = ulaw_decode(ulaw_encode(x)).astype(np.int32)
    assert np.all(np.abs(y - x) <= np.maximum(np.abs(x.astype(np.int32)) // 16, 8))  # within one quantisation step


@pytest.mark.parametrize("rate", [8000, 22050, 44100])
def test_pcm_wav_any_rate_matches_sox(tmp_path: Path, rate: int) -> None:
    wav, raw = tmp_path / "in.wav", tmp_path / "in.raw"
    sox("-n", "-r", str(rate), "-c", "2", "-b", "16", "-e", "signed", str(wav), "synth", "0.3", "sine", "440",
        "sine", "880")
    sox(str(wav), "-c", "1", "-t", "raw", "-e", "signed", "-b", "16", str(raw), "remix", "1-2")
    info, samples = read_wav(wav)
    assert (info.sample_rate, info.channels, info.format_tag) == (rate, 2, 1)
    ours = samples * 32768.0
    theirs = np.fromfile(raw, dtype="<i2").astype(np.float32)
    assert ours.size == theirs.size and np.max(np.abs(ours - theirs)) <= 2.0  # sox's remix rounds


def test_resampling_keeps_the_tone_and_streams_like_whole() -> None:
    t = np.arange(8000) / 8000.0
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    up = resample(tone, 8000, 16000)
    assert abs(up.size - 16000) <= 1
    spectrum = np.abs(np.fft.rfft(up[2000:14000]))
    assert abs(np.argmax(spectrum) * 16000 / 12000 - 1000) < 5
    stream = StreamResampler(8000, 16000)
    pieces = [stream(tone[i:i + 160]) for i in range(0, tone.size, 160)] + [stream(np.zeros(0, np.float32), last=True)]
    joined = np.concatenate(pieces)
    assert abs(joined.size - up.size) <= 2
    n = min(joined.size, up.size) - 100
    assert np.max(np.abs(joined[100:n] - up[100:n])) < 1e-3


def test_load_audio_resamples_phone_audio_to_16k() -> None:
    info, samples = load_audio(AUDIO / "utt_001_8k_ulaw.wav", 16000)
    assert info.duration == pytest.approx(6.5, abs=0.01) and samples.size == pytest.approx(104000, abs=2)


def test_written_wavs_read_back() -> None:
    x = (0.3 * np.sin(np.arange(800) / 5)).astype(np.float32)
    for enc in ("pcm_s16le", "mulaw"):
        info, y = parse_wav(wav_bytes(x, 8000, enc))
        assert info.encoding == enc and y.size == 800 and np.max(np.abs(x - y)) < 0.02


@pytest.mark.parametrize("data, message", [
    (b"", "RIFF"),
    (b"RIFF\x00\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00", "fmt"),
    (b"OggS" + b"\x00" * 40, "RIFF"),
])
def test_broken_files_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(AudioFormatError, match=message):
        parse_wav(data)


def test_unsupported_encoding_is_refused() -> None:
    data = bytearray(wav_bytes(np.zeros(10, np.float32), 8000, "mulaw"))
    data[20:22] = (2).to_bytes(2, "little")  # ADPCM
    with pytest.raises(AudioFormatError, match="format tag 2"):
        parse_wav(bytes(data))
