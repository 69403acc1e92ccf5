"""Long queries: a caller's story read as weighted clauses, so what carries the legal meaning
counts and the story around it does not blur the search.

The query is split into sentences and clauses. Each clause gets a weight: later clauses more than
the opening (`position`), a clause that asks something (吗, 怎么, 能否, ？ …) more again, the last
such question most (`question`). Each word gets a weight: legal terms (the legal dictionary, law
names, the statute words of `LAY_TO_LEGAL`), relationships (老公, 房东, 老板 …) and amounts above
ordinary words, narrative filler (当时, 后来, 情况 …) and bare numbers (dates) below.

Keyword side: BM25 is a sum over the query's words, so searching every clause and fusing the
clause scores with their weights, sum_c w_c × sum_(t in c) w_t × bm25(t, d), is one weighted BM25
pass over the posting lists (`weighted_bm25`). Dense side: the clauses are encoded apart and
their vectors summed with the same weights (one faiss search). A one-clause question keeps
(almost) the plain query: only the word weights apply.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from knowledge_base.text import LAY_TO_LEGAL, LEGAL_TERMS, tokenize

SENTENCE_RE = re.compile(r"[。！？!?；;\n]+")
CLAUSE_RE = re.compile(r"[，,、：:]+|\s{2,}")
QUESTION_RE = re.compile(r"[?？]|吗|么|怎么|怎样|如何|是否|能否|能不能|可不可以|可以|有没有|要不要|算不算|该不该|"
                         r"应该|应当|多少|哪些|哪里|谁|什么|合法|违法|有效|责任|赔偿|起诉|请问")
AMOUNT_RE = re.compile(r"\d[\d.,]*\s*(?:万|千|百)?\s*(?:元|块|万|多)|[一二三四五六七八九十百千万几]+\s*(?:万|千)\s*(?:元|块)?")

RELATIONS = set("""老公 老婆 丈夫 妻子 配偶 前妻 前夫 夫妻 父母 父亲 母亲 爸爸 妈妈 儿子 女儿 子女 孩子 小孩 婆婆 公公 岳父 岳母 儿媳 女婿
兄弟 姐妹 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 外公 外婆 孙子 继父 继母 养父 养母 监护人 老板 公司 单位 用人单位 员工 职工 劳动者 同事
房东 租客 出租人 承租人 中介 业主 物业 开发商 邻居 债务人 债权人 借款人 担保人 保证人 商家 卖家 买家 经营者 消费者 司机 车主 对方
原告 被告 法人 股东 合伙人 包工头 雇主 保姆 学校 医院 保险公司""".split())

FILLER = set("""当时 后来 之后 以后 以前 之前 那时 那时候 时候 今年 去年 前年 明年 今天 昨天 上午 下午 晚上 早上 最近 目前 一直 一次 一下
情况 事情 这样 那样 这种 那种 一些 有点 觉得 感觉 发现 因此 于是 结果 突然 其实 真的 非常 特别 比较 大概 左右 差不多 本人 咨询 您好 律师
这边 那边 里面 一起 东西 问题 经过 说是 告诉 表示 只是 还有 而且 并且 同时 另外 自己 我们 他们 对方说""".split())


SHORT_CHARS, LONG_CHARS = 100, 200  # clause weights start above SHORT_CHARS, in full from LONG_CHARS


@dataclass(frozen=True)
class Weights:
    """The tunable weights (also in the fusion file: `tuning.GRID` searches `q_*`)."""

    position: float = 0.7  # the first clause weighs 1 - position, the last 1
    question: float = 4.0  # a clause that asks; the last question gets it in full, earlier ones its root
    legal: float = 1.0  # 1.5 and 2 lost on both sets' train+dev questions (BM25 alone): kept neutral
    relation: float = 1.0  # 1.3 and 1.6: no gain
    amount: float = 1.2
    filler: float = 0.4
    number: float = 0.3

    @classmethod
    def of(cls, fusion: dict[str, Any]) -> "Weights":
        return cls(**{name: float(fusion[f"q_{name}"]) for name in cls.__dataclass_fields__ if f"q_{name}" in fusion})


@lru_cache(maxsize=1)
def legal_words() -> frozenset[str]:
    words = {line.split()[0] for line in LEGAL_TERMS.read_text(encoding="utf-8").splitlines() if line.strip()}
    for lay, legal in LAY_TO_LEGAL.items():
        words.add(lay)
        words.update(legal.split())
    return frozenset(words)


def clauses(text: str) -> list[str]:
    out = []
    for sentence in SENTENCE_RE.split(text):
        out.extend(c.strip() for c in CLAUSE_RE.split(sentence) if c.strip())
    return out


def clause_weights(parts: list[str], w: Weights) -> list[float]:
    n = len(parts)
    if n <= 1:
        return [1.0] * n
    weights = [1.0 - w.position + w.position * i / (n - 1) for i in range(n)]
    asking = [i for i, c in enumerate(parts) if QUESTION_RE.search(c)]
    for i in asking:
        weights[i] *= w.question if i == asking[-1] else w.question ** 0.5
    if not asking:  # a story without a question mark: its end is what the caller wants to know
        weights[-1] *= w.question ** 0.5
    for i, c in enumerate(parts):
        if AMOUNT_RE.search(c):
            weights[i] *= w.amount
    return weights


def term_weight(token: str, w: Weights, law_names: frozenset[str] | set[str] = frozenset()) -> float:
    if token in legal_words() or token in law_names or token.endswith("法") and len(token) >= 3:
        return w.legal
    if token in RELATIONS:
        return w.relation
    if token in FILLER:
        return w.filler
    if any(ch.isdigit() for ch in token):
        return w.number
    return 1.0


@dataclass
class ParsedQuery:
    text: str
    parts: list[str]
    weights: list[float]  # one per clause, mean 1
    terms: dict[str, float] = field(default_factory=dict)  # token → summed weight (BM25)
    strength: float = 0.0  # 0 up to SHORT_CHARS, 1 from LONG_CHARS: how much the clause weights apply

    @property
    def tokens(self) -> list[str]:
        return list(self.terms)


def parse(query: str, w: Weights = Weights(), law_names: frozenset[str] | set[str] = frozenset()) -> ParsedQuery:
    parts = clauses(query) or [query]
    strength = min(1.0, max(0.0, (len(query) - SHORT_CHARS) / (LONG_CHARS - SHORT_CHARS)))
    weights = [1.0 + strength * (x - 1.0) for x in clause_weights(parts, w)]
    total = sum(weights) or 1.0
    weights = [x * len(parts) / total for x in weights]  # mean clause weight 1: scores stay on BM25's scale
    terms: dict[str, float] = {}
    lay_weight: dict[str, float] = {}  # the statute words of the lay words: once, at their best clause's weight
    for part, cw in zip(parts, weights):
        for token in tokenize(part):
            terms[token] = terms.get(token, 0.0) + cw * term_weight(token, w, law_names)
        for lay, legal in LAY_TO_LEGAL.items():
            if lay in part:
                lay_weight[legal] = max(lay_weight.get(legal, 0.0), cw)
    for legal, cw in lay_weight.items():
        for token in tokenize(f" {legal}"):
            terms[token] = terms.get(token, 0.0) + cw * term_weight(token, w, law_names)
    return ParsedQuery(query, parts, weights, terms, strength)


def weighted_bm25(bm25: Any, terms: dict[str, float]) -> np.ndarray | None:
    """sum_t weight_t × bm25(t, d) for every document d, in one pass over the posting lists
    (bm25s keeps them as a CSC matrix: `scores` data/indices/indptr by token id)."""
    vocab = bm25.vocab_dict
    known = [(vocab[t], wt) for t, wt in terms.items() if t in vocab and wt > 0]
    if not known:
        return None
    s = bm25.scores
    indptr, data, indices = s["indptr"], s["data"], s["indices"]
    slices = [(indptr[i], indptr[i + 1], wt) for i, wt in known]
    if not any(end > start for start, end, _ in slices):
        return np.zeros(s["num_docs"], dtype=np.float32)
    docs = np.concatenate([indices[a:b] for a, b, _ in slices])
    vals = np.concatenate([data[a:b] * np.float32(wt) for a, b, wt in slices])
    return np.bincount(docs, weights=vals, minlength=s["num_docs"]).astype(np.float32)


def query_vector(model: Any, parsed: ParsedQuery) -> np.ndarray:
    """The query's vector; for a long query blended (by `strength`) with the clauses' normalised
    vectors summed with the clause weights. One batch of one encoder call."""
    long = parsed.strength > 0 and len(parsed.parts) > 1
    texts = [parsed.text] + (parsed.parts if long else [])
    vecs = np.asarray(model.encode(texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False), dtype=np.float32)
    if not long:
        return vecs[0]
    weights = np.asarray(parsed.weights, dtype=np.float32) * np.sqrt([len(p) for p in parsed.parts]).astype(np.float32)
    mix = (weights[:, None] * vecs[1:]).sum(axis=0)
    mix /= float(np.linalg.norm(mix)) or 1.0
    v = (1.0 - parsed.strength) * vecs[0] + parsed.strength * mix
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v
