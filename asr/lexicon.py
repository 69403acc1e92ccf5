"""The legal lexicon of the correction stage, built from the repository's and the knowledge base's
own sources (never from test transcripts):
- law names: `asr.hints.LAW_NAMES` and the statutes' titles (中华人民共和国 dropped);
- `knowledge_base/legal_terms.txt` (first column), the hotline's term list;
- terms mined from the statutes' chapter headings, the FAQ keywords and the words of the FAQ and
  consultation questions (jieba with the legal dictionary; 2-8 characters, seen at least
  `MIN_COUNT` times, and known to the domain language model);
each indexed by its toneless pinyin with the confusions of Mandarin speakers and phone audio
folded (z/zh, c/ch, s/sh, n/l, f/h, an/ang, en/eng, in/ing).
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from asr.hints import LAW_NAMES, TERMS_FILE, legal_terms

MIN_COUNT = 3
MIN_LEN, MAX_LEN = 2, 8
_CJK = re.compile(r"^[\u3400-\u9fff]+$")
_SPLIT = re.compile(r"[^\u3400-\u9fff]+")
_RUNS = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]")
_NUMERIC = re.compile("[〇零一二两三四五六七八九十百千万亿]{2}|^第")  # 十九, 第三: numbers are not terms


def fold(syllable: str) -> str:
    """A toneless syllable with the usual confusions folded: zh/ch/sh → z/c/s, n → l, h → f,
    -ang/-eng/-ing → -an/-en/-in."""
    s = syllable
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    elif len(s) > 1 and s[0] == "n" and s != "ng":
        s = "l" + s[1:]
    elif s[0] == "h":
        s = "f" + s[1:]
    if s.endswith(("ang", "eng", "ing")):
        s = s[:-1]
    return s


def pinyin(text: str) -> list[str]:
    """One toneless syllable per character (pypinyin, with its phrase readings); a character that
    is not Chinese stands for itself."""
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for run in _RUNS.findall(text):
        if _CJK.match(run):
            syllables = lazy_pinyin(run, style=Style.NORMAL)
            out.extend(syllables if len(syllables) == len(run) else [lazy_pinyin(ch)[0] for ch in run])
        else:
            out.extend(run)
    return out


def folded(text: str) -> tuple[str, ...]:
    return tuple(fold(s) for s in pinyin(text))


def law_short_names(titles: Iterable[str]) -> set[str]:
    out = set()
    for title in titles:
        name = title.replace("中华人民共和国", "").strip()
        if _CJK.match(name or "") and MIN_LEN <= len(name) <= 12:
            out.add(name)
    return out


def mine_terms(data_dir: Path) -> tuple[set[str], Counter]:
    """(law names, candidate words with counts) from the statutes, FAQ and consultations."""
    import jieba

    data = Path(data_dir) / "data"
    titles, chapters, texts = set(), set(), []
    statutes = data / "statutes" / "articles.jsonl"
    if statutes.exists():
        with open(statutes, encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                titles.add(row.get("title") or row.get("law") or "")
                for part in (row.get("chapter") or "").split(">"):
                    chapters.add(part.strip())
    words: Counter = Counter()
    for path, fields in ((data / "faq" / "faq.jsonl", ("question",)), (data / "eval" / "consultations.jsonl", ("question",))):
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.extend(row.get(f) or "" for f in fields)
                for kw in _SPLIT.split(str(row.get("keywords") or "")):
                    if MIN_LEN <= len(kw) <= MAX_LEN:
                        words[kw] += MIN_COUNT  # a lawyer's keyword counts as seen often enough
    tok = jieba.Tokenizer()
    jieba.setLogLevel(logging.WARNING)
    if TERMS_FILE.exists():
        tok.load_userdict(str(TERMS_FILE))
    for text in texts:
        words.update(w for w in tok.cut(text) if MIN_LEN <= len(w) <= MAX_LEN and _CJK.match(w))
    for heading in chapters:
        # "第一章 劳动合同的订立" → its words; a heading counts as seen often enough
        for w in tok.cut(re.sub(r"^第.+?[章节编条]\s*", "", heading)):
            if MIN_LEN <= len(w) <= MAX_LEN and _CJK.match(w):
                words[w] += MIN_COUNT
    return law_short_names(titles), words


class Lexicon:
    """Terms indexed by folded pinyin: exactly, and (terms of 3 or more characters) with one
    syllable left open, for the recogniser's one-syllable slips (法律人住 → 法律援助)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = sorted({t for t in terms if t and _CJK.match(t) and MIN_LEN <= len(t) <= 12})
        self.exact: dict[tuple[str, ...], list[str]] = {}
        self.open: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        self.keys: dict[str, tuple[str, ...]] = {}
        for term in self.terms:
            key = self.keys[term] = folded(term)
            self.exact.setdefault(key, []).append(term)
            if len(term) >= 3:
                for i in range(len(key)):
                    self.open.setdefault(key[:i] + ("*",) + key[i + 1:], []).append((term, i))
        self.max_len = max((len(t) for t in self.terms), default=0)
        self.term_set = set(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __contains__(self, term: str) -> bool:
        return term in self.term_set


def build_terms(data_dir: Path, known: Callable[[str], bool] | None = None) -> list[str]:
    """Every lexicon term; `known(word)` (the language model's count of the word) filters the mined
    words, so a word the domain text never has is not a correction target."""
    laws, words = mine_terms(data_dir)
    base = set(LAW_NAMES) | set(legal_terms()) | laws
    mined = {w for w, n in words.items() if n >= MIN_COUNT and not _NUMERIC.search(w) and (known is None or known(w))}
    return sorted(base | mined)


def recall_terms() -> list[str]:
    """The term list of legal-term recall in `hotline asr eval`: the hotline's own list
    (`knowledge_base/legal_terms.txt`) and the law names of `asr.hints` (kept in the repository)."""
    return sorted(set(legal_terms()) | set(LAW_NAMES))
