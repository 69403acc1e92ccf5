"""Conversation-aware queries: the most recent citizen utterances that fit the query length,
with the filler words of speech, bare acknowledgements and repeats removed, so suggestions
sharpen as the caller explains.

The utterances are joined oldest first, one sentence each, and the search reads the result as a
long query (`knowledge_base.longquery`): later sentences weigh more than the opening, and the
latest question most, so a caller's two-minute story sharpens the suggestions rather than
blurring them. When the text does not fit, the oldest story goes first; the latest question is
always kept."""
from __future__ import annotations

from knowledge_base.longquery import QUESTION_RE
from knowledge_base.text import remove_fillers

DEFAULT_MAX_CHARS = 600
ACKNOWLEDGEMENTS = {"好", "好的", "对", "对的", "是", "是的", "行", "嗯", "喂", "您好", "你好", "谢谢", "明白", "知道了", "可以"}


def clean_utterance(text: str) -> str:
    clean = " ".join(remove_fillers(text or "").split()).strip(" ，。,.")
    return "" if clean in ACKNOWLEDGEMENTS else clean


def build_query(utterances: list[str], max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Join the most recent utterances (oldest first) that fit in `max_chars`, fillers removed;
    the latest question (the last utterance that asks something) is kept even when the newer
    remarks after it would fill the space."""
    cleaned: list[str] = []
    for text in utterances:
        clean = clean_utterance(text)
        if clean and clean not in cleaned[-3:]:  # a repeat (the caller, or the recogniser, said it again)
            cleaned.append(clean)
    if not cleaned:
        return ""
    asking = [i for i, c in enumerate(cleaned) if QUESTION_RE.search(c)]
    keep: list[int] = []
    used = 0
    if asking:  # the latest question first, then the newest of the rest
        last_q = asking[-1]
        keep.append(last_q)
        used = min(len(cleaned[last_q]), max_chars) + 1
    for i in reversed(range(len(cleaned))):
        if i in keep:
            continue
        if used + len(cleaned[i]) > max_chars:
            break
        keep.append(i)
        used += len(cleaned[i]) + 1
    if not keep:
        keep = [len(cleaned) - 1]
    parts = [cleaned[i] for i in sorted(keep)]
    if len(parts) == 1 and len(parts[0]) > max_chars:
        parts = [parts[0][-max_chars:]]
    return "。".join(parts)
