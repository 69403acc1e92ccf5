"""Chinese tokenisation for keyword search: jieba with a legal user dictionary, stop words and
the filler words of speech."""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

HERE = Path(__file__).resolve().parent
LEGAL_TERMS = HERE / "legal_terms.txt"

# Filler of spoken Chinese, removed from conversation queries (longest first).
FILLERS = ["就是说", "那个那个", "怎么说呢", "然后呢", "你知道", "这个这个", "那个", "这个", "就是", "然后",
           "嗯嗯", "嗯", "啊", "呃", "额", "哦", "噢", "唉", "哎", "吧", "呢", "嘛", "呀", "哈"]
_FILLER_RE = re.compile("|".join(map(re.escape, FILLERS)))

STOP_WORDS = set("""的 了 和 是 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 她们 它们 我 你 他 她 它 这 那 之 其 于 以 为 被 把
在 对 从 向 等 个 些 也 又 还 要 会 能 可以 可 吗 呢 吧 啊 嗯 有 没 不 该 应当 应该 怎么 怎么办 如何 什么 哪些 多少 请问 您好 你好
谢谢 规定 法律 一下 现在 已经 如果 但是 因为 所以 这样 那样 自己 请 问 想 知道 是否 还是 就是 然后 这个 那个""".split())

_PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _get_tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            tok = jieba.Tokenizer()
            tok.initialize()
            if LEGAL_TERMS.exists():
                tok.load_userdict(str(LEGAL_TERMS))
            _tokenizer = tok
        return _tokenizer


def add_terms(terms: list[str]) -> None:
    """Add words (e.g. law names from the corpus) to the tokeniser's dictionary."""
    tok = _get_tokenizer()
    with _lock:
        for term in terms:
            if term and len(term) >= 2:
                tok.add_word(term, freq=2000)
    _tokens_cached.cache_clear()


def remove_fillers(text: str) -> str:
    return _FILLER_RE.sub("", text)


@lru_cache(maxsize=4096)
def _tokens_cached(text: str) -> tuple[str, ...]:
    tok = _get_tokenizer()
    out = []
    for word in tok.cut_for_search(text):
        word = word.strip().lower()
        if not word or word in STOP_WORDS or _PUNCT_RE.fullmatch(word):
            continue
        out.append(word)
    return tuple(out)


def tokenize(text: str) -> list[str]:
    """Search tokens of `text` (jieba search mode: words and their sub-words)."""
    return list(_tokens_cached(text))
