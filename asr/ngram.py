"""A character n-gram language model of the hotline's own legal text (statutes, FAQ questions and
answers, consultation questions), used by the correction stage to decide whether a sound-alike
legal term reads better in context than what the recogniser wrote.

`kenlm` installs from PyPI here but ships only the query side (no `lmplz` to estimate a model),
so the model is estimated here: interpolated Witten-Bell over characters, order 4, n-grams kept as
sorted 64-bit keys (16 bits per character id) in numpy arrays and looked up in batches with
`searchsorted`. Singleton 3- and 4-grams are pruned (their mass stays with the lower orders).
Training on the shared data (about 8 M characters) takes some seconds; the arrays are cached
in a `.npz` file keyed on the sources' sizes and modification times.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

ORDER = 4
BITS = 16
_CLAUSE = re.compile(r"[^0-9A-Za-z\u3400-\u9fff]+")


def clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text) if c]


class CharNgram:
    def __init__(self, vocab: str, arrays: dict[str, np.ndarray], order: int = ORDER) -> None:
        self.order = order
        self.vocab = {ch: i + 1 for i, ch in enumerate(vocab)}
        self.unk = len(vocab) + 1
        self.a = arrays
        uni = arrays["uni"].astype(np.float64)
        self.log_uni = np.log10((uni + 1.0) / (uni.sum() + len(uni)))

    # -- estimation ----------------------------------------------------------------------------
    @classmethod
    def train(cls, texts: Iterable[str], order: int = ORDER, prune: int = 1) -> "CharNgram":
        chunks = [c for t in texts for c in clauses(t)]
        chars = sorted({ch for c in chunks for ch in c})
        if len(chars) >= (1 << BITS) - 2:
            raise ValueError("too many distinct characters for 16-bit ids")
        vocab = {ch: i + 1 for i, ch in enumerate(chars)}
        pad = [0] * (order - 1)
        ids: list[int] = []
        for c in chunks:
            ids.extend(pad)
            ids.extend(vocab[ch] for ch in c)
        seq = np.array(ids, dtype=np.uint64)
        arrays: dict[str, np.ndarray] = {"uni": np.bincount(seq.astype(np.int64), minlength=len(chars) + 2)[:len(chars) + 2]}
        arrays["uni"][0] = 0
        for n in range(2, order + 1):
            m = seq.size - n + 1
            key = np.zeros(m, dtype=np.uint64)
            for j in range(n):
                key = (key << np.uint64(BITS)) | seq[j:j + m]
            key = key[seq[n - 1:] != 0]  # the predicted character is real (padding only leads)
            keys, counts = np.unique(key, return_counts=True)
            ctx, inverse = np.unique(keys >> np.uint64(BITS), return_inverse=True)
            arrays[f"c{n}"] = ctx
            arrays[f"ct{n}"] = np.bincount(inverse, weights=counts).astype(np.float32)
            arrays[f"cn{n}"] = np.bincount(inverse).astype(np.float32)
            keep = counts > prune if n >= 3 else slice(None)
            arrays[f"k{n}"] = keys[keep]
            arrays[f"n{n}"] = counts[keep].astype(np.float32)
        return cls("".join(chars), arrays, order)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        vocab = "".join(sorted(self.vocab, key=self.vocab.get))
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, vocab=np.array([vocab]), order=np.array([self.order]), **self.a)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "CharNgram":
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files if k not in ("vocab", "order")}
            return cls(str(data["vocab"][0]), arrays, int(data["order"][0]))

    # -- scoring -------------------------------------------------------------------------------
    def ids(self, text: str) -> list[int]:
        return [self.vocab.get(ch, self.unk) for ch in text]

    def score_many(self, items: Sequence[tuple[str, int, int]]) -> np.ndarray:
        """log10 P of text[start:end] given the characters before it (padding at the text's start),
        for each (text, start, end); one batch of array look-ups per order."""
        rows: list[tuple[int, ...]] = []  # (item, w, h1, h2, h3) with h1 the nearest history char
        owner: list[int] = []
        for i, (text, start, end) in enumerate(items):
            ids = [0] * (self.order - 1) + self.ids(text)
            off = self.order - 1
            for pos in range(start + off, end + off):
                rows.append(tuple(ids[pos - j] for j in range(self.order)))
                owner.append(i)
        if not rows:
            return np.zeros(len(items))
        grid = np.array(rows, dtype=np.uint64)  # column j = the char j places back (0 = predicted)
        w = grid[:, 0].astype(np.int64)
        unk = w >= len(self.log_uni)
        logp = np.where(unk, self.log_uni.min(), self.log_uni[np.minimum(w, len(self.log_uni) - 1)])
        prob = 10.0 ** logp
        for n in range(2, self.order + 1):
            ctx = np.zeros(len(rows), dtype=np.uint64)
            for j in range(n - 1, 0, -1):
                ctx = (ctx << np.uint64(BITS)) | grid[:, j]
            key = (ctx << np.uint64(BITS)) | grid[:, 0]
            total, types = self._lookup(f"c{n}", ctx, f"ct{n}"), self._lookup(f"c{n}", ctx, f"cn{n}")
            count = self._lookup(f"k{n}", key, f"n{n}")
            seen = total > 0
            prob = np.where(seen, (count + types * prob) / np.maximum(total + types, 1e-9), prob)
        out = np.zeros(len(items))
        np.add.at(out, np.array(owner), np.log10(np.maximum(prob, 1e-12)))
        return out

    def _lookup(self, keys_name: str, query: np.ndarray, values_name: str) -> np.ndarray:
        keys, values = self.a[keys_name], self.a[values_name]
        if keys.size == 0:
            return np.zeros(query.size)
        pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
        return np.where(keys[pos] == query, values[pos], 0.0)


# -- the model of the hotline's own text --------------------------------------------------------
def domain_sources(data_dir: Path) -> list[Path]:
    data = Path(data_dir) / "data"
    return [data / "statutes" / "articles.jsonl", data / "faq" / "faq.jsonl", data / "eval" / "consultations.jsonl"]


def domain_texts(data_dir: Path) -> Iterable[str]:
    """Statute articles (all), FAQ questions and answers, consultation questions."""
    for path in domain_sources(data_dir):
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                row = json.loads(line)
                for field in ("title", "text", "question", "answer"):
                    if row.get(field):
                        yield row[field]


def cache_dir() -> Path:
    """Where the trained model and the lexicon are kept (environment `HOTLINE_ASR_CACHE`)."""
    if os.environ.get("HOTLINE_ASR_CACHE"):
        return Path(os.environ["HOTLINE_ASR_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hotline-asr"


def sources_key(paths: Sequence[Path], extra: str = "") -> str:
    parts = [extra]
    for p in paths:
        st = p.stat() if p.exists() else None
        parts.append(f"{p}:{st.st_size if st else 0}:{st.st_mtime_ns if st else 0}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def domain_model(data_dir: Path) -> CharNgram:
    """The domain model, from the cache when the sources have not changed, else trained now."""
    key = sources_key(domain_sources(data_dir), f"ngram{ORDER}-v1")
    path = cache_dir() / f"domain_ngram_{key}.npz"
    if path.exists():
        try:
            return CharNgram.load(path)
        except (OSError, ValueError, KeyError):
            pass
    model = CharNgram.train(domain_texts(data_dir))
    try:
        model.save(path)
    except OSError:
        pass
    return model
