"""Voice as WeChat delivers it, decoded for the recogniser: real speech encoded to AMR-NB (sox)
and to SILK (pilk, as the WeChat client does) decodes to 16 kHz audio of the same length whose
loudness follows the original's; other data is refused with a clear error."""
from __future__ import annotations

import numpy as np
import pytest

from asr.audio import read_wav
from hotline.wechat import audio
from tests.conftest import SHARED
from tests.wechat.conftest import amr_of, silk_of

FILE = "utt_002_16k.wav"


def _envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    frame = rate // 10  # 100 ms
    n = len(samples) // frame
    return np.sqrt((samples[:n * frame].astype(np.float64).reshape(n, frame) ** 2).mean(axis=1))


@pytest.mark.parametrize("encode,kind", [(amr_of, "amr-nb"), (silk_of, "silk")])
def test_decode_real_speech(encode, kind) -> None:  # noqa: ANN001
    info, original = read_wav(SHARED / "audio" / FILE)
    data = encode(FILE)
    assert audio.sniff(data) == kind
    decoded = audio.decode(data)
    assert decoded.dtype == np.int16
    assert abs(len(decoded) / audio.RATE - info.duration) < 0.15, (len(decoded) / audio.RATE, info.duration)
    a, b = _envelope(np.asarray(original * 32767 if original.dtype.kind == "f" else original), info.sample_rate), \
        _envelope(decoded, audio.RATE)
    n = min(len(a), len(b))
    assert np.corrcoef(a[:n], b[:n])[0, 1] > 0.8  # speech where the original has speech


def test_undecodable_is_refused() -> None:
    for data, says in ((b"", "无法识别"), (b"\x00" * 100, "无法识别"), (b"#!SILK_V3" + b"\xff" * 40, "SILK")):
        with pytest.raises(audio.AudioUnsupported, match=says):
            audio.decode(data)
