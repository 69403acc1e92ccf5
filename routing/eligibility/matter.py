"""Guesses for a draft referral from the case category and the citizen's words: the legal-aid
matter type(s), facts about the applicant, the other party. Only a starting point: the draft
lists every guessed field (`guessed`) so the lawyer confirms it before submitting.
"""
from __future__ import annotations

import re
from typing import Any

# (matter type, keywords) in order of preference; the first hits win.
MATTER_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("work_injury_compensation", ("工伤", "职业病")),
    ("labour_remuneration", ("工资", "欠薪", "劳动报酬", "工钱", "加班费", "讨薪", "结算工钱")),
    ("labour_relationship", ("劳动关系", "没签合同", "没有签合同", "未签劳动合同", "不承认我是员工")),
    ("social_insurance", ("社保", "养老保险", "医疗保险", "失业保险", "社会保险", "养老金", "退休金")),
    ("social_assistance", ("低保", "社会救助", "特困", "临时救助")),
    ("pension_relief", ("抚恤金", "抚恤")),
    ("elder_support", ("赡养",)),
    ("child_support", ("抚养费",)),
    ("spousal_support", ("扶养费",)),
    ("traffic_accident_compensation", ("交通事故", "车祸", "撞了", "被撞", "肇事")),
    ("medical_accident_compensation", ("医疗事故", "医疗损害", "医疗纠纷", "手术失败", "误诊")),
    ("food_drug_safety_compensation", ("食物中毒", "假药", "药品", "食品安全")),
    ("environmental_damage", ("污染", "排污", "生态破坏")),
    ("state_compensation", ("国家赔偿", "错误羁押", "冤案")),
    ("capacity_declaration", ("无民事行为能力", "限制民事行为能力", "痴呆", "精神病")),
    ("victim_rights", ("家暴", "家庭暴力", "虐待", "遗弃", "人身安全保护令")),
    ("bravery_civil_rights", ("见义勇为",)),
    ("neighbour", ("邻居", "楼上", "楼下", "噪音", "漏水", "相邻")),
    ("property_management", ("物业", "房东", "租房", "押金")),
    ("contract_debt", ("借钱", "欠钱", "借条", "欠条", "还钱", "借款", "合同")),
    ("consumer", ("商家", "退货", "退款", "网购", "假货", "预付卡")),
    ("divorce", ("离婚",)),
    ("inheritance", ("遗产", "继承", "遗嘱")),
    ("land", ("宅基地", "承包地", "征地")),
]

# Category -> matter type when the words say nothing more specific.
CATEGORY_MATTER = {
    "labour": "labour_remuneration", "family": "divorce", "inheritance": "inheritance",
    "contract_debt": "contract_debt", "property": "property_management", "traffic": "traffic_accident_compensation",
    "consumer": "consumer", "tort_injury": "other", "rural_land": "land", "administrative": "other", "other": "other",
}

MIGRANT_WORDS = ("农民工", "进城务工", "外出务工", "工地", "包工头", "建筑工人")
RESPONDENT_WORDS = [
    (("邻居", "楼上", "楼下"), "邻居"), (("物业",), "物业服务企业"), (("房东",), "房东"),
    (("老板", "公司", "单位", "厂里", "包工头", "工地"), "用人单位/发包方"), (("商家", "网店"), "经营者"),
    (("老公", "丈夫"), "配偶"), (("老婆", "妻子"), "配偶"), (("儿子", "女儿", "子女"), "子女"),
]
_AGE = re.compile(r"(?:我|本人|今年|已经)[^，。,.]{0,6}?(\d{1,3})\s*(?:岁|周岁)")
_VIOLENCE = {"家暴": "domestic_violence", "家庭暴力": "domestic_violence", "虐待": "abuse", "遗弃": "abandonment"}


def guess_matters(category: str | None, text: str) -> list[str]:
    found = [code for code, words in MATTER_KEYWORDS if any(w in text for w in words)]
    if found:
        return found[:3]
    fallback = CATEGORY_MATTER.get(category or "other", "other")
    return [fallback]


def guess_applicant(text: str, matters: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Facts about the applicant found in the text, and the names of the guessed fields."""
    facts: dict[str, Any] = {}
    guessed: list[str] = []
    if any(w in text for w in MIGRANT_WORDS) and {"labour_remuneration", "work_injury_compensation"} & set(matters):
        facts["migrant_worker"] = True
        guessed.append("applicant.migrant_worker")
    match = _AGE.search(text)
    if match and 0 < int(match.group(1)) <= 120:
        facts["age"] = int(match.group(1))
        guessed.append("applicant.age")
    for word, kind in _VIOLENCE.items():
        if word in text:
            facts["violence_victim"] = kind
            guessed.append("applicant.violence_victim")
            break
    if "见义勇为" in text:
        facts["act_of_bravery"] = True
        guessed.append("applicant.act_of_bravery")
    if "低保" in text:
        facts["assistance"] = ["minimum_living"]
        guessed.append("applicant.assistance")
    if "残疾" in text:
        facts["disabled"] = True
        guessed.append("applicant.disabled")
    return facts, guessed


def guess_respondent(text: str) -> str:
    for words, label in RESPONDENT_WORDS:
        if any(w in text for w in words):
            return label
    return ""


def guess_preservation(text: str) -> bool:
    return any(w in text for w in ("转移财产", "财产保全", "证据保全", "先予执行", "要跑路", "卷款"))
