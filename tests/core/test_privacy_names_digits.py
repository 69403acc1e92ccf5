"""Redaction gaps (issue 18, item 11): names in self-introductions and 姓名 fields, and numbers
spoken in Chinese digits or mixed with Arabic ones."""
from __future__ import annotations

import pytest

from hotline.privacy import mask_name, redact, redact_value


@pytest.mark.parametrize(("text", "name"), [
    ("我叫张三，想问一下工资的事", "张三"), ("您好我是李小红，公司欠薪", "李小红"),
    ("姓名：王五", "王五"), ("姓名 欧阳娜娜", "欧阳娜娜"), ("我的名字是赵六。", "赵六"), ("本人陈大明，男", "陈大明"),
])
def test_names_are_redacted(text: str, name: str) -> None:
    out = redact(text)
    assert name not in out and name[1:] not in out and "【姓名】" in out, out


@pytest.mark.parametrize("text", ["我是进城务工人员", "我是老师", "我叫了保安", "我是想问一下"])
def test_ordinary_words_are_kept(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize("text", [
    "身份证号三五零一零二一九九零零三一二四四三二", "身份证三五零13812345678四四三二",
    "号码是350102一九九零0312四四三二", "卡号六二二二 零二零二 一二三四 五六七八",
])
def test_numbers_in_chinese_digits_leak_no_digits(text: str) -> None:
    out = redact(text)
    assert not any(c in out for c in "0123456789零〇一二三四五六七八九"), out


def test_short_chinese_numbers_are_kept() -> None:
    assert redact("二〇二五年五月一日，欠了三千五百元，一二三个月") == "二〇二五年五月一日，欠了三千五百元，一二三个月"


def test_name_fields_are_masked() -> None:
    assert redact_value({"name": "张三", "applicant_name": "欧阳娜娜", "role": "applicant"}) == \
        {"name": "张*", "applicant_name": "欧阳**", "role": "applicant"}
    assert mask_name("张三") == "张*" and mask_name("") == ""
