"""Text after recognition: traditional → simplified characters, and the character error rate
used by the tests and benchmarks (punctuation and whitespace removed, traditional →
simplified; numbers are NOT normalised: a recogniser that writes 2025年 for 二〇二五年 pays for it)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():  # noqa: ANN202
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


_DROP = re.compile(r"[\s\u3000]+")


def normalise_for_cer(text: str) -> str:
    """Simplified characters, no punctuation, no whitespace, full-width letters/digits folded."""
    text = unicodedata.normalize("NFKC", to_simplified(text))
    return "".join(ch for ch in _DROP.sub("", text)
                   if not unicodedata.category(ch).startswith(("P", "S", "Z", "C"))).lower()


def edit_distance(ref: str, hyp: str) -> int:
    """Levenshtein distance over characters."""
    if not ref:
        return len(hyp)
    if not hyp:
        return len(ref)
    prev = list(range(len(hyp) + 1))
    for i, rc in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, hc in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc))
        prev = cur
    return prev[-1]


def cer(ref: str, hyp: str) -> float:
    """Character error rate of one hypothesis (after `normalise_for_cer`)."""
    r, h = normalise_for_cer(ref), normalise_for_cer(hyp)
    return edit_distance(r, h) / max(len(r), 1)


def corpus_cer(pairs: list[tuple[str, str]]) -> float:
    """Total edits over total reference characters (not the mean of per-file rates)."""
    edits = chars = 0
    for ref, hyp in pairs:
        r, h = normalise_for_cer(ref), normalise_for_cer(hyp)
        edits += edit_distance(r, h)
        chars += len(r)
    return edits / max(chars, 1)
