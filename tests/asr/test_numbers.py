"""Numbers as people say them and as recognisers write them (asr/numbers.py)."""
from __future__ import annotations

import pytest

from asr.evaluate import cer_counts
from asr.numbers import int_to_spoken, normalise_numbers, spoken_numbers


@pytest.mark.parametrize(("said", "written"), [
    ("二〇二二年", "2022年"), ("二零二五年三月十五号", "2025年3月15号"), ("四万八千块", "48000块"), ("九级", "9级"),
    ("六千五", "6500"), ("两万五", "25000"), ("三百二", "320"), ("一千零五", "1005"), ("十五天", "15天"),
    ("二十五", "25"), ("一万二千", "12000"), ("三个月", "3个月"), ("4.8万块", "48000块"), ("2万块", "20000块"),
    ("4万8千", "48000"),
])
def test_spoken_and_written_numbers_normalise_alike(said: str, written: str) -> None:
    assert normalise_numbers(said) == normalise_numbers(written) == written.replace("4.8万", "48000").replace(
        "2万", "20000").replace("4万8千", "48000")


def test_words_that_are_not_numbers_stay() -> None:
    assert normalise_numbers("万一他不还钱") == "万一他不还钱"
    assert normalise_numbers("劳动仲裁") == "劳动仲裁"


@pytest.mark.parametrize(("value", "spoken"), [(48000, "四万八千"), (6500, "六千五百"), (15, "十五"), (105, "一百〇五"),
                                               (20000, "两万"), (9, "九"), (10, "十"), (2000, "两千")])
def test_numbers_read_out(value: int, spoken: str) -> None:
    assert int_to_spoken(value) == spoken


def test_years_and_phone_numbers_are_read_digit_by_digit() -> None:
    assert spoken_numbers("2022年伤残9级") == "二〇二二年伤残九级"
    assert spoken_numbers("电话13800138000") == "电话一三八〇〇一三八〇〇〇"


def test_cer_normalised_forgives_the_spelling_of_numbers_only() -> None:
    ref, hyp = "我一个月工资是六千五，三个月两万块。", "我一个月工资是6500,3个月2万块"
    edits, chars = cer_counts(ref, hyp)
    assert edits > 0
    assert cer_counts(ref, hyp, numbers=True)[0] == 0
    assert cer_counts(ref, "我一个月公资是6500,3个月2万块", numbers=True)[0] == 1
