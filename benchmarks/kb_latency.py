"""Query latency of the knowledge base on the full index (2 cores), in one run:
hybrid search (what the channels call) against bare BM25 and bare faiss search.

    .venv/bin/python benchmarks/kb_latency.py [--kb var/kb] [--queries N]

Queries: the consultation questions of the train and dev splits (never the test split).
Prints p50/p90/p99 in milliseconds for each and the ratios hybrid/BM25 and hybrid/faiss.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from hotline.config import get_settings
from knowledge_base.corpus import consultations_path, read_jsonl
from knowledge_base.index import encode
from knowledge_base.service import KnowledgeBase
from knowledge_base.splits import split_of
from knowledge_base.text import expand_lay_terms, tokenize


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p90": float(np.percentile(ms, 90)),
            "p99": float(np.percentile(ms, 99)), "mean": float(ms.mean())}


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", default=str(settings.kb_path))
    parser.add_argument("--queries", type=int, default=700)
    args = parser.parse_args()

    started = time.perf_counter()
    kb = KnowledgeBase.load(args.kb)
    load_s = time.perf_counter() - started
    questions = [q["question"] for q in read_jsonl(consultations_path(settings.data_dir))
                 if split_of(q["id"]) != "test"][: args.queries]
    for q in questions[:20]:  # warm-up (tokeniser cache is per process; a fresh query each time below)
        kb.search(q + "？")

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

    rows = {"hybrid search": percentiles(hybrid), "bare BM25 (tokenise + score + top 10)": percentiles(bm25),
            "bare faiss (encode + search top 10)": percentiles(dense)}
    print(f"index: {kb.data.manifest['articles']} articles, {len(kb.data.faq.faqs)} FAQ, model {kb.data.manifest['model']}")
    print(f"load time: {load_s:.2f} s; queries: {len(questions)} (train+dev split questions)")
    print(f"{'':42s} {'p50 ms':>8s} {'p90 ms':>8s} {'p99 ms':>8s} {'mean ms':>8s}")
    for name, p in rows.items():
        print(f"{name:42s} {p['p50']:8.2f} {p['p90']:8.2f} {p['p99']:8.2f} {p['mean']:8.2f}")
    h, b, d = rows.values()
    print(f"ratio hybrid/BM25: p50 {h['p50'] / b['p50']:.2f}x, p99 {h['p99'] / b['p99']:.2f}x")
    print(f"ratio hybrid/faiss: p50 {h['p50'] / d['p50']:.2f}x, p99 {h['p99'] / d['p99']:.2f}x")
    print(f"goal p50 <= 20 ms: {'met' if h['p50'] <= 20 else 'NOT met'}; p99 <= 100 ms: {'met' if h['p99'] <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
