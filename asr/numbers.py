"""Numbers as people say them and as recognisers write them.

A caller says 二〇二二年, 四万八千块, 六千五, 九级; Whisper writes 2022年, 48000块 or 4.8万块, 9级.
- `normalise_numbers(text)`: every number to Arabic digits (2022年, 48000块, 6500, 9级), used to
  score both the reference and the hypothesis (CER "normalised") so the two spellings are equal;
- `spoken_numbers(text)`: every run of Arabic digits to the characters it is read as (2022年 →
  二〇二二年, 48000 → 四万八千, 9 → 九), used for search by sound (`knowledge_base.phonetic`),
  where 9级 and 九级 must give the same syllables.
"""
from __future__ import annotations

import re

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
DIGITS.update({str(d): d for d in range(10)})
DIGITS.update({chr(0xFF10 + d): d for d in range(10)})  # full-width digits
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_NUMERAL = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_RUN = re.compile(f"[{_NUMERAL}]+")
_ARABIC = re.compile(r"[0-9]+")
CHINESE_DIGITS = "〇一二三四五六七八九"


def _value(run: str) -> int:
    """The value of a positional numeral run (三十五, 一千零五, 2万, 4万8千)."""
    total = section = 0
    number: int | None = None
    previous = ""
    for ch in run:
        if ch in DIGITS:
            d = DIGITS[ch]
            number = number * 10 + d if number is not None and ch.isascii() and previous.isascii() else d
        elif ch in SMALL_UNITS:
            section += (1 if number is None else number) * SMALL_UNITS[ch]
            number = None
        else:
            section += number or 0
            total += (section or 1) * BIG_UNITS[ch]
            section, number = 0, None
        previous = ch
    return total + section + (number or 0)


def _colloquial_tail(run: str) -> int | None:
    """六千五 → 6500, 两万五 → 25000, 三百二 → 320: a last single digit right after a unit (not
    十, not after 零) counts in the next smaller unit."""
    if len(run) >= 3 and run[-1] in DIGITS and not run[-1].isascii() and DIGITS[run[-1]] != 0:
        unit = run[-2]
        scale = {"百": 10, "千": 100, "万": 1000, "亿": 10_000_000}.get(unit)
        if scale is not None:
            head = _value(run[:-1])
            if head is not None:
                return head + DIGITS[run[-1]] * scale
    return None


def numeral_to_int(run: str) -> int | None:
    """The value of one numeral run, or None when it is not a number (a digit string such as
    二〇二二 is read digit by digit)."""
    if not any(ch in SMALL_UNITS or ch in BIG_UNITS for ch in run):
        return int("".join(str(DIGITS[ch]) for ch in run))
    if run[0] in BIG_UNITS:
        return None  # 万一 and the like: not a number
    tail = _colloquial_tail(run)
    return tail if tail is not None else _value(run)


def _digit_string(run: str) -> str:
    return "".join(str(DIGITS[ch]) for ch in run)


def normalise_numbers(text: str) -> str:
    """Every number in Arabic digits: 二〇二二年 → 2022年, 四万八千块 → 48000块, 九级 → 9级,
    4.8万 → 48000. Applied to both sides before scoring; characters other than numbers unchanged."""
    text = re.sub(r"([0-9]+)\.([0-9])万", lambda m: str(int(m.group(1)) * 10_000 + int(m.group(2)) * 1000), text)

    def one(match: re.Match) -> str:
        run = match.group(0)
        if not any(ch in SMALL_UNITS or ch in BIG_UNITS for ch in run):
            return _digit_string(run)
        # a unit run may end in more units than it can take (万万); split off a leading big unit
        value = numeral_to_int(run)
        return run if value is None else str(value)

    return _RUN.sub(one, text)


def _lead(value: int) -> str:
    return "两" if value == 2 else int_to_spoken(value)


def int_to_spoken(value: int) -> str:
    """48000 → 四万八千, 6500 → 六千五百, 15 → 十五, 105 → 一百〇五 (〇 read líng, as 零)."""
    if value == 0:
        return "〇"
    if value >= 100_000_000:
        high, low = divmod(value, 100_000_000)
        return _lead(high) + "亿" + (("〇" if low < 10_000_000 else "") + int_to_spoken(low) if low else "")
    if value >= 10_000:
        high, low = divmod(value, 10_000)
        return _lead(high) + "万" + (("〇" if low < 1000 else "") + int_to_spoken(low) if low else "")
    out, zero = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = value // unit % 10
        if d:
            if zero:
                out.append("〇")
            digit = "两" if d == 2 and unit >= 1000 and not out else CHINESE_DIGITS[d]  # 两千, 两万
            out.append(("" if unit == 10 and value < 20 else digit) + name)
            zero = False
        elif out:
            zero = True
    return "".join(out)


def spoken_numbers(text: str) -> str:
    """Arabic digits as they are read: years (4 digits before 年) and long or zero-led strings
    (phone numbers, ids) digit by digit, other numbers positionally."""
    def one(match: re.Match) -> str:
        digits = match.group(0)
        after = text[match.end():match.end() + 1]
        if (after == "年" and len(digits) == 4) or digits.startswith("0") or len(digits) > 9:
            return "".join(CHINESE_DIGITS[int(d)] for d in digits)
        return int_to_spoken(int(digits))

    return _ARABIC.sub(one, text)
