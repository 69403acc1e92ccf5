"""`hotline kb train`: fine-tune the default encoder on the hotline's own data, on CPU.

Pairs (training split only): each training question → each of its statute articles, and each
training FAQ answer (written by lawyers) → the articles it cites; a hard negative for each pair
is the best BM25 article that is not relevant. Loss: MultipleNegativesRankingLoss (in-batch
negatives plus the hard negative). The dev split gives the before/after figures; the test split
is never touched. The result is written as a new versioned model next to the base one."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from knowledge_base.corpus import consultations_path, faq_path, load_faqs, read_jsonl
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
            ranked, _ = kb._bm25(tokens, 20, kb.data.bm25, len(articles))
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


def dev_figures(kb: Any, dev: list[dict[str, Any]]) -> dict[str, Any]:
    from knowledge_base.evaluate import evaluate

    result = evaluate(kb, dev, progress=False)
    return {mode: {k: result[mode][k] for k in ("recall@10", "recall@100", "mrr@10")} for mode in ("dense", "hybrid")}


def train(settings: Any, epochs: int = 3, max_minutes: float = 25.0, batch_size: int = 64,
          learning_rate: float = 0.02) -> dict[str, Any]:
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, losses
    from sentence_transformers.training_args import SentenceTransformerTrainingArguments
    from transformers import TrainerCallback

    from knowledge_base.index import encode
    from knowledge_base.service import KnowledgeBase

    started = time.monotonic()
    base_dir = models_dir(settings.var_dir) / BASE_NAME  # always from the base model, never a tuned one
    base_name = str(base_dir) if (base_dir / "hotline_model.json").exists() else str(
        build_static_model(base_dir))
    kb = KnowledgeBase.load(settings.kb_path)
    questions = read_jsonl(consultations_path(settings.data_dir))
    train_q = [q for q in questions if split_of(q["id"]) == "train"]
    dev_q = [q for q in questions if split_of(q["id"]) == "dev"]
    train_faqs = [f for f in load_faqs(faq_path(settings.data_dir)) if split_of(question_of_faq(f.id)) == "train"]
    before = dev_figures(kb, dev_q)
    pairs = training_pairs(kb, train_q, train_faqs)
    dataset = Dataset.from_dict(pairs)

    model = SentenceTransformer(base_name, device="cpu")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out_dir = models_dir(settings.var_dir) / f"{BASE_NAME}-ft-{stamp}"
    deadline = started + max_minutes * 60

    class TimeLimit(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
            if time.monotonic() > deadline:
                control.should_training_stop = True
            return control

    args = SentenceTransformerTrainingArguments(
        output_dir=str(out_dir / "checkpoints"), num_train_epochs=epochs, per_device_train_batch_size=batch_size,
        learning_rate=learning_rate, warmup_ratio=0.1, logging_steps=20, save_strategy="no", report_to=[],
        use_cpu=True, disable_tqdm=False, batch_sampler="no_duplicates", seed=12348)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset,
                                         loss=losses.MultipleNegativesRankingLoss(model), callbacks=[TimeLimit()])
    trainer.train()
    model.save(str(out_dir))
    train_seconds = time.monotonic() - started

    # after: same index, articles re-encoded with the new model (FAQ too), dev split
    kb.model = model
    kb.data.vectors = encode(model, [a.index_text() for a in kb.data.articles], "向量 re-embedding", True)
    from knowledge_base.index import FaqPart, flat_ip

    kb.data.faiss = flat_ip(kb.data.vectors)
    kb.data.faq = FaqPart.build(kb.data.faq.faqs, model)
    after = dev_figures(kb, dev_q)
    report = {"model": str(out_dir), "base": base_name, "pairs": len(pairs["anchor"]), "epochs": epochs,
              "train_seconds": round(train_seconds, 1), "before_dev": before, "after_dev": after,
              "split": "trained on train, figures on dev (test untouched)"}
    (Path(out_dir) / "hotline_model.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return report
