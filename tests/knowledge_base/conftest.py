"""A small knowledge base built in the test session from a subset of the real statutes and FAQ
(the real code path: encoder built from the USE package, BM25 + faiss, manifest)."""
from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from tests.conftest import SHARED

KEEP_SOURCES = ("劳动合同法", "民法典/婚姻家庭编", "民法典/继承编", "道路交通安全法(", "劳动争议调解仲裁法",
                "保障农民工工资支付条例", "民法典/合同编", "消费者权益保护法")


def write_small_corpus(root: Path, extra_other: int = 400) -> tuple[Path, Path]:
    """Articles of a few hotline laws plus some unrelated ones; the FAQ entries citing them."""
    articles, kept = [], set()
    other = 0
    with open(SHARED / "data" / "statutes" / "articles.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            source = row["id"].split("#")[0]
            if any(k in source for k in KEEP_SOURCES):
                articles.append(line)
                kept.add(row["id"])
            elif other < extra_other and zlib.crc32(row["id"].encode()) % 50 == 0:  # stable across runs
                articles.append(line)
                kept.add(row["id"])
                other += 1
    faqs = []
    with open(SHARED / "data" / "faq" / "faq.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["statutes"] and all(s in kept for s in row["statutes"]):
                faqs.append(line)
    (root / "data" / "statutes").mkdir(parents=True, exist_ok=True)
    (root / "data" / "faq").mkdir(parents=True, exist_ok=True)
    (root / "data" / "statutes" / "articles.jsonl").write_text("".join(articles), encoding="utf-8")
    (root / "data" / "faq" / "faq.jsonl").write_text("".join(faqs), encoding="utf-8")
    return root / "data" / "statutes" / "articles.jsonl", root / "data" / "faq" / "faq.jsonl"


@pytest.fixture(scope="session")
def small_kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build once per session: returns the index directory."""
    from knowledge_base.encoder import BASE_NAME, build_static_model
    from knowledge_base.index import build_index

    root = tmp_path_factory.mktemp("kb")
    articles, faqs = write_small_corpus(root)
    model = build_static_model(root / "models" / BASE_NAME, progress=False)
    build_index(root / "kb", articles_path=articles, faq_path=faqs, model_name=str(model), progress=False)
    return root / "kb"


@pytest.fixture(scope="session")
def small_kb(small_kb_dir: Path):  # noqa: ANN201
    from knowledge_base.service import KnowledgeBase

    return KnowledgeBase.load(small_kb_dir)
