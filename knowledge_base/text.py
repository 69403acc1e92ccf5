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


TERM_FREQ = 2000


def add_terms(terms: list[str]) -> None:
    """Add words (e.g. law names from the corpus) to the tokeniser's dictionary. Idempotent: jieba's
    `add_word` adds the frequency to its total on every call, so adding the same words again (each
    index build and load does) would shift every word's probability and, now and then, the
    tokens of a text: the same index then ranked a little differently after a build in the same
    process."""
    tok = _get_tokenizer()
    added = False
    with _lock:
        for term in terms:
            if term and len(term) >= 2 and tok.FREQ.get(term) != TERM_FREQ:
                tok.add_word(term, freq=TERM_FREQ)
                added = True
    if added:
        _tokens_cached.cache_clear()


# Lay words → the statute's words, appended to keyword queries (citizens say 工资, laws say 劳动报酬).
LAY_TO_LEGAL = {
    "工资": "劳动报酬", "薪水": "劳动报酬", "欠薪": "拖欠 劳动报酬", "老板": "用人单位", "公司": "用人单位",
    "单位": "用人单位", "厂里": "用人单位", "员工": "劳动者", "打工": "劳动者", "辞退": "解除劳动合同",
    "开除": "解除劳动合同", "炒鱿鱼": "解除劳动合同", "辞职": "解除劳动合同 提前通知", "合同": "合同",
    "赔偿": "赔偿 损失", "离婚": "离婚 夫妻", "老公": "夫妻 配偶", "老婆": "夫妻 配偶", "丈夫": "夫妻 配偶",
    "妻子": "夫妻 配偶", "孩子": "子女", "小孩": "子女 未成年人", "爸妈": "父母", "老人": "老年人 赡养",
    "抚养费": "抚养费 子女", "房东": "出租人", "租客": "承租人", "房租": "租金", "押金": "押金 租赁",
    "借钱": "借款", "欠钱": "借款 债务", "借条": "借款 借据", "利息": "利息 借款", "撞了": "交通事故",
    "车祸": "交通事故 机动车", "被撞": "交通事故 损害", "邻居": "相邻 不动产", "物业": "物业服务",
    "遗产": "遗产 继承", "遗嘱": "遗嘱 继承", "工伤": "工伤 职工", "社保": "社会保险", "打人": "殴打 伤害",
    "网购": "网络 消费者 经营者", "退货": "退货 消费者", "商家": "经营者",
}


def expand_lay_terms(text: str) -> str:
    extra = [legal for lay, legal in LAY_TO_LEGAL.items() if lay in text]
    return f"{text} {' '.join(extra)}" if extra else text


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
