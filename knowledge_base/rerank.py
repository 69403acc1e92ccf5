"""A learned re-ranker over the fused candidates (the top 400 of the hybrid fusion).

Each candidate gets features from every signal at once (its BM25 and dense ranks, its fused
rank and score, the FAQ answers that cite it, whether it is core, how often its law and the
article itself answered the hotline's training questions, how strongly its law dominates the
top of the list, the query's best BM25 and dense scores); gradient-boosted trees predict the
chance that it answers the question, and the candidates are re-ordered by it.

Trained by `hotline kb train` on rows nobody could have memorised: the training questions are
cross-fitted (each fold is ranked by an encoder fine-tuned on the other fold, with the article
and law counts of the other fold) and the dev questions are ranked by the final encoder. The
test questions are never used. The file remembers which encoder it was fitted with and is
ignored when the index uses another one.
"""
from __future__ import annotations

import math
import pickle
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

RERANKER_FILE = "reranker.pkl"
CANDIDATES = 400
FEATURES = ["fused_rank", "fused_rr", "fused_rel", "bm25_rr", "dense_rr", "faq_vote", "core", "law_log_count",
            "article_log_count", "law_share_top20", "query_bm25_top", "query_dense_top"]


def candidate_features(kb: Any, ranking: Any, fused: list[tuple[int, float]], law_counts: dict[str, int],
                       article_counts: dict[str, int]) -> np.ndarray:
    """One row of FEATURES per fused candidate (in fused order)."""
    bm25_pos = {i: r for r, i in enumerate(ranking.bm25)}
    dense_pos = {i: r for r, i in enumerate(ranking.dense)}
    faq_votes: Counter[int] = Counter()
    faqs = kb.data.faq.faqs
    for r, fi in enumerate(ranking.faq[:10]):
        for sid in faqs[fi].statutes:
            ai = kb.by_id.get(sid)
            if ai is not None:
                faq_votes[ai] += 1.0 / (r + 1)
    law_votes: Counter[str] = Counter()
    for r, (i, _) in enumerate(fused[:20]):
        law_votes[kb.sources[i]] += 1.0 / (r + 1)
    total_votes = sum(law_votes.values()) or 1.0
    top = fused[0][1] if fused and fused[0][1] else 1.0
    articles = kb.data.articles
    rows = np.empty((len(fused), len(FEATURES)), dtype=np.float32)
    for r, (i, score) in enumerate(fused):
        source = kb.sources[i]
        rows[r] = (r, 1.0 / (r + 1), score / top, 1.0 / (10 + bm25_pos.get(i, 400)),
                   1.0 / (10 + dense_pos.get(i, 400)), faq_votes.get(i, 0.0), float(kb.core_mask[i]),
                   math.log1p(law_counts.get(source, 0)), math.log1p(article_counts.get(articles[i].id, 0)),
                   law_votes.get(source, 0.0) / total_votes, ranking.bm25_top, ranking.dense_top)
    return rows


class Forest:
    """The fitted trees as flat numpy arrays, evaluated for all trees and rows at once.

    scikit-learn's own predict runs on OpenMP threads; on a busy 2-core server those threads
    spin against the web workers and a 1 ms prediction sometimes takes a second. Walking the
    trees in numpy is single-threaded, about as fast, and gives the same probabilities."""

    def __init__(self, model: Any) -> None:
        trees = [predictors[0].nodes for predictors in model._predictors]  # binary: one tree per iteration
        offsets = np.cumsum([0] + [len(t) for t in trees])
        nodes = np.concatenate(trees)
        self.roots = offsets[:-1].astype(np.int64)
        own = np.arange(len(nodes), dtype=np.int64)
        tree_of = np.repeat(np.arange(len(trees)), [len(t) for t in trees])
        leaf = nodes["is_leaf"].astype(bool)
        # absolute child indices; a leaf points at itself, so walking past it stays put
        self.left = np.where(leaf, own, offsets[tree_of] + nodes["left"]).astype(np.int64)
        self.right = np.where(leaf, own, offsets[tree_of] + nodes["right"]).astype(np.int64)
        self.feature = np.where(leaf, 0, nodes["feature_idx"]).astype(np.int64)
        self.threshold = nodes["num_threshold"].astype(np.float64)
        self.value = nodes["value"].astype(np.float64)
        self.depth = int(nodes["depth"].max())
        self.baseline = float(np.ravel(model._baseline_prediction)[0])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(relevant) for each row of X (features are never NaN: see candidate_features)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        n_rows, n_features = X.shape
        flat = X.ravel()
        node = np.repeat(self.roots, n_rows)  # tree-major: (tree, row)
        row_base = np.tile(np.arange(n_rows, dtype=np.int64) * n_features, len(self.roots))
        for _ in range(self.depth):
            go_left = flat[row_base + self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        raw = self.baseline + self.value[node].reshape(len(self.roots), n_rows).sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))


@dataclass
class Reranker:
    model: Forest
    encoder: str  # the encoder the training rows were ranked with
    law_counts: dict[str, int] = field(default_factory=dict)
    article_counts: dict[str, int] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    candidates: int = 100  # how many fused candidates it was fitted on (and so re-orders)

    def rerank(self, kb: Any, ranking: Any, fused: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The top `candidates` re-ordered by predicted relevance (score = probability); the rest
        keep their fused order below them."""
        head, tail = fused[:self.candidates], fused[self.candidates:]
        if not head:
            return fused
        probs = self.model.predict_proba(candidate_features(kb, ranking, head, self.law_counts,
                                                            self.article_counts))
        order = np.argsort(-probs, kind="stable")
        floor = float(probs.min()) if len(probs) else 0.0
        return [(head[j][0], float(probs[j])) for j in order] + [(i, floor * 0.5) for i, _ in tail]

    def save(self, path: Path) -> None:
        tmp = Path(path) / (RERANKER_FILE + ".tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(Path(path) / RERANKER_FILE)

    @staticmethod
    def load(path: Path, encoder: str) -> "Reranker | None":
        """The saved re-ranker if it was fitted with `encoder`; else None (fusion order is used)."""
        file = Path(path) / RERANKER_FILE
        if not file.exists():
            return None
        try:
            with open(file, "rb") as handle:
                reranker = pickle.load(handle)
        except Exception:  # a broken or incompatible file costs the re-ranking, not the search
            return None
        return reranker if isinstance(reranker, Reranker) and reranker.encoder == encoder else None


def fit(rows: list[np.ndarray], labels: list[np.ndarray], *, encoder: str, law_counts: dict[str, int],
        article_counts: dict[str, int], report: dict[str, Any]) -> Reranker:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = np.vstack(rows), np.concatenate(labels)
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15,
                                           min_samples_leaf=40, random_state=12348)
    model.fit(X, y)
    forest = Forest(model)
    if not np.allclose(forest.predict_proba(X[:2000]), model.predict_proba(X[:2000])[:, 1], atol=1e-6):
        raise RuntimeError("the numpy tree walk disagrees with scikit-learn's prediction")
    return Reranker(forest, encoder, law_counts, article_counts,
                    {**report, "rows": int(len(y)), "positives": int(y.sum()), "features": FEATURES,
                     "candidates": CANDIDATES}, candidates=CANDIDATES)
