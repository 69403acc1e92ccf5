"""`hotline kb train`: fine-tune the default encoder on the hotline's own data, on CPU.

Pairs (training splits only, of both question sets: short consultations and narratives): each
training question → each of its statute articles, each training FAQ answer (written by lawyers)
→ the articles it cites, and a long query for each training question (`long_queries`: one or
two other training questions told first as the story, the question last) → its first article, so
the mean of the token vectors learns to outweigh the story (a static encoder trained on short
questions only collapsed on narratives); a hard negative for each pair is the best BM25 article
that is not relevant. Loss: MultipleNegativesRankingLoss (in-batch
negatives plus the hard negative). The dev split gives the before/after figures; the test split
is never touched. The result is written as a new versioned model next to the base one.

`fit_reranker` then fits the learned re-ranker (`knowledge_base.rerank`) for the rebuilt index
on rows no model could have memorised (cross-fitted training folds, and dev)."""
from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from knowledge_base.corpus import faq_path, load_faqs, load_questions
from knowledge_base.encoder import BASE_NAME, build_static_model, models_dir
from knowledge_base.splits import question_of_faq, split_of


def training_pairs(kb: Any, questions: list[dict[str, Any]], faqs: list[Any]) -> dict[str, list[str]]:
    from knowledge_base.text import tokenize

    anchors, positives, negatives = [], [], []
    by_id = kb.by_id
    articles = kb.data.articles

    def add(anchor: str, relevant: list[str]) -> None:
        rel = {r for r in relevant if r in by_id}
        if not rel:
            return
        hard = None
        tokens = [t for t in tokenize(anchor) if t in kb.data.bm25.vocab_dict]
        if tokens:
            ranked = kb._bm25(tokens, 20, kb.data.bm25, len(articles))[0]
            hard = next((articles[i] for i in ranked if articles[i].id not in rel), None)
        for rid in sorted(rel):
            anchors.append(anchor)
            positives.append(articles[by_id[rid]].index_text())
            negatives.append(hard.index_text() if hard else articles[(by_id[rid] + 7) % len(articles)].index_text())

    for q in questions:
        add(q["question"], q["relevant"])
    for f in faqs:
        if f.answer:
            add(f.answer[:400], f.statutes)
    return {"anchor": anchors, "positive": positives, "negative": negatives}


def long_queries(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each question, a narrative-style query: one or two other questions of the same list
    first (chosen by a hash of the id, so always the same), then the question; its answer is the
    question's first article."""
    out = []
    n = len(questions)
    for i, q in enumerate(questions):
        if n < 3 or not q.get("relevant"):
            continue
        h = int(hashlib.sha256(f"12348-long:{q['id']}".encode()).hexdigest(), 16)
        others = [questions[(i + 1 + h % (n - 1)) % n]]
        if h % 2:
            others.append(questions[(i + 1 + (h // n) % (n - 1)) % n])
        story = "，".join(o["question"].rstrip("？?。！!") for o in others if o is not q)
        out.append({"id": q["id"], "question": f"{story}。{q['question']}", "relevant": sorted(q["relevant"])[:1]})
    return out


def dev_figures(kb: Any, dev: list[dict[str, Any]]) -> dict[str, Any]:
    """Dense and hybrid figures on each set's dev questions."""
    from knowledge_base.evaluate import evaluate

    out = {}
    for name in sorted({q.get("set", "") for q in dev}):
        result = evaluate(kb, [q for q in dev if q.get("set", "") == name], progress=False)
        out[name] = {mode: {k: result[mode][k] for k in ("recall@10", "recall@100", "mrr@10")}
                     for mode in ("dense", "hybrid")}
    return out


def fine_tune(base_name: str, pairs: dict[str, list[str]], *, epochs: int, batch_size: int, learning_rate: float,
              deadline: float, progress: bool = True):  # noqa: ANN201
    """MultipleNegativesRankingLoss (in-batch negatives plus one hard negative) on CPU; stops
    early at `deadline` (time.monotonic())."""
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, losses
    from sentence_transformers.training_args import SentenceTransformerTrainingArguments
    from transformers import TrainerCallback

    model = SentenceTransformer(base_name, device="cpu")

    class TimeLimit(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
            if time.monotonic() > deadline:
                control.should_training_stop = True
            return control

    with tempfile.TemporaryDirectory(prefix="kb-train-") as scratch:
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch, num_train_epochs=epochs, per_device_train_batch_size=batch_size,
            learning_rate=learning_rate, warmup_steps=0.1, logging_steps=20, save_strategy="no", report_to=[],
            use_cpu=True, disable_tqdm=not progress, batch_sampler="no_duplicates", seed=12348)
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=Dataset.from_dict(pairs),
                                             loss=losses.MultipleNegativesRankingLoss(model), callbacks=[TimeLimit()])
        trainer.train()
    return model


def reembed(kb: Any, model: Any, progress: bool = True) -> None:
    """Put `model` into a loaded knowledge base: articles and FAQ re-encoded (in memory only)."""
    from knowledge_base.index import FaqPart, encode, ip_index

    kb.model = model
    kb.data.vectors = encode(model, [a.index_text() for a in kb.data.articles], "向量 re-embedding", progress)
    kb.data.faiss = ip_index(kb.data.vectors)
    kb.data.faq = FaqPart.build(kb.data.faq.faqs, model)


def _base_model(settings: Any) -> str:
    base_dir = models_dir(settings.var_dir) / BASE_NAME  # always from the base model, never a tuned one
    return str(base_dir) if (base_dir / "hotline_model.json").exists() else str(build_static_model(base_dir))


def _train_faqs(settings: Any, question_ids: set[str]) -> list[Any]:
    return [f for f in load_faqs(faq_path(settings.data_dir)) if question_of_faq(f.id) in question_ids]


def train(settings: Any, epochs: int = 3, max_minutes: float = 25.0, batch_size: int = 64,
          learning_rate: float = 0.02) -> dict[str, Any]:
    from knowledge_base.service import KnowledgeBase

    started = time.monotonic()
    base_name = _base_model(settings)
    kb = KnowledgeBase.load(settings.kb_path)
    kb.reranker = None  # figures of the encoder and the fusion alone
    questions = load_questions(settings.data_dir)
    train_q = [q for q in questions if split_of(q["id"]) == "train"]
    dev_q = [q for q in questions if split_of(q["id"]) == "dev"]
    train_faqs = _train_faqs(settings, {q["id"] for q in train_q})
    before = dev_figures(kb, dev_q)
    pairs = training_pairs(kb, train_q + long_queries(train_q), train_faqs)
    model = fine_tune(base_name, pairs, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                      deadline=started + max_minutes * 60)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out_dir = models_dir(settings.var_dir) / f"{BASE_NAME}-ft-{stamp}"
    model.save(str(out_dir))
    train_seconds = time.monotonic() - started

    reembed(kb, model)  # after: same index and fusion, articles re-encoded with the new model, dev split
    after = dev_figures(kb, dev_q)
    report = {"model": str(out_dir), "base": base_name, "pairs": len(pairs["anchor"]), "epochs": epochs,
              "train_seconds": round(train_seconds, 1), "before_dev": before, "after_dev": after,
              "split": "trained on train, figures on dev (test untouched)"}
    (Path(out_dir) / "hotline_model.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return report


def reranker_fitted(kb_path: Path) -> bool:
    """Whether the index in `kb_path` has a re-ranker it will use (fitted for its encoder, on
    today's features)."""
    from knowledge_base.index import index_exists, read_manifest
    from knowledge_base.rerank import Reranker

    return index_exists(kb_path) and Reranker.load(kb_path, read_manifest(kb_path).get("model", "")) is not None


def fold_of(question_id: str) -> int:
    """Two fixed folds of the training questions for cross-fitting the re-ranker."""
    return int(hashlib.sha256(f"12348-rerank-fold:{question_id}".encode()).hexdigest(), 16) % 2


def fit_reranker(settings: Any, epochs: int = 3, max_minutes: float = 15.0, batch_size: int = 64,
                 learning_rate: float = 0.02, progress: bool = True) -> dict[str, Any]:
    """Fit the re-ranker for the index as built now (`knowledge_base.rerank`).

    Rows: every training question, ranked by an encoder fine-tuned on the OTHER fold only (with
    the other fold's history: law, article and co-citation counts), and every dev question,
    ranked by the index's own encoder and fusion. Test questions are never used."""
    import numpy as np

    from knowledge_base.evaluate import leak_mask
    from knowledge_base.rerank import CANDIDATES, History, candidate_features, fit
    from knowledge_base.service import KnowledgeBase

    started = time.monotonic()
    deadline = started + max_minutes * 60
    base_name = _base_model(settings)
    questions = load_questions(settings.data_dir)
    train_q = [q for q in questions if split_of(q["id"]) == "train" and q.get("relevant")]
    dev_q = [q for q in questions if split_of(q["id"]) == "dev" and q.get("relevant")]
    rows: list[Any] = []
    labels: list[Any] = []

    def add_rows(kb: Any, held: list[dict[str, Any]], fusion: dict[str, Any], history: History) -> None:
        kb.mask_faqs(leak_mask(kb, held))  # a new caller's question has no copy in the FAQ
        try:
            for q in held:
                ranking = kb.rank(q["question"])
                fused = kb.fuse(ranking, "hybrid", fusion)[:CANDIDATES]
                rows.append(candidate_features(kb, ranking, fused, history))
                relevant = set(q["relevant"])
                labels.append(np.array([kb.data.articles[i].id in relevant for i, _ in fused], dtype=np.int8))
        finally:
            kb.mask_faqs(set())

    kb = KnowledgeBase.load(settings.kb_path)
    encoder = kb.data.manifest["model"]
    for fold in (0, 1):
        held = [q for q in train_q if fold_of(q["id"]) == fold]
        rest = [q for q in train_q if fold_of(q["id"]) != fold]
        pairs = training_pairs(kb, rest + long_queries(rest), _train_faqs(settings, {q["id"] for q in rest}))
        fold_model = fine_tune(base_name, pairs, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                               deadline=deadline, progress=progress)
        reembed(kb, fold_model, progress)
        history = History.of(rest)
        add_rows(kb, held, {**kb.fusion, "law_counts": history.law_counts}, history)

    kb = KnowledgeBase.load(settings.kb_path)  # the index's own encoder and fusion for the dev rows
    history = History.of(train_q)
    add_rows(kb, dev_q, kb.fusion, history)
    reranker = fit(rows, labels, encoder=encoder, history=history,
                   report={"train_questions": len(train_q), "dev_questions": len(dev_q),
                           "split": "cross-fitted train folds + dev; test untouched"})
    reranker.report["fit_seconds"] = round(time.monotonic() - started, 1)
    reranker.save(settings.kb_path)
    return reranker.report
