"""Tune the fusion weights and calibrate the confidence model on the dev split only (the
encoder is fine-tuned on the train split, so its rankings of training questions are too good
to tune against; the test split is never used).

Each dev question is ranked once with its own FAQ twin masked (a new caller's question
has no exact copy in the FAQ); then coordinate descent over the fusion weights maximises
(recall@10 + MRR@10 + recall@100) / 3 (the weights include a prior for the laws that answered
the training questions most often), and a logistic model over the query features predicts
whether the top 5 hold a right article. The threshold is the lowest that keeps the precision of
"confident" answers on the dev questions at or above TARGET_PRECISION."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from knowledge_base.evaluate import score_ranking
from knowledge_base.corpus import answer_counts
from knowledge_base.service import DEFAULT_FUSION, FUSION_FILE, KnowledgeBase, confidence_features
from knowledge_base.splits import faq_twin, split_of

GRID = {
    "w_dense": [0.0, 0.3, 0.6, 1.0, 1.5],
    "w_faq": [0.0, 0.5, 1.0, 2.0, 4.0],
    "core_prior": [0.0, 0.002, 0.005, 0.01, 0.02],
    "k": [10.0, 30.0, 60.0],
    "faq_depth": [3, 5, 10, 20],
    "w_law": [0.0, 0.002, 0.004, 0.008, 0.012, 0.016],
}
TARGET_PRECISION = 0.8


def tuning_questions(queries: list[dict[str, Any]], splits: tuple[str, ...] = ("dev",)) -> list[dict[str, Any]]:
    return [q for q in queries if split_of(q["id"]) in splits and q.get("relevant")]


def _objective(kb: KnowledgeBase, rankings: list[Any], relevants: list[set[str]], fusion: dict[str, Any],
               sets: list[str] | None = None) -> float:
    """(recall@10 + MRR@10 + recall@100) / 3, averaged within each question set, then over the
    sets: one fusion serves short questions and narratives alike, however many each set has."""
    totals: dict[str, list[float]] = {}
    for n, (ranking, relevant) in enumerate(zip(rankings, relevants)):
        ids = [kb.data.articles[i].id for i, _ in kb.fuse(ranking, "hybrid", fusion)[:100]]
        s = score_ranking(ids, relevant)
        totals.setdefault(sets[n] if sets else "", []).append((s["recall@10"] + s["mrr@10"] + s["recall@100"]) / 3)
    return sum(sum(v) / len(v) for v in totals.values()) / max(len(totals), 1)


def rank_each(kb: KnowledgeBase, queries: list[dict[str, Any]], progress: bool) -> list[Any]:
    rankings = []
    for q in tqdm(queries, desc="排序 ranking", unit="q", disable=not progress):
        kb.mask_faqs({faq_twin(q["id"])})
        rankings.append(kb.rank(q["question"]))
    kb.mask_faqs(set())
    return rankings


def law_counts(queries: list[dict[str, Any]]) -> dict[str, int]:
    """How often each source law holds an answer to a TRAINING question (the hotline's own
    history; dev and test questions never count)."""
    laws, _ = answer_counts([q for q in queries if split_of(q["id"]) == "train"])
    return dict(sorted(laws.items(), key=lambda kv: -kv[1]))


def tune(kb: KnowledgeBase, queries: list[dict[str, Any]], progress: bool = True, rounds: int = 2) -> dict[str, Any]:
    train = tuning_questions(queries)
    rankings = rank_each(kb, train, progress)
    relevants = [set(q["relevant"]) for q in train]
    sets = [q.get("set", "") for q in train]
    best = {**DEFAULT_FUSION, **{k: v for k, v in kb.fusion.items() if k in GRID}, "law_counts": law_counts(queries)}
    best_score = _objective(kb, rankings, relevants, best, sets)
    for _ in range(rounds):
        for name, values in GRID.items():
            for value in values:
                trial = {**best, name: value}
                score = _objective(kb, rankings, relevants, trial, sets)
                if score > best_score + 1e-6:
                    best, best_score = trial, score
    # confidence model
    from sklearn.linear_model import LogisticRegression

    feats, labels = [], []
    for ranking, relevant in zip(rankings, relevants):
        ids = [kb.data.articles[i].id for i, _ in kb.fuse(ranking, "hybrid", best)[:5]]
        feats.append(confidence_features(ranking))
        labels.append(int(bool(relevant & set(ids))))
    X, y = np.array(feats), np.array(labels)
    model = LogisticRegression(C=1.0).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    threshold = 0.5
    for t in np.arange(0.2, 0.95, 0.01):
        mask = p >= t
        if mask.sum() >= 10 and y[mask].mean() >= TARGET_PRECISION:
            threshold = float(t)
            break
    best.update(conf_coef=[float(c) for c in model.coef_[0]], conf_bias=float(model.intercept_[0]),
                conf_threshold=round(threshold, 2))
    confident = p >= threshold
    best["tuned_on"] = {"split": "dev", "questions": len(train), "sets": sorted(set(sets)), "objective": round(best_score, 4),
                        "confident_share": round(float(confident.mean()), 3),
                        "confident_precision_at5": round(float(y[confident].mean()) if confident.any() else 0.0, 3)}
    return best


def save_fusion(path: Path, fusion: dict[str, Any]) -> None:
    (Path(path) / FUSION_FILE).write_text(json.dumps(fusion, ensure_ascii=False, indent=1), encoding="utf-8")
