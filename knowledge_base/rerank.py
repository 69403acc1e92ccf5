"""A learned re-ranker over the fused candidates (the top 400 of the hybrid fusion).

Each candidate gets features from every signal at once: its BM25 and dense ranks and scores,
its fused rank and score, the FAQ answers that cite it, whether it is core, its level and
length, how often its law and the article itself answered the hotline's training questions,
whether articles answered together with the top candidates (co-citations) or next to them in
the same law rank high, whether the question names its law, how strongly its law dominates the
top of the list, the query's best BM25 and dense scores, its length. Five gradient-boosted tree models
(each on a random 70 % of the features) predict the chance that it answers the question; the
candidates are re-ordered by their mean.

Trained by `hotline kb train` on rows nobody could have memorised: the training questions are
cross-fitted (each fold is ranked by an encoder fine-tuned on the other fold, with the other
fold's history) and the dev questions are ranked by the final encoder. The
test questions are never used. The file remembers which encoder and features it was fitted
with and is ignored when the index uses another encoder or the code other features.
"""
from __future__ import annotations

import math
import pickle
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.corpus import answer_counts

RERANKER_FILE = "reranker.pkl"
CANDIDATES = 400
LAYOUT = 2  # the Forest's arrays; a saved re-ranker of another layout (or other FEATURES) is not used
BAG = 5  # models averaged (each on 70 % of the features), steadier than one model
FEATURES = ["fused_rank", "fused_rr", "fused_rel", "bm25_rr", "dense_rr", "faq_vote", "core", "law_log_count",
            "article_log_count", "law_share_top20", "query_bm25_top", "query_dense_top",
            "bm25_rel", "bm25_score", "dense_sim", "dense_gap", "neighbour", "cocited", "law_in_query",
            "text_len", "level", "query_len"]
LEVELS = {"宪法": 0, "法律": 1, "行政法规": 2, "司法解释": 3, "部门规章": 4}


@dataclass
class History:
    """What the hotline's own answered questions say about the articles: how often each law and
    each article answered one, and which articles answered the same question (co-citations)."""

    law_counts: dict[str, int] = field(default_factory=dict)
    article_counts: dict[str, int] = field(default_factory=dict)
    cocited: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, questions: list[dict[str, Any]]) -> "History":
        laws, articles = answer_counts(questions)
        cocited: dict[str, Counter[str]] = {}
        for q in questions:
            relevant = sorted(set(q.get("relevant") or []))
            for a in relevant:
                for b in relevant:
                    if b != a:
                        cocited.setdefault(a, Counter())[b] += 1
        return cls(laws, articles, {a: dict(c) for a, c in cocited.items()})


def _neighbour(kb: Any, idx: np.ndarray) -> np.ndarray:
    """For each candidate, 1/(rank+1)/distance of the best-ranked candidate that is one or two
    articles away in the same law (answers often sit next to each other)."""
    order = np.argsort(idx, kind="stable")
    ordered = idx[order]
    codes = kb.source_codes
    best = np.zeros(len(idx))
    for step in (-2, -1, 1, 2):
        target = np.clip(idx + step, 0, len(codes) - 1)
        loc = np.clip(np.searchsorted(ordered, target), 0, len(ordered) - 1)
        found = (ordered[loc] == target) & (codes[target] == codes[idx]) & (target != idx)
        value = np.where(found, 1.0 / (order[loc] + 1) / abs(step), 0.0)
        best = np.maximum(best, value)
    return best


def candidate_features(kb: Any, ranking: Any, fused: list[tuple[int, float]], history: History) -> np.ndarray:
    """One row of FEATURES per fused candidate (in fused order)."""
    n = len(fused)
    if n == 0:
        return np.empty((0, len(FEATURES)), dtype=np.float32)
    idx = np.fromiter((i for i, _ in fused), dtype=np.int64, count=n)
    fused_scores = np.fromiter((s for _, s in fused), dtype=np.float64, count=n)
    pos = {int(i): r for r, i in enumerate(idx)}
    bm25_pos = {i: r for r, i in enumerate(ranking.bm25)}
    dense_pos = {i: r for r, i in enumerate(ranking.dense)}
    articles = kb.data.articles
    faq_votes = np.zeros(n)
    faqs = kb.data.faq.faqs
    for r, fi in enumerate(ranking.faq[:10]):
        for sid in faqs[fi].statutes:
            j = pos.get(kb.by_id.get(sid, -1))
            if j is not None:
                faq_votes[j] += 1.0 / (r + 1)
    cocited = np.zeros(n)
    for r, i in enumerate(idx[:10]):
        for other, count in history.cocited.get(articles[i].id, {}).items():
            j = pos.get(kb.by_id.get(other, -1))
            if j is not None:
                cocited[j] += count / (r + 1)
    sources = [kb.sources[i] for i in idx]
    law_votes: Counter[str] = Counter()
    for r, source in enumerate(sources[:20]):
        law_votes[source] += 1.0 / (r + 1)
    total_votes = sum(law_votes.values()) or 1.0
    query = ranking.query
    in_query: dict[str, float] = {}
    for i in idx:
        law = articles[i].law
        if law not in in_query:
            in_query[law] = 1.0 if law and law in query else 0.0
    bm25_scores = ranking.bm25_scores[idx] if ranking.bm25_scores is not None else np.zeros(n)
    dense_sims = kb.data.vectors[idx] @ ranking.qvec if ranking.qvec is not None else np.zeros(n)
    ranks = np.arange(n, dtype=np.float64)
    columns = [
        ranks, 1.0 / (ranks + 1), fused_scores / (fused_scores[0] or 1.0),
        [1.0 / (10 + bm25_pos.get(i, 400)) for i in idx], [1.0 / (10 + dense_pos.get(i, 400)) for i in idx],
        faq_votes, kb.core_mask[idx],
        [math.log1p(history.law_counts.get(s, 0)) for s in sources],
        [math.log1p(history.article_counts.get(articles[i].id, 0)) for i in idx],
        [law_votes.get(s, 0.0) / total_votes for s in sources],
        np.full(n, ranking.bm25_top), np.full(n, ranking.dense_top),
        bm25_scores / max(ranking.bm25_top, 1e-6), bm25_scores, dense_sims, ranking.dense_top - dense_sims,
        _neighbour(kb, idx), cocited, [in_query[articles[i].law] for i in idx],
        kb.text_lengths[idx], [LEVELS.get(articles[i].level, 5) for i in idx],
        np.full(n, math.log1p(len(query))),  # short question or told story: the signals weigh differently
    ]
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in columns]).astype(np.float32)


class Forest:
    """The fitted trees of one or more models as flat numpy arrays, evaluated for all trees and
    rows at once; several models give the mean of their raw scores.

    scikit-learn's own predict runs on OpenMP threads; on a busy 2-core server those threads
    spin against the web workers and a 1 ms prediction sometimes takes a second. Walking the
    trees in numpy is single-threaded, about as fast, and gives the same probabilities."""

    def __init__(self, models: Any) -> None:
        models = models if isinstance(models, (list, tuple)) else [models]
        # binary: one tree per iteration
        trees = [predictors[0].nodes for model in models for predictors in model._predictors]
        offsets = np.cumsum([0] + [len(t) for t in trees])
        nodes = np.concatenate(trees)
        self.roots = offsets[:-1].astype(np.int64)
        own = np.arange(len(nodes), dtype=np.int64)
        tree_of = np.repeat(np.arange(len(trees)), [len(t) for t in trees])
        leaf = nodes["is_leaf"].astype(bool)
        # absolute child indices, [2n] left and [2n + 1] right of node n; a leaf points at itself,
        # so walking past it stays put
        left = np.where(leaf, own, offsets[tree_of] + nodes["left"])
        right = np.where(leaf, own, offsets[tree_of] + nodes["right"])
        self.children = np.stack([left, right], axis=1).ravel().astype(np.int64)
        self.feature = np.where(leaf, 0, nodes["feature_idx"]).astype(np.int64)
        self.threshold = nodes["num_threshold"].astype(np.float64)
        self.value = nodes["value"].astype(np.float64) / len(models)
        self.depth = int(nodes["depth"].max())
        self.baseline = float(np.mean([np.ravel(m._baseline_prediction)[0] for m in models]))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(relevant) for each row of X (features are never NaN: see candidate_features)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        n_rows, n_features = X.shape
        flat = X.ravel()
        node = np.repeat(self.roots, n_rows)  # tree-major: (tree, row)
        row_base = np.tile(np.arange(n_rows, dtype=np.int64) * n_features, len(self.roots))
        for _ in range(self.depth):
            go_right = flat[row_base + self.feature[node]] > self.threshold[node]
            node = self.children[2 * node + go_right]
        raw = self.baseline + self.value[node].reshape(len(self.roots), n_rows).sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))


@dataclass
class Reranker:
    model: Forest
    encoder: str  # the encoder the training rows were ranked with
    history: History = field(default_factory=History)
    report: dict[str, Any] = field(default_factory=dict)
    candidates: int = CANDIDATES  # how many fused candidates it was fitted on (and so re-orders)
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    layout: int = LAYOUT

    def rerank(self, kb: Any, ranking: Any, fused: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The top `candidates` re-ordered by predicted relevance (score = probability); the rest
        keep their fused order below them."""
        head, tail = fused[:self.candidates], fused[self.candidates:]
        if not head:
            return fused
        probs = self.model.predict_proba(candidate_features(kb, ranking, head, self.history))
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
        """The saved re-ranker if it was fitted with `encoder` on today's FEATURES and LAYOUT; else None
        (fusion order is used, until `hotline kb train` fits a new one)."""
        file = Path(path) / RERANKER_FILE
        if not file.exists():
            return None
        try:
            with open(file, "rb") as handle:
                reranker = pickle.load(handle)
        except Exception:  # a broken or incompatible file costs the re-ranking, not the search
            return None
        if (not isinstance(reranker, Reranker) or getattr(reranker, "features", None) != FEATURES
                or getattr(reranker, "layout", None) != LAYOUT):
            return None
        return reranker if reranker.encoder == encoder else None


def fit(rows: list[np.ndarray], labels: list[np.ndarray], *, encoder: str, history: History,
        report: dict[str, Any]) -> Reranker:
    """BAG gradient-boosted models (seeds 0..BAG-1, each split on a random 70 % of the features),
    walked as one Forest."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = np.vstack(rows), np.concatenate(labels)
    models = [HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15, max_depth=6,
                                             min_samples_leaf=40, max_features=0.7, random_state=seed).fit(X, y)
              for seed in range(BAG)]
    forest = Forest(models)
    raw = np.mean([m._raw_predict(X[:2000])[:, 0] for m in models], axis=0)
    if not np.allclose(forest.predict_proba(X[:2000]), 1.0 / (1.0 + np.exp(-raw)), atol=1e-6):
        raise RuntimeError("the numpy tree walk disagrees with scikit-learn's prediction")
    return Reranker(forest, encoder, history,
                    {**report, "rows": int(len(y)), "positives": int(y.sum()), "features": FEATURES,
                     "candidates": CANDIDATES, "models": BAG, "trees": len(forest.roots)})
