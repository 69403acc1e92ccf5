"""The fixed split of the consultation questions: train (encoder training and fusion tuning),
dev (checks while tuning) and test (reported figures only). By a hash of the id, so it never
moves. The FAQ file holds the same questions (faqNNNN ↔ qNNNN): a question's FAQ twin belongs
to the question's split, and is masked whenever that question is evaluated."""
from __future__ import annotations

import hashlib
import unicodedata

SPLITS = (("train", 60), ("dev", 15), ("test", 25))


def split_of(question_id: str) -> str:
    bucket = int(hashlib.sha256(f"12348-kb-split:{question_id}".encode()).hexdigest(), 16) % 100
    edge = 0
    for name, share in SPLITS:
        edge += share
        if bucket < edge:
            return name
    return SPLITS[-1][0]


def faq_twin(question_id: str) -> str:
    """The FAQ id that holds the same question as consultation `question_id` (q0004 → faq0004)."""
    return "faq" + question_id.removeprefix("q")


def question_of_faq(faq_id: str) -> str:
    return "q" + faq_id.removeprefix("faq")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch.isalnum())
