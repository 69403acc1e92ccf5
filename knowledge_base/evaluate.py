"""Retrieval evaluation: recall@k and MRR@10 for the hybrid ranking and, in the same run, for
BM25 alone and dense alone. FAQ entries that hold an evaluated question (same text, or its id
twin) are masked, so no question is answered by its own copy."""
from __future__ import annotations

from typing import Any

from tqdm import tqdm

from knowledge_base.splits import faq_twin, normalise

KS = (1, 5, 10, 100)
MODES = ("hybrid", "bm25", "dense")


def leak_mask(kb: Any, queries: list[dict[str, Any]]) -> set[str]:
    texts = {normalise(q["question"]) for q in queries}
    twins = {faq_twin(q["id"]) for q in queries if "id" in q}
    return {f.id for f in kb.data.faq.faqs if f.id in twins or normalise(f.question) in texts}


def score_ranking(ranked_ids: list[str], relevant: set[str]) -> dict[str, float]:
    out = {}
    for k in KS:
        out[f"recall@{k}"] = len(relevant & set(ranked_ids[:k])) / len(relevant)
    rr = 0.0
    for r, aid in enumerate(ranked_ids[:10], start=1):
        if aid in relevant:
            rr = 1.0 / r
            break
    out["mrr@10"] = rr
    return out


def evaluate(kb: Any, queries: list[dict[str, Any]], progress: bool = True,
             fusion: dict[str, Any] | None = None) -> dict[str, dict[str, float]]:
    kb.mask_faqs(leak_mask(kb, queries))
    sums = {m: {f"recall@{k}": 0.0 for k in KS} | {"mrr@10": 0.0} for m in MODES}
    n = 0
    try:
        for q in tqdm(queries, desc="评测 evaluating", unit="q", disable=not progress):
            relevant = set(q["relevant"])
            if not relevant:
                continue
            ranking = kb.rank(q["question"])
            n += 1
            for mode in MODES:
                ids = [kb.data.articles[i].id for i, _ in kb.order(ranking, mode, fusion)[:100]]
                for key, value in score_ranking(ids, relevant).items():
                    sums[mode][key] += value
    finally:
        kb.mask_faqs(set())
    return {m: {key: round(v / max(n, 1), 4) for key, v in vals.items()} | {"n": n} for m, vals in sums.items()}
