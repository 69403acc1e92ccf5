"""The correction stage: time added to a final, and what it does to sound-alike errors, measured on
text the language model was not trained on.

    .venv/bin/python benchmarks/asr_correction.py [--n 200] [--rate 0.12] [--hyps FILE] [--kb DIR]

- Text: the citizens' questions of `data/eval/narratives.jsonl` (not in the LM's training text:
  statutes, FAQ, consultations), cut into clauses of at most 40 characters.
- Simulated recognition errors: each Chinese character, with probability `--rate`, replaced by
  another character of the same folded toneless syllable (z/zh, n/l, an/ang ... folded), picked
  by frequency in the statutes (seeded). Real recogniser errors are harder; this checks that the
  stage repairs sound-alike errors and leaves correct text alone.
- Prints: CER of the corrupted text before and after correction, the CER the stage adds to the
  clean text (false corrections), and the time per clause (p50, p95, max; wall clock and CPU) —
  the time added to a final. `--hyps FILE`: also time the stage on the texts of a `hotline asr eval --cache` file.
- `--kb DIR`: overlap@5 of the articles suggested for the clean and the corrupted question, with
  the sound channel's weight `w_phonetic` 0 (off), 0.25, 0.5 and 1.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr.correct import load_corrector  # noqa: E402
from asr.lexicon import fold, pinyin  # noqa: E402
from asr.text import corpus_cer  # noqa: E402

DATA = Path(os.environ.get("HOTLINE_DATA_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))


def homophones(sample_chars: int = 2_000_000) -> dict[str, list[tuple[str, int]]]:
    """folded syllable → [(character, frequency)] from the statutes' characters."""
    counts: Counter = Counter()
    with open(DATA / "data" / "statutes" / "articles.jsonl", encoding="utf-8") as handle:
        for line in handle:
            counts.update(ch for ch in json.loads(line)["text"] if "\u4e00" <= ch <= "\u9fff")
            if sum(counts.values()) > sample_chars:
                break
    by_sound: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for ch, n in counts.items():
        by_sound[fold(pinyin(ch)[0])].append((ch, n))
    return by_sound


def corrupt(text: str, rate: float, by_sound: dict, rng: random.Random) -> str:
    out = []
    for ch, syl in zip(text, pinyin(text)):
        alts = [(c, n) for c, n in by_sound.get(fold(syl), []) if c != ch]
        if alts and "\u4e00" <= ch <= "\u9fff" and rng.random() < rate:
            out.append(rng.choices([c for c, _ in alts], weights=[n for _, n in alts])[0])
        else:
            out.append(ch)
    return "".join(out)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def report_times(what: str, wall: list[float], cpu: list[float]) -> None:
    """Wall-clock time (what a final waits; inflated on a busy machine) and this process's CPU time."""
    for name, values in (("wall", wall), ("CPU", cpu)):
        print(f"time {what}, {name}: p50 {pct(values, .5):.2f} ms, p95 {pct(values, .95):.2f} ms, "
              f"max {max(values):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="narratives to use")
    parser.add_argument("--rate", type=float, default=0.12, help="share of characters replaced")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hyps", type=Path, help="a `hotline asr eval --cache` file: time the stage on it too")
    parser.add_argument("--kb", type=Path, help="knowledge base directory: overlap@5 by w_phonetic")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    started = time.perf_counter()
    corrector = load_corrector(DATA)
    print(f"corrector loaded in {time.perf_counter() - started:.1f} s: {len(corrector.lexicon)} terms")
    rows = [json.loads(line) for line in (DATA / "data" / "eval" / "narratives.jsonl").read_text(encoding="utf-8").splitlines()]
    rng = random.Random(args.seed)
    by_sound = homophones()
    clauses = []
    for row in rows[:args.n]:
        for clause in re.split(r"[，。！？；,.!?;\s]+", row["question"]):
            if 6 <= len(clause) <= 40:
                clauses.append(clause)
    noisy = [corrupt(c, args.rate, by_sound, rng) for c in clauses]
    corrector.correct("热身")  # pypinyin's phrase tables load on first use
    times, cpu, fixed, clean_fixed = [], [], [], []
    for clean, bad in zip(clauses, noisy):
        t, c = time.perf_counter(), time.process_time()
        fixed.append(corrector.correct(bad))
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        clean_fixed.append(corrector.correct(clean))
    print(f"\n{len(clauses)} clauses of {args.n} narratives, {args.rate:.0%} of characters replaced by sound-alikes")
    print(f"CER corrupted {corpus_cer(list(zip(clauses, noisy))) * 100:.2f}% → corrected "
          f"{corpus_cer(list(zip(clauses, fixed))) * 100:.2f}%")
    print(f"CER added to clean text (false corrections): {corpus_cer(list(zip(clauses, clean_fixed))) * 100:.2f}% "
          f"({sum(a != b for a, b in zip(clauses, clean_fixed))} of {len(clauses)} clauses changed)")
    report_times("per clause", times, cpu)
    if args.hyps:
        finals = [t for d in json.loads(args.hyps.read_text(encoding="utf-8")).values() for t in d["stream"]]
        times, cpu = [], []
        for text in finals:
            t, c = time.perf_counter(), time.process_time()
            corrector.correct(text)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        report_times(f"per streamed final ({len(finals)} finals of {args.hyps})", times, cpu)
    if args.kb:
        from knowledge_base.service import KnowledgeBase

        kb = KnowledgeBase.load(args.kb)
        questions = [r["question"] for r in rows[:args.n]]
        bad_q = [corrupt(q, args.rate, by_sound, random.Random(args.seed + i)) for i, q in enumerate(questions)]

        def top5(text: str, spoken: bool) -> list[str]:
            return [h.id for h in kb.search(text[:2000], top=20, spoken=spoken).hits if h.kind == "article"][:5]
        print("\noverlap@5, clean vs corrupted question (narratives), by the sound channel's weight:")
        for w in (0.0, 0.25, 0.5, 1.0):
            kb.fusion["w_phonetic"] = w
            ov = []
            for q, b in zip(questions, bad_q):
                ref = top5(q, w > 0)
                ov.append(len(set(ref) & set(top5(b, w > 0))) / max(1, len(ref)))
            print(f"  w_phonetic {w:<5} overlap@5 {sum(ov) / len(ov):.3f}")


if __name__ == "__main__":
    main()
