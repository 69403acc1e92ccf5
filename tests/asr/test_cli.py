"""`hotline asr transcribe`: several recordings (μ-law, PCM at other rates), one broken file."""
from __future__ import annotations

import json
import subprocess

from asr.text import cer
from tests.asr.conftest import AUDIO, transcripts
from tests.conftest import make_settings, run_cli


def test_batch_transcription_with_timings_and_a_broken_file(tmp_path) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'h.db'}")
    resampled = tmp_path / "utt_005_22k.wav"
    subprocess.run(["sox", str(AUDIO / "utt_005_16k.wav"), "-r", "22050", str(resampled)], check=True)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    out = tmp_path / "out.json"
    files = [str(AUDIO / "utt_003_8k_ulaw.wav"), str(broken), str(resampled)]
    proc = run_cli(settings, "asr", "transcribe", *files, "--out", str(out), timeout=300)
    assert proc.returncode == 1, proc.stderr  # one file failed
    assert "broken.wav" in proc.stderr and "transcribing" in proc.stderr  # the error and the progress bar
    report = json.loads(out.read_text(encoding="utf-8"))
    ok, bad, wide = report["files"]
    assert bad == {"file": str(broken), "ok": False, "error": bad["error"]} and "fmt" in bad["error"]
    refs = transcripts()
    assert ok["encoding"] == "mulaw" and ok["sample_rate"] == 8000 and abs(ok["duration_s"] - 4.19) < 0.05
    assert wide["sample_rate"] == 22050 and wide["encoding"] == "pcm_s16le"
    assert cer(refs["utt_003_8k_ulaw.wav"], ok["text"]) <= 0.3
    assert cer(refs["utt_005_16k.wav"], wide["text"]) <= 0.3
    for entry in (ok, wide):
        assert entry["processing_s"] > 0 and entry["rtf"] == round(entry["processing_s"] / entry["duration_s"], 4)
        words = [w for seg in entry["segments"] for w in seg["words"]]
        assert len(words) >= 8 and all(0 <= w["start"] <= w["end"] <= entry["duration_s"] + 0.1 for w in words)
    assert report["summary"]["files"] == 3 and report["summary"]["failed"] == 1
