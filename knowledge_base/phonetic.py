"""Search by sound for transcribed speech: a BM25 channel over toneless pinyin tokens, fused with
the keyword and dense channels (`KnowledgeBase.search(..., spoken=True)`).

The recogniser writes 工商认定 for 工伤认定, 福养费 for 抚养费: the characters differ, the sound
does not. Each article's text and the query are turned into syllables (one reading per
character, pypinyin's default, the same on both sides), folded for the usual confusions
(`asr.lexicon.fold`: z/zh, c/ch, s/sh, n/l, f/h, an/ang, en/eng, in/ing), and indexed as syllable
bigrams within a clause. Arabic numbers in the query are read out first (9级 → 九级,
`asr.numbers.spoken_numbers`), as the statutes write them. The index covers the core articles
(all articles when none is marked core) and is built on first use (a few seconds) and kept with
the knowledge base in memory.
"""
from __future__ import annotations

import re
import threading
from typing import Any

import numpy as np

from asr.lexicon import fold
from asr.numbers import spoken_numbers

_HAN = re.compile(r"[\u3400-\u9fff]+")
_readings: dict[str, str] = {}
_lock = threading.Lock()


def syllable(ch: str) -> str:
    s = _readings.get(ch)
    if s is None:
        from pypinyin import Style, lazy_pinyin

        s = _readings[ch] = fold(lazy_pinyin(ch, style=Style.NORMAL)[0])
    return s


def sound_tokens(text: str) -> list[str]:
    """Folded syllable bigrams of each run of Chinese characters: 工商认定 → gon_san san_ren ren_den."""
    out = []
    for run in _HAN.findall(spoken_numbers(text)):
        syl = [syllable(ch) for ch in run]
        out.extend(f"{a}_{b}" for a, b in zip(syl, syl[1:]))
    return out


class PhoneticIndex:
    def __init__(self, texts: list[str], ids: list[int]) -> None:
        from knowledge_base.index import build_bm25

        self.ids = np.array(ids, dtype=np.int64)
        self.bm25 = build_bm25([sound_tokens(t) for t in texts])

    @classmethod
    def of(cls, articles: list[Any]) -> "PhoneticIndex":
        chosen = [i for i, a in enumerate(articles) if a.core] or list(range(len(articles)))
        return cls([articles[i].index_text() for i in chosen], chosen)

    def rank(self, query: str, depth: int) -> list[int]:
        """Article indices (into the articles the index was built from), best first."""
        vocab = self.bm25.vocab_dict
        tokens = [t for t in sound_tokens(query) if t in vocab]
        if not tokens or not len(self.ids):
            return []
        scores = self.bm25.get_scores(tokens)
        depth = min(depth, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top])]
        return [int(self.ids[i]) for i in top if scores[i] > 0]


def phonetic_ranking(kb: Any, query: str, depth: int) -> list[int]:
    """The knowledge base's sound channel for `query` (its index built on first use)."""
    with _lock:
        index = getattr(kb, "_phonetic_index", None)
        if index is None:
            index = kb._phonetic_index = PhoneticIndex.of(kb.data.articles)
    return index.rank(query, depth)
