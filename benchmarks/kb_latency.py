"""Query latency of the knowledge base on the full index (2 cores), in one run: hybrid search
(what the channels call) against bare BM25 and bare faiss search, on both question sets and on
long queries.

    .venv/bin/python benchmarks/kb_latency.py [--kb var/kb] [--queries N]

Query groups (never the test splits): the short consultation questions and the narratives of
the train and dev splits, and long queries of 150 to 600 characters made of several of those
told one after another (as a caller's story or a call transcript reads). Prints p50/p90/p99 in
milliseconds for each, the ratio of hybrid to bare BM25 + bare faiss (the two bare searches
added: what a hybrid search cannot do with less), and the goals p50 <= 20 ms and p99 <= 60 ms.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from hotline.config import get_settings
from knowledge_base.corpus import load_questions
from knowledge_base.index import encode
from knowledge_base.service import KnowledgeBase
from knowledge_base.splits import split_of
from knowledge_base.text import expand_lay_terms, tokenize

GOAL_P50_MS, GOAL_P99_MS = 20.0, 60.0


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p90": float(np.percentile(ms, 90)),
            "p99": float(np.percentile(ms, 99)), "mean": float(ms.mean())}


def long_queries(texts: list[str], n: int, max_chars: int = 600) -> list[str]:
    """`n` stories of 150-600 characters: consecutive questions joined, cut at max_chars."""
    out, i = [], 0
    while len(out) < n and texts:
        target = 150 + (len(out) * 97) % (max_chars - 150)
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(texts[i % len(texts)].rstrip("？?。"))
            i += 1
        out.append("。".join(parts)[:max_chars - 1] + "？")
    return out


def time_group(kb: KnowledgeBase, questions: list[str]) -> dict[str, dict[str, float]]:
    hybrid, bm25, dense = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        kb.search(q, top=10)
        hybrid.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        tokens = [t for t in tokenize(expand_lay_terms(q + "。")) if t in kb.data.bm25.vocab_dict]
        if tokens:
            scores = kb.data.bm25.get_scores(tokens)
            np.argpartition(-scores, 10)[:10]
        bm25.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        qvec = encode(kb.model, [q + "。"], "", False)
        kb.data.faiss.search(qvec, 10)
        dense.append(time.perf_counter() - t0)
    bare = [b + d for b, d in zip(bm25, dense)]
    return {"hybrid search": percentiles(hybrid), "bare BM25 (tokenise + score + top 10)": percentiles(bm25),
            "bare faiss (encode + search top 10)": percentiles(dense), "bare BM25 + bare faiss": percentiles(bare)}


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", default=str(settings.kb_path))
    parser.add_argument("--queries", type=int, default=400, help="per group at most")
    args = parser.parse_args()

    started = time.perf_counter()
    kb = KnowledgeBase.load(args.kb)
    load_s = time.perf_counter() - started
    rows = [q for q in load_questions(settings.data_dir) if split_of(q["id"]) != "test"]
    groups = {name: [q["question"] for q in rows if q["set"] == name][: args.queries]
              for name in ("consultations", "narratives")}
    groups["long (150-600 chars)"] = long_queries([q["question"] for q in rows], min(args.queries, 200))
    for q in groups["consultations"][:20]:  # warm-up (tokeniser cache is per process; a fresh query each time below)
        kb.search(q + "？")

    print(f"index: {kb.data.manifest['articles']} articles, {len(kb.data.faq.faqs)} FAQ, model {kb.data.manifest['model']}")
    print(f"load time: {load_s:.2f} s; query groups from the train+dev splits (test never used)")
    met = True
    for name, questions in groups.items():
        lengths = [len(q) for q in questions]
        result = time_group(kb, questions)
        print(f"\n{name}: {len(questions)} queries, {min(lengths)}-{max(lengths)} chars (median {int(np.median(lengths))})")
        print(f"{'':42s} {'p50 ms':>8s} {'p90 ms':>8s} {'p99 ms':>8s} {'mean ms':>8s}")
        for label, p in result.items():
            print(f"{label:42s} {p['p50']:8.2f} {p['p90']:8.2f} {p['p99']:8.2f} {p['mean']:8.2f}")
        h, b = result["hybrid search"], result["bare BM25 + bare faiss"]
        print(f"ratio hybrid / (bare BM25 + bare faiss): p50 {h['p50'] / b['p50']:.2f}x, p99 {h['p99'] / b['p99']:.2f}x")
        ok = h["p50"] <= GOAL_P50_MS and h["p99"] <= GOAL_P99_MS
        met = met and ok
        print(f"goal p50 <= {GOAL_P50_MS:.0f} ms and p99 <= {GOAL_P99_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    print(f"\nall groups: {'met' if met else 'NOT met'} (2 shared cores: figures are noisy)")


if __name__ == "__main__":
    main()
