"""Character error rate: the bare offline engine versus the streaming path, in one run.

    .venv/bin/python benchmarks/asr.py [--option KEY=JSON ...] [--hints] [--groups 16k,8k,calls]

On the Mandarin test speech of ../shared/audio (30 utterances at 16 kHz, the same 30 as 8 kHz
μ-law phone audio, and the 3 multi-utterance calls):
- offline: faster-whisper's own pipeline on each whole file, the settings of shared/README
  (beam 5, Silero VAD filter, 30 s windows, int8, 2 threads, prompt 以下是普通话的句子。);
- streaming: the production path — each file cut into 20 ms frames (the 8 kHz files and calls:
  their μ-law bytes, as Twilio sends them; the 16 kHz files: 16-bit PCM frames, as a wideband
  SIP fork would) → `asr.session.MediaSession` (frame ordering, decoding) → the recognizer
  pool's worker process (resampling, VAD, partial and final decodes) → final results.
Frames are pushed as fast as the pool takes them (results do not depend on the pace).

CER: total character edits / total reference characters per group, after removing punctuation
and whitespace and converting traditional to simplified characters. Numbers are NOT normalised
(二〇二五年 vs 2025年 counts as errors).

`--option` changes the streaming engine's options (e.g. --option window_s=30 --option
vad='"energy"' --option 'segmenter={"min_silence_ms":500}'); `--hints` adds the legal phrase
hints (Whisper hotwords). The offline column never changes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr.audio import read_wav  # noqa: E402
from asr.engine_whisper import WhisperEngine  # noqa: E402
from asr.evaluate import group_of, stream_file  # noqa: E402
from asr.pool import RecognizerPool  # noqa: E402
from asr.settings import WHISPER_STREAM_OPTIONS  # noqa: E402
from asr.text import corpus_cer, normalise_for_cer  # noqa: E402

DATA = Path(os.environ.get("HOTLINE_DATA_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))
AUDIO = DATA / "audio"
MODEL = DATA / "models" / "whisper-base-ct2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--option", action="append", default=[], help="streaming engine option KEY=JSON")
    parser.add_argument("--hints", action="store_true", help="legal phrase hints for the streaming path")
    parser.add_argument("--groups", default="16k,8k,calls")
    parser.add_argument("--show", action="store_true", help="print every hypothesis")
    args = parser.parse_args()
    options = dict(WHISPER_STREAM_OPTIONS)
    for item in args.option:
        key, _, value = item.partition("=")
        options[key] = json.loads(value)
    if args.hints:
        from asr.hints import default_hints

        options["hints"] = default_hints()
    groups = args.groups.split(",")
    rows = [json.loads(line) for line in (AUDIO / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if group_of(r["file"]) in groups]
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"streaming options: {json.dumps({k: v for k, v in options.items() if k != 'hints'}, ensure_ascii=False)}"
          f"{' + hints (' + str(len(options['hints'])) + ' phrases)' if 'hints' in options else ''}")

    offline_engine = WhisperEngine(MODEL)
    pool = RecognizerPool("whisper", str(MODEL), options, workers=1, streams_per_worker=1).start()
    if not pool.wait_ready(180):
        raise SystemExit(f"recognizer pool did not start: {pool.failures}")
    results: dict[str, dict[str, list[tuple[str, str]]]] = {g: {"offline": [], "stream": []} for g in groups}
    timing = {"offline": 0.0, "stream": 0.0}
    audio_s = 0.0
    try:
        for row in rows:
            path = AUDIO / row["file"]
            info, samples = read_wav(path)
            audio_s += info.duration
            started = time.perf_counter()
            offline = "".join(r.text for r in offline_engine.transcribe(samples, info.sample_rate, words=False))
            timing["offline"] += time.perf_counter() - started
            started = time.perf_counter()
            streamed = "".join(stream_file(pool, path))
            timing["stream"] += time.perf_counter() - started
            g = group_of(row["file"])
            results[g]["offline"].append((row["text"], offline))
            results[g]["stream"].append((row["text"], streamed))
            if args.show:
                print(f"{row['file']}\n  ref {normalise_for_cer(row['text'])}\n  off {normalise_for_cer(offline)}"
                      f"\n  str {normalise_for_cer(streamed)}")
    finally:
        pool.close()

    print("\nCER (punctuation/whitespace removed, traditional→simplified, numbers NOT normalised)")
    print(f"{'set':<8}{'files':>6}{'chars':>7}{'offline':>10}{'streaming':>11}{'diff':>8}")
    all_off, all_str = [], []
    for g in groups:
        off, st = results[g]["offline"], results[g]["stream"]
        if not off:
            continue
        a, b = corpus_cer(off) * 100, corpus_cer(st) * 100
        chars = sum(len(normalise_for_cer(ref)) for ref, _ in off)
        print(f"{g:<8}{len(off):>6}{chars:>7}{a:>9.2f}%{b:>10.2f}%{b - a:>+7.2f}")
        all_off += off
        all_str += st
    a, b = corpus_cer(all_off) * 100, corpus_cer(all_str) * 100
    print(f"{'all':<8}{len(all_off):>6}{sum(len(normalise_for_cer(r)) for r, _ in all_off):>7}{a:>9.2f}%{b:>10.2f}%"
          f"{b - a:>+7.2f}")
    print(f"\naudio {audio_s:.1f} s; offline processing {timing['offline']:.1f} s (RTF {timing['offline'] / audio_s:.3f}); "
          f"streaming path {timing['stream']:.1f} s (RTF {timing['stream'] / audio_s:.3f}, partial decodes included)")
    worst = max((corpus_cer(results[g]["stream"]) - corpus_cer(results[g]["offline"])) * 100
                for g in groups if results[g]["offline"])
    print(f"goal: streaming CER ≤ offline CER + 1 point in every set: {'MET' if worst <= 1.0 else 'NOT MET'} "
          f"(worst difference {worst:+.2f} points)")


if __name__ == "__main__":
    main()
