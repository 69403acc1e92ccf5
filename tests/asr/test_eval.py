"""`hotline asr eval --audio DIR [--suggest] [--json]` on a small set in the format of
../shared/audio: real speech through the offline and streaming paths, raw and corrected."""
from __future__ import annotations

import json

from tests.asr.conftest import AUDIO
from tests.conftest import make_settings, run_cli
from tests.knowledge_base.conftest import small_kb_dir  # noqa: F401 - the session fixture

FILES = ("utt_027_16k.wav", "utt_027_8k_ulaw.wav", "call_03_8k_ulaw.wav")


def _small_set(tmp_path):  # noqa: ANN001, ANN202
    d = tmp_path / "audio"
    d.mkdir()
    rows = [json.loads(line) for line in (AUDIO / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()]
    (d / "transcripts.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows
                                                 if r["file"] in FILES), encoding="utf-8")
    calls = [line for line in (AUDIO / "calls.jsonl").read_text(encoding="utf-8").splitlines()
             if json.loads(line)["file"] in FILES]
    (d / "calls.jsonl").write_text("\n".join(calls) + "\n", encoding="utf-8")
    for name in FILES:
        (d / name).symlink_to(AUDIO / name)
    return d


def test_eval_reports_files_and_groups_raw_and_corrected(tmp_path, small_kb_dir) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'h.db'}", kb_dir=small_kb_dir)
    audio = _small_set(tmp_path)
    cache = tmp_path / "decodes.json"
    proc = run_cli(settings, "asr", "eval", "--audio", str(audio), "--suggest", "--json", "--cache", str(cache),
                   "--no-progress", timeout=900)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [f["file"] for f in report["files"]] == list(FILES)
    for f in report["files"]:
        assert set(f) >= {"file", "group", "ref", "raw", "corrected", "ref_top5", "hyp_top5"}
        assert len(f["ref_top5"]) == 5 and len(f["hyp_top5"]) == 5
    assert [f["group"] for f in report["files"]] == ["16k", "8k", "calls"]
    assert set(report["groups"]) == {"16k", "8k", "calls"}
    for g in report["groups"].values():
        assert set(g) >= {"cer", "cer_normalised", "term_recall", "overlap5", "n"} and g["n"] == 1
        assert 0 <= g["cer"] < 0.5 and 0 <= g["overlap5"] <= 1
    utt = report["files"][1]  # the caller says 工伤保险; the recogniser hears 工商保险
    assert "工伤保险" in utt["corrected"] and "工伤保险" not in utt["raw"], utt
    assert report["groups"]["8k"]["term_recall"] == 1.0 and report["groups_raw"]["8k"]["term_recall"] == 0.0
    call = report["files"][2]
    assert call["ref"] == "".join(s["text"] for s in json.loads((AUDIO / "call_03.json").read_text())["segments"])

    # the decodes are cached: the text report from them, without decoding again
    proc = run_cli(settings, "asr", "eval", "--audio", str(audio), "--cache", str(cache), "--no-progress", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "参考 ref" in proc.stdout and "streaming corrected" in proc.stdout and "cer_norm" in proc.stdout


def test_eval_names_a_missing_transcript_file(tmp_path) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'h.db'}")
    proc = run_cli(settings, "asr", "eval", "--audio", str(tmp_path), timeout=120)
    assert proc.returncode == 2 and "transcripts.jsonl" in proc.stderr
