"""Legal phrase hints: law names and the common terms callers and lawyers use.

Whisper takes them as `hotwords` (text placed in the decoder's previous-context prompt); Vosk
can only restrict recognition to a fixed grammar (small models), which would break free
speech, so it gets no hints (see docs/asr.md). The terms come from the knowledge base's
list (`knowledge_base/legal_terms.txt`, first column), read as a plain file.
"""
from __future__ import annotations

from pathlib import Path

LAW_NAMES = ("民法典", "劳动合同法", "劳动法", "劳动争议调解仲裁法", "法律援助法", "人民调解法", "消费者权益保护法",
             "道路交通安全法", "妇女权益保障法", "未成年人保护法", "反家庭暴力法", "老年人权益保障法", "治安管理处罚法",
             "刑法", "民事诉讼法", "社会保险法", "工伤保险条例", "保障农民工工资支付条例", "农村土地承包法")

TERMS_FILE = Path(__file__).resolve().parent.parent / "knowledge_base" / "legal_terms.txt"


def legal_terms(path: Path = TERMS_FILE) -> list[str]:
    if not path.exists():
        return []
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split()[0] if line.strip() else ""
        if word and not word.startswith("#"):
            terms.append(word)
    return terms


def default_hints(limit_chars: int = 160) -> list[str]:
    """Law names first, then terms, up to about `limit_chars` characters in all (Whisper's
    prompt holds at most 223 tokens; long prompts also slow every decode)."""
    out: list[str] = []
    used = 0
    for phrase in (*LAW_NAMES, *legal_terms()):
        if phrase in out:
            continue
        if used + len(phrase) + 1 > limit_chars:
            break
        out.append(phrase)
        used += len(phrase) + 1
    return out
