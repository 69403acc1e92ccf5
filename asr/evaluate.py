"""`hotline asr eval`: the recogniser and the correction stage measured on a speech test set in
the format of `../shared/audio` (`transcripts.jsonl`, `calls.jsonl`, the WAV files).

Each file goes through the offline path (the engine's `transcribe` on the whole file) and the
streaming path (20 ms frames → `MediaSession` → the worker pool → finals, as a call is heard).
Each final (or offline segment) is corrected as the hotline corrects it (`asr.correct`); the
report gives per file the reference, the raw and the corrected streamed text, and per group
(16k, 8k, calls) CER raw and number-normalised, legal-term recall and, with suggestions, the
overlap@5 of the articles suggested for the reference and for the corrected transcript.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from asr.numbers import normalise_numbers
from asr.text import edit_distance, normalise_for_cer

GROUPS = ("16k", "8k", "calls")


def group_of(name: str) -> str:
    return "calls" if name.startswith("call_") else ("16k" if "_16k" in name else "8k")


def read_set(audio_dir: Path) -> list[dict[str, Any]]:
    """Rows of `transcripts.jsonl` (file, text, group); a call's reference is the text of its
    segments in `calls.jsonl` when that file lists it."""
    def jsonl(path: Path) -> list[dict[str, Any]]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    calls = {c["file"]: "".join(s["text"] for s in c.get("segments", [])) for c in jsonl(audio_dir / "calls.jsonl")}
    rows = jsonl(audio_dir / "transcripts.jsonl")
    if not rows:
        raise FileNotFoundError(f"no transcripts in {audio_dir / 'transcripts.jsonl'}")
    out = []
    for row in rows:
        out.append({"file": row["file"], "text": calls.get(row["file"]) or row["text"], "group": group_of(row["file"])})
    return out


def stream_file(pool: Any, path: Path) -> list[str]:
    """The streaming path: the file's frames (μ-law bytes as Twilio sends them, else 16-bit PCM
    as a wideband SIP fork would) → `MediaSession` → pool; the finals' texts in time order."""
    from asr.audio import float_to_int16, read_wav
    from asr.session import MediaSession

    info, samples = read_wav(path)
    done = threading.Event()
    if info.encoding == "mulaw":
        data = path.read_bytes()
        payload = data[data.index(b"data") + 8:][:info.frames]
        session = MediaSession(pool, encoding="mulaw", rate=8000, on_result=lambda r: None, on_closed=done.set,
                               first_index=1)
        frame = 160
    else:
        payload = float_to_int16(samples).tobytes()
        session = MediaSession(pool, encoding="pcm_s16le", rate=info.sample_rate, on_result=lambda r: None,
                               on_closed=done.set, first_index=1)
        frame = info.sample_rate // 50 * 2
    for n, k in enumerate(range(0, len(payload), frame), start=1):
        session.push(n, payload[k:k + frame])
    session.finish()
    if not done.wait(300):
        raise RuntimeError(f"{path.name}: no result in 300 s")
    return [r.text for r in sorted(session.finals, key=lambda r: r.start) if r.text]


def offline_file(engine: Any, path: Path) -> list[str]:
    from asr.audio import read_wav

    info, samples = read_wav(path)
    return [r.text for r in engine.transcribe(samples, info.sample_rate, words=False) if r.text]


def decode_set(rows: list[dict[str, Any]], audio_dir: Path, engine: Any, pool: Any,
               progress: Callable[[str], None] | None = None) -> dict[str, dict[str, list[str]]]:
    """{file: {"offline": [segment texts], "stream": [final texts]}} (raw recogniser output)."""
    out = {}
    for row in rows:
        if progress is not None:
            progress(row["file"])
        path = audio_dir / row["file"]
        out[row["file"]] = {"offline": offline_file(engine, path), "stream": stream_file(pool, path)}
    return out


def cer_counts(ref: str, hyp: str, numbers: bool = False) -> tuple[int, int]:
    """(edits, reference characters) after `normalise_for_cer`, with number normalisation of both
    sides first when `numbers`."""
    if numbers:  # before punctuation goes: 六千五，三个月 is two numbers, not 六千五三
        ref, hyp = normalise_numbers(ref), normalise_numbers(hyp)
    r, h = normalise_for_cer(ref), normalise_for_cer(hyp)
    return edit_distance(r, h), len(r)


def term_hits(ref: str, hyp: str, terms: Iterable[str]) -> tuple[int, int]:
    """(terms of the reference found in the hypothesis, terms in the reference). A term is counted
    once per occurrence; a term inside a longer listed term counts only as the longer one."""
    r, h = normalise_for_cer(ref), normalise_for_cer(hyp)
    found = total = 0
    for term in sorted(set(terms), key=len, reverse=True):
        n = r.count(term)
        if not n:
            continue
        total += n
        found += min(n, h.count(term))
        r = r.replace(term, "\x00")
        h = h.replace(term, "\x00")
    return found, total


def overlap(a: list[str], b: list[str], k: int = 5) -> float | None:
    if not a:
        return None
    return len(set(a[:k]) & set(b[:k])) / min(k, len(a[:k]))


def summarise(files: list[dict[str, Any]], terms: list[str], key: str = "corrected") -> dict[str, dict[str, Any]]:
    """Per group: cer, cer_normalised, term_recall, overlap5 (None without suggestions), n."""
    groups: dict[str, dict[str, Any]] = {}
    for g in GROUPS:
        rows = [f for f in files if f["group"] == g]
        if not rows:
            continue
        e = c = en = cn = tf = tt = 0
        overlaps = []
        for f in rows:
            a, b = cer_counts(f["ref"], f[key])
            e, c = e + a, c + b
            a, b = cer_counts(f["ref"], f[key], numbers=True)
            en, cn = en + a, cn + b
            a, b = term_hits(f["ref"], f[key], terms)
            tf, tt = tf + a, tt + b
            if f.get("ref_top5") is not None and key == "corrected":
                value = overlap(f["ref_top5"], f["hyp_top5"])
                if value is not None:
                    overlaps.append(value)
        groups[g] = {"cer": round(e / max(c, 1), 4), "cer_normalised": round(en / max(cn, 1), 4),
                     "term_recall": round(tf / tt, 4) if tt else None,
                     "overlap5": round(sum(overlaps) / len(overlaps), 4) if overlaps else None, "n": len(rows)}
    return groups


def correct_texts(corrector: Any, texts: list[str]) -> str:
    """The corrected transcript: each final (or segment) corrected on its own, as live."""
    return "".join(corrector.correct(t) if corrector is not None else t for t in texts)


def build_report(rows: list[dict[str, Any]], decoded: dict[str, dict[str, list[str]]], corrector: Any,
                 terms: list[str], search: Callable[[str], list[str]] | None = None) -> dict[str, Any]:
    """The `--json` object: `files` and `groups` (the corrected streamed transcript), plus the
    same figures for the raw streamed transcript (`groups_raw`) and the offline path
    (`groups_offline`, `groups_offline_raw`)."""
    files = []
    for row in rows:
        d = decoded[row["file"]]
        entry = {"file": row["file"], "group": row["group"], "ref": row["text"], "raw": "".join(d["stream"]),
                 "corrected": correct_texts(corrector, d["stream"]), "offline_raw": "".join(d["offline"]),
                 "offline_corrected": correct_texts(corrector, d["offline"]), "ref_top5": None, "hyp_top5": None}
        if search is not None:
            entry["ref_top5"] = search(entry["ref"])
            entry["hyp_top5"] = search(entry["corrected"]) if entry["corrected"] else []
            entry["raw_top5"] = search(entry["raw"]) if entry["raw"] else []
        files.append(entry)
    report = {"files": files, "groups": summarise(files, terms, "corrected")}
    for name, key in (("groups_raw", "raw"), ("groups_offline", "offline_corrected"), ("groups_offline_raw", "offline_raw")):
        report[name] = summarise(files, terms, key)
    if search is not None:
        for g, figures in report["groups_raw"].items():
            values = [overlap(f["ref_top5"], f["raw_top5"]) for f in files if f["group"] == g]
            values = [v for v in values if v is not None]
            figures["overlap5"] = round(sum(values) / len(values), 4) if values else None
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = []
    for f in report["files"]:
        lines.append(f"{f['file']} [{f['group']}]")
        lines.append(f"  参考 ref        {normalise_for_cer(f['ref'])}")
        lines.append(f"  原始 raw        {normalise_for_cer(f['raw'])}")
        lines.append(f"  纠正 corrected  {normalise_for_cer(f['corrected'])}")
        if f.get("ref_top5") is not None:
            lines.append(f"  top5 ref {', '.join(f['ref_top5'])}")
            lines.append(f"  top5 hyp {', '.join(f['hyp_top5'])}  overlap@5 {overlap(f['ref_top5'], f['hyp_top5'])}")
    lines.append("")
    lines.append("per group: CER (numbers as written / normalised), legal-term recall, overlap@5 of suggestions")
    lines.append(f"{'group':<7}{'path':<20}{'n':>4}{'cer':>9}{'cer_norm':>10}{'terms':>8}{'overlap5':>10}")
    for name, label in (("groups_offline_raw", "offline raw"), ("groups_offline", "offline corrected"),
                        ("groups_raw", "streaming raw"), ("groups", "streaming corrected")):
        for g, v in report[name].items():
            def pct(x: float | None) -> str:
                return "—" if x is None else f"{x * 100:.2f}%"

            def num(x: float | None) -> str:
                return "—" if x is None else f"{x:.3f}"
            lines.append(f"{g:<7}{label:<20}{v['n']:>4}{pct(v['cer']):>9}{pct(v['cer_normalised']):>10}"
                         f"{num(v['term_recall']):>8}{num(v['overlap5']):>10}")
    return "\n".join(lines)
