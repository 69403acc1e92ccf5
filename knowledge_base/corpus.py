"""Statute articles and FAQ pairs as they come from the data directory."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def source_of(article_id: str) -> str:
    """The law file an article belongs to: '民法典/合同编#第五百七十七条' → '民法典/合同编'."""
    return article_id.split("#", 1)[0]


def answer_counts(questions: list[dict[str, Any]]) -> tuple[dict[str, int], dict[str, int]]:
    """How often each law (source file) and each article answered these questions."""
    laws: dict[str, int] = {}
    articles: dict[str, int] = {}
    for q in questions:
        for article_id in q.get("relevant") or []:
            laws[source_of(article_id)] = laws.get(source_of(article_id), 0) + 1
            articles[article_id] = articles.get(article_id, 0) + 1
    return laws, articles


@dataclass
class Article:
    id: str
    law: str
    title: str
    level: str
    version: str | None
    article_no: str
    chapter: str
    text: str
    core: bool = False

    @property
    def source(self) -> str:
        """The law file part of the id, e.g. '社会法/劳动合同法(2012-12-28)'."""
        return source_of(self.id)

    def index_text(self) -> str:
        """What the indexes see: law, chapter and the article text."""
        chapter = self.chapter.split(" > ")[-1] if self.chapter else ""
        return f"{self.law} {self.article_no} {chapter} {self.text}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Faq:
    id: str
    question: str
    answer: str
    statutes: list[str] = field(default_factory=list)
    keywords: str = ""

    def index_text(self) -> str:
        return f"{self.question} {self.keywords}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def statutes_path(data_dir: Path) -> Path:
    return Path(data_dir) / "data" / "statutes" / "articles.jsonl"


def faq_path(data_dir: Path) -> Path:
    return Path(data_dir) / "data" / "faq" / "faq.jsonl"


def consultations_path(data_dir: Path) -> Path:
    return Path(data_dir) / "data" / "eval" / "consultations.jsonl"


def narratives_path(data_dir: Path) -> Path:
    """Real consultations told as stories (LawBench 3-8, 66law.cn), same format and split rule."""
    return Path(data_dir) / "data" / "eval" / "narratives.jsonl"


def eval_sets(data_dir: Path) -> dict[str, Path]:
    """The evaluation sets that exist: short lay questions (STARD) and narratives."""
    paths = {"consultations": consultations_path(data_dir), "narratives": narratives_path(data_dir)}
    return {name: path for name, path in paths.items() if path.exists()}


def load_questions(data_dir: Path) -> list[dict[str, Any]]:
    """The questions of every evaluation set, each row tagged with its set (`"set"`): what
    training and tuning draw their train and dev splits from."""
    return [{**row, "set": name} for name, path in eval_sets(data_dir).items() for row in read_jsonl(path)]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from exc
    return rows


def load_articles(path: Path, corpus: str = "all") -> list[Article]:
    fields = Article.__dataclass_fields__
    articles = [Article(**{k: v for k, v in row.items() if k in fields}) for row in read_jsonl(path)]
    if corpus == "core":
        articles = [a for a in articles if a.core]
    return articles


def load_faqs(path: Path) -> list[Faq]:
    return [Faq(id=row["id"], question=row["question"], answer=row.get("answer", ""),
                statutes=list(row.get("statutes", [])), keywords=row.get("keywords", "") or "")
            for row in read_jsonl(path)]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
