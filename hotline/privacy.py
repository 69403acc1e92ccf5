"""Redaction of personal data (ID numbers, phone numbers, bank cards, addresses, emails).

Raw text stays only in the case record (citizens, utterances, cases). Everything that leaves
it (audit log, analytics, exports, packets, application logs) goes through `redact`.
"""
from __future__ import annotations

import logging
import re
from typing import Any

_CN_DIGIT = "零〇一二三四五六七八九幺两"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 18-digit resident ID (last char may be X), and the old 15-digit form
    ("身份证号", re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")),
    # bank cards: 16-19 digits, optionally grouped by spaces or dashes
    ("银行卡号", re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)")),
    # mobile numbers, optional +86
    ("手机号", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    # mobile numbers spoken as Chinese digits (ASR output)
    ("手机号", re.compile(rf"(?:幺|一)[{_CN_DIGIT}]{{10}}")),
    # landlines: area code + number
    ("电话", re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)")),
    ("邮箱", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    # street addresses: a road/street/village name followed by a number (号/弄/栋/室 ...)
    (
        "地址",
        re.compile(
            r"[\u4e00-\u9fa5]{1,12}(?:路|街|大道|巷|胡同|弄|村|小区|花园|公寓|大厦)"
            r"[\u4e00-\u9fa50-9一二三四五六七八九十百零〇#\-－]{0,20}?"
            r"[0-9一二三四五六七八九十百零〇]+(?:号楼|号院|号|栋|幢|单元|室|楼|弄)"
            r"(?:[0-9一二三四五六七八九十百零〇]+(?:号楼|号|栋|幢|单元|室|楼))*"
        ),
    ),
]


def redact(text: str) -> str:
    """Replace personal data in `text` with a bracketed label, e.g. 【手机号】."""
    if not text:
        return text
    for label, pattern in _PATTERNS:
        text = pattern.sub(f"【{label}】", text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    handler_filter = RedactingFilter()
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(handler_filter)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "hotline"):
        logging.getLogger(name).addFilter(handler_filter)
