"""Validating evaluation forms and scoring answers against them (pure functions).

Score = 100 × Σ weight·value / Σ weight over the questions not answered N/A, where a yes/no
question is worth 1 for yes and 0 for no, and a scale question value/scale_max. A critical
question answered "no" (or 0 on a scale) zeroes the whole score."""
from __future__ import annotations

from typing import Any

KINDS = ("yesno", "scale")


class FormError(ValueError):
    pass


def _strict_number(value: Any, name: str, low: float, high: float, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise FormError(f"{name} 须为{'整数' if integer else '数字'} ({name})")
    if not low <= value <= high:
        raise FormError(f"{name} 须在 {low} 到 {high} 之间 ({name})")
    return value


def validate_sections(sections: Any) -> list[dict[str, Any]]:
    """A clean copy of a form's sections, or FormError naming the field at fault."""
    if not isinstance(sections, list) or not sections:
        raise FormError("表单至少需要一个部分 (sections)")
    seen: set[str] = set()
    out = []
    for i, section in enumerate(sections):
        where = f"sections[{i}]"
        if not isinstance(section, dict) or not str(section.get("title", "")).strip():
            raise FormError(f"每个部分须有标题 ({where}.title)")
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            raise FormError(f"每个部分至少一个问题 ({where}.questions)")
        clean_q = []
        for j, q in enumerate(questions):
            qwhere = f"{where}.questions[{j}]"
            if not isinstance(q, dict):
                raise FormError(f"问题格式错误 ({qwhere})")
            qid = str(q.get("id", "")).strip()
            if not qid or qid in seen or len(qid) > 40:
                raise FormError(f"问题编号须唯一且非空 ({qwhere}.id)")
            seen.add(qid)
            text = str(q.get("text", "")).strip()
            if not text:
                raise FormError(f"问题内容不能为空 ({qwhere}.text)")
            kind = q.get("kind", "yesno")
            if kind not in KINDS:
                raise FormError(f"问题类型须为 yesno 或 scale ({qwhere}.kind)")
            weight = _strict_number(q.get("weight", 1), f"{qwhere}.weight", 0, 100)
            scale_max = int(_strict_number(q.get("scale_max", 5), f"{qwhere}.scale_max", 2, 10, True)) \
                if kind == "scale" else None
            for flag in ("critical", "allow_na"):
                if not isinstance(q.get(flag, False), bool):
                    raise FormError(f"{flag} 须为 true/false ({qwhere}.{flag})")
            clean_q.append({"id": qid, "text": text[:300], "kind": kind, "weight": weight, "scale_max": scale_max,
                            "critical": q.get("critical", False), "allow_na": q.get("allow_na", False)})
        out.append({"title": str(section["title"]).strip()[:80], "questions": clean_q})
    return out


def _value(q: dict[str, Any], answer: Any, qid: str) -> float | None:
    """The answer's value in [0, 1], None for N/A."""
    if answer == "na":
        if not q["allow_na"]:
            raise FormError(f"该问题不允许 N/A (answers.{qid})")
        return None
    if q["kind"] == "yesno":
        if answer not in ("yes", "no"):
            raise FormError(f"请回答 yes/no (answers.{qid})")
        return 1.0 if answer == "yes" else 0.0
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= q["scale_max"]:
        raise FormError(f"评分须为 0 到 {q['scale_max']} 的整数 (answers.{qid})")
    return answer / q["scale_max"]


def score(sections: list[dict[str, Any]], answers: Any) -> dict[str, Any]:
    """{"score", "section_scores": {title: 0-100 or None}, "critical_failed", "items": {qid: value}}."""
    if not isinstance(answers, dict):
        raise FormError("answers 须为对象 (answers)")
    known = {q["id"] for s in sections for q in s["questions"]}
    extra = set(answers) - known
    if extra:
        raise FormError(f"未知问题 (answers.{sorted(extra)[0]})")
    total_w = total = 0.0
    critical_failed = False
    section_scores: dict[str, float | None] = {}
    items: dict[str, float | None] = {}
    for section in sections:
        sw = sv = 0.0
        for q in section["questions"]:
            if q["id"] not in answers:
                raise FormError(f"问题未作答 (answers.{q['id']})")
            value = _value(q, answers[q["id"]], q["id"])
            items[q["id"]] = value
            if value is None:
                continue
            if q["critical"] and value == 0:
                critical_failed = True
            sw += q["weight"]
            sv += q["weight"] * value
        section_scores[section["title"]] = round(100 * sv / sw, 2) if sw else None
        total_w += sw
        total += sv
    result = 0.0 if critical_failed or not total_w else round(100 * total / total_w, 2)
    return {"score": result, "section_scores": section_scores, "critical_failed": critical_failed, "items": items}


DEFAULT_FORM = [
    {"title": "服务规范", "questions": [
        {"id": "greeting", "text": "使用规范用语问候并告知身份", "kind": "yesno", "weight": 1},
        {"id": "patience", "text": "耐心倾听，未打断群众陈述", "kind": "scale", "scale_max": 5, "weight": 2},
    ]},
    {"title": "解答质量", "questions": [
        {"id": "accurate", "text": "法律依据准确，无错误解答", "kind": "yesno", "weight": 4, "critical": True},
        {"id": "complete", "text": "解答完整，告知维权途径", "kind": "scale", "scale_max": 5, "weight": 3},
        {"id": "referral", "text": "需要时正确转介（法援、调解）", "kind": "yesno", "weight": 2, "allow_na": True},
    ]},
    {"title": "记录与保密", "questions": [
        {"id": "record", "text": "案件记录完整规范", "kind": "yesno", "weight": 1},
        {"id": "privacy", "text": "未泄露当事人个人信息", "kind": "yesno", "weight": 2, "critical": True},
    ]},
]
