"""Web security helpers: the login page's `next` (same-origin paths only)."""
from __future__ import annotations

import re

# A same-origin path: one leading "/", then not "/" or "\" (which browsers read as a host),
# and no control characters or spaces (browsers strip tabs and newlines before parsing).
_SAFE_PATH = re.compile(r"/(?![/\\])[^\s\x00-\x1f\x7f\\]*")


def safe_next(value: str | None) -> str:
    """`value` when it is a same-origin path, else "" (the caller then uses the role's home)."""
    if not value or not _SAFE_PATH.fullmatch(value):
        return ""
    return value
