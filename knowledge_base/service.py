"""The knowledge base the channels call: hybrid search with citations and a confidence flag.

    kb = KnowledgeBase.load(path)
    result = kb.search("我被公司拖欠工资三个月了怎么办", top=10)
    result.confident, [(h.law, h.article_no, h.version, h.score) for h in result.hits]

Ranking: reciprocal-rank fusion of BM25 (jieba tokens) and dense (faiss) article rankings, plus
the articles cited by the best-matching FAQ questions, plus a prior for core articles; weights
and the confidence model are tuned on the dev split (`knowledge_base.tuning`).
"""
from __future__ import annotations

import json
import math
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.corpus import Article, Faq
from knowledge_base.rerank import Reranker
from knowledge_base.index import FaqPart, IndexData, index_exists, load_index
from knowledge_base.longquery import Weights, parse, query_vector, weighted_bm25

MAX_QUERY_CHARS = 2000
FUSION_FILE = "fusion.json"
EXTRA_FAQ_FILE = "hotline_faqs.json"

DEFAULT_FUSION: dict[str, Any] = {
    "k": 60.0, "w_bm25": 1.0, "w_dense": 0.5, "w_faq": 0.5, "core_prior": 0.004, "depth": 300, "faq_depth": 5,
    # law prior: how often each source law answered the hotline's training questions
    "w_law": 0.0, "law_counts": {},
    # confidence: logistic model over query features; "confident" when p >= threshold
    "conf_coef": [2.0, 4.0, 3.0], "conf_bias": -4.5, "conf_threshold": 0.35,
    "w_phonetic": 1.0,  # transcribed speech only: the sound channel (knowledge_base/phonetic.py)
    # long queries (`knowledge_base.longquery`): clause and word weights
    **{f"q_{name}": value for name, value in asdict(Weights()).items()},
}


class QueryError(ValueError):
    """An unusable query: empty, or longer than MAX_QUERY_CHARS."""


@dataclass
class Hit:
    kind: str  # article | faq
    id: str
    score: float
    law: str = ""
    title: str = ""
    article_no: str = ""
    chapter: str = ""
    level: str = ""
    version: str | None = None
    text: str = ""
    core: bool = False
    question: str = ""
    answer: str = ""
    statutes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def citation(self) -> str:
        if self.kind == "faq":
            return f"常见问题 {self.id}"
        version = f"（{self.version}版）" if self.version else ""
        return f"《{self.title or self.law}》{self.article_no}{version}"


@dataclass
class SearchResponse:
    query: str
    hits: list[Hit]
    confident: bool
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "confident": self.confident, "confidence": self.confidence,
                "hits": [h.to_dict() for h in self.hits]}


def check_query(query: str) -> str:
    if not isinstance(query, str) or not query.strip():
        raise QueryError("查询内容为空 (empty query)")
    query = " ".join(query.split())
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"查询内容过长：{len(query)} 字，上限 {MAX_QUERY_CHARS} 字 (query too long)")
    return query


@dataclass
class Ranking:
    """Intermediate ranking of one query (kept apart so evaluation can score each signal)."""

    bm25: list[int]
    bm25_top: float
    dense: list[int]
    dense_top: float
    faq: list[int]
    faq_top: float
    query: str = ""
    bm25_scores: np.ndarray | None = None  # every article's BM25 score (for the re-ranker)
    qvec: np.ndarray | None = None  # the query's embedding
    phonetic: list[int] = field(default_factory=list)  # transcribed speech: the sound channel's articles


class KnowledgeBase:
    def __init__(self, data: IndexData, model: Any, path: Path | None = None,
                 fusion: dict[str, Any] | None = None) -> None:
        self.data = data
        self.model = model
        self.path = path
        self.fusion = {**DEFAULT_FUSION, **(fusion or {})}
        self.by_id = {a.id: i for i, a in enumerate(data.articles)}
        self.core_mask = np.array([a.core for a in data.articles], dtype=bool)
        self.sources = [a.source for a in data.articles]
        codes: dict[str, int] = {}
        self.source_codes = np.array([codes.setdefault(s, len(codes)) for s in self.sources], dtype=np.int64)
        self.text_lengths = np.log1p([len(a.text) for a in data.articles])
        self.law_names = frozenset(a.law for a in data.articles)
        self.reranker: Reranker | None = None
        self._faq_lock = threading.Lock()
        self._faq_mask: set[str] = set()

    # -- loading ---------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> "KnowledgeBase":
        path = Path(path)
        data, model = load_index(path)
        fusion_file = path / FUSION_FILE
        fusion = json.loads(fusion_file.read_text(encoding="utf-8")) if fusion_file.exists() else None
        kb = cls(data, model, path, fusion)
        kb.reranker = Reranker.load(path, data.manifest.get("model", ""))
        extra = path / EXTRA_FAQ_FILE
        if extra.exists():
            for row in json.loads(extra.read_text(encoding="utf-8")):
                kb._put_faq(Faq(**row))
        return kb

    @staticmethod
    def exists(path: Path) -> bool:
        return index_exists(path)

    # -- FAQ entries written in the hotline --------------------------------------------------------
    def _put_faq(self, faq: Faq) -> None:
        with self._faq_lock:
            faqs = [f for f in self.data.faq.faqs if f.id != faq.id] + [faq]
            self.data.faq = FaqPart.build(faqs, self.model)  # small: rebuilt, then swapped in

    def _persist_extra(self) -> None:
        if self.path is None:
            return
        extra = [f.to_dict() for f in self.data.faq.faqs if f.id.startswith("hotline-")]
        tmp = self.path / (EXTRA_FAQ_FILE + ".tmp")
        tmp.write_text(json.dumps(extra, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path / EXTRA_FAQ_FILE)

    def add_faq(self, id: str, question: str, answer: str, statutes: list[str]) -> Faq:
        """Publish a FAQ written in the hotline (ids start with 'hotline-'); searches keep running."""
        if not id.startswith("hotline-"):
            id = f"hotline-{id}"
        unknown = [s for s in statutes if s not in self.by_id]
        if unknown:
            raise ValueError(f"未知的法条: {', '.join(unknown)}")
        faq = Faq(id=id, question=question.strip(), answer=answer.strip(), statutes=list(statutes))
        self._put_faq(faq)
        self._persist_extra()
        return faq

    def remove_faq(self, id: str) -> None:
        with self._faq_lock:
            faqs = [f for f in self.data.faq.faqs if f.id != id]
            self.data.faq = FaqPart.build(faqs, self.model)
        self._persist_extra()

    def mask_faqs(self, ids: set[str]) -> None:
        """Hide FAQ entries from ranking (evaluation: an evaluated question's own twin)."""
        self._faq_mask = set(ids)

    # -- ranking ---------------------------------------------------------------------------------
    def get_article(self, article_id: str) -> Hit | None:
        i = self.by_id.get(article_id)
        return None if i is None else self._article_hit(i, 1.0)

    def _article_hit(self, i: int, score: float) -> Hit:
        a: Article = self.data.articles[i]
        return Hit(kind="article", id=a.id, score=score, law=a.law, title=a.title, article_no=a.article_no,
                   chapter=a.chapter, level=a.level, version=a.version, text=a.text, core=a.core)

    @staticmethod
    def _bm25(tokens: list[str] | dict[str, float], depth: int, bm25: Any, n: int
              ) -> tuple[list[int], float, np.ndarray | None]:
        """The top `depth` documents, the best score, and every document's score; `tokens` is a
        list of words or {word: weight} (a parsed long query, `longquery.weighted_bm25`)."""
        if n == 0:
            return [], 0.0, None
        if isinstance(tokens, dict):
            scores = weighted_bm25(bm25, tokens)
        else:
            known = [t for t in tokens if t in bm25.vocab_dict]
            scores = bm25.get_scores(known) if known else None
        if scores is None:
            return [], 0.0, None
        depth = min(depth, n)
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top])]
        top = [int(i) for i in top if scores[i] > 0]
        return top, float(scores[top[0]]) if top else 0.0, scores

    def _dense(self, qvec: np.ndarray, depth: int, index: Any) -> tuple[list[int], float]:
        if index.ntotal == 0:
            return [], 0.0
        sims, ids = index.search(qvec[None, :], min(depth, index.ntotal))
        return [int(i) for i in ids[0] if i >= 0], float(sims[0][0])

    def rank(self, query: str, depth: int | None = None, spoken: bool = False) -> Ranking:
        depth = depth or int(self.fusion["depth"])
        parsed = parse(query, Weights.of(self.fusion), self.law_names)
        tokens = parsed.terms
        qvec = query_vector(self.model, parsed)
        bm25, bm25_top, bm25_scores = self._bm25(tokens, depth, self.data.bm25, len(self.data.articles))
        dense, dense_top = self._dense(qvec, depth, self.data.faiss)
        faq_part = self.data.faq
        fb = self._bm25(tokens, 50, faq_part.bm25, len(faq_part.faqs))[0] if faq_part.bm25 else []
        fd, faq_top = self._dense(qvec, 50, faq_part.faiss)
        k = self.fusion["k"]
        faq_scores: dict[int, float] = {}
        for ranks in (fb, fd):
            for r, i in enumerate(ranks):
                if faq_part.faqs[i].id not in self._faq_mask:
                    faq_scores[i] = faq_scores.get(i, 0.0) + 1.0 / (k + r + 1)
        faq = sorted(faq_scores, key=lambda i: -faq_scores[i])
        ranking = Ranking(bm25, bm25_top, dense, dense_top, faq, faq_top, query, bm25_scores, qvec)
        if spoken:  # transcribed speech: also match by sound (工商认定 finds 工伤认定)
            from knowledge_base.phonetic import phonetic_ranking

            ranking.phonetic = phonetic_ranking(self, query, depth)
        return ranking

    def fuse(self, ranking: Ranking, mode: str = "hybrid", fusion: dict[str, Any] | None = None) -> list[tuple[int, float]]:
        """Article indices with fused scores, best first. mode: hybrid | bm25 | dense."""
        f = fusion or self.fusion
        k = f["k"]
        if mode == "bm25":
            return [(i, 1.0 / (k + r + 1)) for r, i in enumerate(ranking.bm25)]
        if mode == "dense":
            return [(i, 1.0 / (k + r + 1)) for r, i in enumerate(ranking.dense)]
        scores: dict[int, float] = {}
        for r, i in enumerate(ranking.bm25):
            scores[i] = scores.get(i, 0.0) + f["w_bm25"] / (k + r + 1)
        for r, i in enumerate(ranking.dense):
            scores[i] = scores.get(i, 0.0) + f["w_dense"] / (k + r + 1)
        for r, i in enumerate(ranking.phonetic):
            scores[i] = scores.get(i, 0.0) + f.get("w_phonetic", 0.0) / (k + r + 1)
        faqs = self.data.faq.faqs
        for r, fi in enumerate(ranking.faq[: int(f["faq_depth"])]):
            for sid in faqs[fi].statutes:
                ai = self.by_id.get(sid)
                if ai is not None:
                    scores[ai] = scores.get(ai, 0.0) + f["w_faq"] / (k + r + 1)
        prior = f["core_prior"]
        if prior:
            for i in scores:
                if self.core_mask[i]:
                    scores[i] += prior
        w_law, law_counts = f.get("w_law", 0.0), f.get("law_counts") or {}
        if w_law and law_counts:
            sources = self.sources
            for i in scores:
                scores[i] += w_law * math.log1p(law_counts.get(sources[i], 0))
        return sorted(scores.items(), key=lambda kv: -kv[1])

    def order(self, ranking: Ranking, mode: str = "hybrid", fusion: dict[str, Any] | None = None
              ) -> list[tuple[int, float]]:
        """The final article order: the fusion, re-ordered by the learned re-ranker when one was
        fitted for this index's encoder (hybrid mode with the index's own fusion only)."""
        fused = self.fuse(ranking, mode, fusion)
        if mode == "hybrid" and fusion is None and self.reranker is not None:
            return self.reranker.rerank(self, ranking, fused)
        return fused

    def confidence(self, ranking: Ranking) -> float:
        f = self.fusion
        features = confidence_features(ranking)
        z = f["conf_bias"] + sum(c * x for c, x in zip(f["conf_coef"], features))
        return 1.0 / (1.0 + math.exp(-z))

    def search(self, query: str, top: int = 10, mode: str = "hybrid", spoken: bool = False) -> SearchResponse:
        """Ranked articles (and the best FAQ answers) for a citizen's words (`spoken`: recognised
        speech, matched by sound as well)."""
        query = check_query(query)
        ranking = self.rank(query, spoken=spoken)
        fused = self.order(ranking, mode)[:top]
        p = self.confidence(ranking)
        confident = p >= self.fusion["conf_threshold"]
        best = fused[0][1] if fused else 1.0
        hits = [self._article_hit(i, round(p * s / best, 4)) for i, s in fused]
        if mode == "hybrid":
            faqs = self.data.faq.faqs
            for r, fi in enumerate(ranking.faq[:3]):
                faq = faqs[fi]
                hits.append(Hit(kind="faq", id=faq.id, score=round(p / (1 + r), 4), question=faq.question,
                                answer=faq.answer, statutes=list(faq.statutes), title="常见问题"))
            hits.sort(key=lambda h: -h.score)
            hits = hits[:top]
        return SearchResponse(query=query, hits=hits, confident=confident, confidence=round(p, 4))


def confidence_features(ranking: Ranking) -> list[float]:
    """Query-level evidence: keyword match strength, dense similarity, agreement of the rankings."""
    bm = math.log1p(ranking.bm25_top) / 3.0
    dense = max(0.0, ranking.dense_top - 0.5) * 2.0
    agree = len(set(ranking.bm25[:20]) & set(ranking.dense[:20])) / 20.0
    return [bm, dense, agree]
