"""Conversation-aware queries: the most recent citizen utterances that fit the query length,
with the filler words of speech removed, so suggestions sharpen as the caller explains."""
from __future__ import annotations

from knowledge_base.text import remove_fillers

DEFAULT_MAX_CHARS = 600


def build_query(utterances: list[str], max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Join the most recent utterances (oldest first) that fit in `max_chars`, fillers removed."""
    parts: list[str] = []
    used = 0
    for text in reversed(utterances):
        clean = " ".join(remove_fillers(text or "").split()).strip(" ，。,.")
        if not clean:
            continue
        if used + len(clean) > max_chars:
            if not parts:
                parts.append(clean[-max_chars:])
            break
        parts.append(clean)
        used += len(clean) + 1
    return "。".join(reversed(parts))
