"""The domain correction stage between the recogniser and intake (both engines, partials and
finals): sound-alike legal terms put back where the recogniser wrote something else.

For each clause of a result (text between punctuation), every span of whole words (jieba's
general dictionary) whose folded toneless pinyin (`asr.lexicon.fold`) equals a lexicon term's, or
differs from it in one syllable (terms of 3+ characters), gives a candidate. A candidate is
accepted only when the domain language model (`asr.ngram`) prefers the clause with the term over
the clause as recognised, over the span and the 3 characters after it, by a margin that grows
with the doubt (`Corrector._need`): more for two characters, a one-syllable difference or a real
word heard (then on the context alone); a real word of 3+ characters that is no term (工商局) is
never replaced. The best candidate is applied, then the search runs again on the new text,
spans already corrected staying fixed. Margins: docs/asr.md.

    corrector = load_corrector(data_dir)
    corrector.correct("我想申请工商认定") → "我想申请工伤认定"
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asr.lexicon import Lexicon, build_terms, fold, pinyin
from asr.ngram import CharNgram, cache_dir, domain_model, domain_sources, sources_key

log = logging.getLogger("asr.correct")

MARGIN = 1.0  # log10: the term must make the clause 10× likelier
WORD_MARGIN = 2.5  # the recogniser wrote a real word (工商): about 300× likelier
OPEN_MARGIN = 3.0  # one syllable differs: 1000× likelier
SHORT_MARGIN = 2.0  # a two-character span that is no word: 100× likelier
ROUNDS = 6
_PIECES = re.compile(r"([0-9A-Za-z\u3400-\u9fff]+)")


@dataclass
class Correction:
    start: int  # in the clause
    raw: str
    term: str
    gain: float


@dataclass
class Corrector:
    lexicon: Lexicon
    lm: CharNgram
    margin: float = MARGIN
    open_margin: float = OPEN_MARGIN
    word_margin: float = WORD_MARGIN
    short_margin: float = SHORT_MARGIN
    general_words: dict[str, int] = field(default_factory=dict)  # jieba's dictionary: word → frequency
    segment: Any = None  # clause → words (jieba, general dictionary)

    def correct(self, text: str) -> str:
        return self.correct_detail(text)[0]

    def correct_detail(self, text: str) -> tuple[str, list[Correction]]:
        if not text:
            return text, []
        out, made = [], []
        for piece in _PIECES.split(text):
            if len(piece) >= 2 and _PIECES.fullmatch(piece):
                fixed, changes = self._clause(piece)
                out.append(fixed)
                made.extend(changes)
            else:
                out.append(piece)
        return "".join(out), made

    # -- one clause ----------------------------------------------------------------------------
    def _candidates(self, clause: str, locked: list[bool]) -> list[tuple[int, int, str, bool]]:
        keys = [fold(s) for s in pinyin(clause)]
        found = []
        bounds = sorted(self._bounds(clause))  # whole words only: spans start and end at boundaries
        for a, i in enumerate(bounds):
            for j in bounds[a + 1:]:
                if j - i > self.lexicon.max_len or any(locked[i:j]):
                    break
                if j - i < 2:
                    continue
                span = clause[i:j]
                key = tuple(keys[i:j])
                for term in self.lexicon.exact.get(key, ()):
                    if term != span:
                        found.append((i, j, term, False))
                if j - i >= 3:
                    for k in range(j - i):
                        for term, pos in self.lexicon.open.get(key[:k] + ("*",) + key[k + 1:], ()):
                            if pos != k or term == span or self.lexicon.keys[term] == key:
                                continue
                            if j - i >= 4 or _close(keys[i + k], self.lexicon.keys[term][k]):
                                found.append((i, j, term, True))
        return list(dict.fromkeys(found))

    def _bounds(self, clause: str) -> set[int]:
        """Word boundaries of the clause as recognised (jieba's general dictionary, no HMM): a
        candidate replaces whole words, never half of one (上个礼拜 keeps 礼拜)."""
        if self.segment is None:
            return set(range(len(clause) + 1))
        bounds, pos = {0}, 0
        for word in self.segment(clause):
            pos += len(word)
            bounds.add(pos)
        return bounds

    def _known_word(self, word: str) -> bool:
        return self.general_words.get(word, 0) >= 3 or word in self.lexicon

    def _open_allowed(self, clause: str, i: int, j: int, term: str) -> bool:
        """A one-syllable difference is tried only where the recogniser wrote no real word over the
        differing character (租房合同 is not 租赁合同 misheard)."""
        k = next((n for n in range(j - i) if clause[i + n] != term[n]), 0)
        start = 0
        for word in self.segment(clause) if self.segment is not None else list(clause):
            end = start + len(word)
            if start <= i + k < end:
                return len(word) == 1 or not self._known_word(word)
            start = end
        return True

    def _need(self, span: str, is_open: bool) -> float | None:
        """The gain a candidate for `span` must reach, or None when the span is not to be touched:
        a real word that the recogniser wrote needs more evidence, a real word of 3+ characters
        (工商局) is left alone, and a one-syllable difference is not tried on a real word."""
        if self._known_word(span):
            return None if (is_open or len(span) >= 3) else self.word_margin
        if is_open:
            return self.open_margin
        return self.short_margin if len(span) == 2 else self.margin

    def _clause(self, clause: str) -> tuple[str, list[Correction]]:
        locked = [False] * len(clause)
        made: list[Correction] = []
        tail = self.lm.order - 1
        for _ in range(ROUNDS):
            cands = []
            for i, j, term, is_open in self._candidates(clause, locked):
                need = self._need(clause[i:j], is_open)
                if is_open and need is not None and not self._open_allowed(clause, i, j, term):
                    need = None
                if need is not None:
                    cands.append((i, j, term, is_open, need))
            if not cands:
                break
            items = []
            for i, j, term, _open, _need in cands:
                end = min(len(clause), j + tail)
                items += [(clause, i, end), (clause[:i] + term + clause[j:], i, end),
                          (clause[i:j], 0, j - i), (term, 0, len(term))]
            scores = self.lm.score_many(items).reshape(-1, 4)
            best = None
            # exact-sound candidates first; a one-syllable difference only when none passes
            for n, (i, j, term, is_open, need) in sorted(enumerate(cands), key=lambda c: c[1][3]):
                if best is not None and is_open:
                    break
                raw_ctx, new_ctx, raw_alone, new_alone = scores[n]
                gain = new_ctx - raw_ctx
                if self._known_word(clause[i:j]):
                    # a real word was heard: the context, not the term's frequency in legal text,
                    # must ask for the change (手里 stays 手里 although 受理 is commoner in statutes)
                    gain = min(gain, gain - (new_alone - raw_alone))
                if gain >= need and (best is None or gain - need > best[0]):
                    best = (gain - need, gain, i, j, term)
            if best is None:
                break
            _, gain, i, j, term = best
            made.append(Correction(i, clause[i:j], term, round(float(gain), 3)))
            clause = clause[:i] + term + clause[j:]
            for k in range(i, j):
                locked[k] = True
        return clause, made


def _close(a: str, b: str) -> bool:
    """Two folded syllables one letter apart (ji/ju): a 3-character term's open syllable must be
    near what was heard."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1:] == short for k in range(len(long_)))


# -- loading ------------------------------------------------------------------------------------
_lock = threading.Lock()
_loaded: dict[str, Corrector] = {}


def load_corrector(data_dir: Path) -> Corrector:
    """The corrector for a data directory (language model and lexicon cached on disk and in the
    process)."""
    key = str(Path(data_dir).resolve())
    with _lock:
        if key not in _loaded:
            started = time.perf_counter()
            lm = domain_model(Path(data_dir))
            terms = _cached_terms(Path(data_dir), lm)
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.dt.initialize()
            _loaded[key] = Corrector(Lexicon(terms), lm, general_words=jieba.dt.FREQ,
                                     segment=lambda text: jieba.dt.lcut(text, HMM=False))
            log.info("correction stage loaded: %d terms, %.1f s", len(terms), time.perf_counter() - started)
        return _loaded[key]


def _cached_terms(data_dir: Path, lm: CharNgram) -> list[str]:
    import json

    from asr.hints import TERMS_FILE

    key = sources_key([*domain_sources(data_dir), TERMS_FILE], "lexicon-v2")
    path = cache_dir() / f"lexicon_{key}.json"
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    terms = build_terms(data_dir, known=lambda w: lm_count(lm, w) >= 2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass
    return terms


def lm_count(lm: CharNgram, word: str) -> float:
    """How often the language model saw `word` (its longest prefix of up to `order` characters for
    longer words: a lower bound on 'known')."""
    import numpy as np

    piece = word[:lm.order]
    ids = lm.ids(piece)
    if any(i == lm.unk for i in ids):
        return 0.0
    if len(ids) == 1:
        return float(lm.a["uni"][ids[0]])
    key = np.uint64(0)
    for i in ids:
        key = (key << np.uint64(16)) | np.uint64(i)
    return float(lm._lookup(f"k{len(ids)}", np.array([key], dtype=np.uint64), f"n{len(ids)}")[0])


def correct_result(corrector: Corrector | None, result: Any) -> Any:
    """Correct a recogniser `Result` in place: `raw_text` keeps what the engine wrote."""
    if corrector is None or not getattr(result, "text", ""):
        return result
    raw = result.text
    result.text = corrector.correct(raw)
    result.raw_text = raw
    return result

