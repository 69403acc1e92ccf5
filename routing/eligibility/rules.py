"""Legal-aid eligibility under the 法律援助法 (2021): an application in, an assessment out, with
the article behind every conclusion. Pure: no database; the provincial hardship standards
(art. 34) are passed in as rows.

How the outcome is decided (docs/referrals.md has the long form):
- A matter qualifies under art. 31 (items 1-8; item 9 with the legal basis named), art. 29
  (victims in criminal cases), art. 33 (retrial) or art. 32 (items 1-4 need the matching fact
  about the applicant: hero's close relative, act of bravery, acquittal on retrial, victim of
  abuse/abandonment/domestic violence; item 5 with the legal basis named).
- Art. 32 removes the hardship CONDITION: economic_review "not_applicable", eligible true.
- Art. 42 keeps the condition but exempts the REVIEW: economic_review "exempt", eligible true.
  Item 3 covers migrant workers claiming wages (劳动报酬) or work-injury damages only.
- Otherwise economic_review "required": declared income per household member is compared with
  the province's standard in force on the application date (the row used is recorded); within
  the standard or unknown -> "needs_review" (the legal-aid centre reviews, art. 41: by the
  applicant's integrity pledge or data sharing; no certificates are asked for); above it -> false.
- Anything resting on a legal basis staff must check (art. 31(9), 32(5), 42(4)) is at best
  "needs_review". An applicant who already has a lawyer or agent does not qualify.
- Art. 44: a limitation period or time limit ending in under 7 days from the application date
  (the assessment date; today when not given), or preservation / advance enforcement needed ->
  urgent (provisional aid before review). A deadline already past is not urgent: the reason says
  so and what to check (suspension, interruption, extension).
- Criminal defence (arts. 24-28) is its own track: art. 25(1) and art. 28 cases -> true with no
  hardship condition; other suspects/defendants without a defender (art. 24) -> "needs_review".
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from routing.eligibility.application import (ASSISTANCE, DEADLINE_KINDS, MATTERS, MIGRANT_MATTERS, RANK,
                                             ROUTE_LABELS, VICTIM_RELATED, VIOLENCE, Application, ApplicationError,
                                             CriminalFacts, Economy, Eligible, HardshipRow, parse_application,
                                             standard_in_force)
from routing.eligibility.law import LEGAL_AID_LAW, LEGAL_AID_VERSION, QUOTES, article_id, cite, quote


# -- assessment ------------------------------------------------------------------------------------
class _Out:
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.articles: list[str] = []  # provisions applied
        self.considered: list[dict[str, Any]] = []  # provisions looked at and found not to apply
        self.findings: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    def find(self, conclusion: str, reason: str, article: int, item: int | None = None,
             paragraph: int | None = None, applies: bool = True) -> None:
        """A conclusion and the provision it rests on: applied (`articles`), or considered and
        found not to apply (`articles_considered`, with why not)."""
        citation = cite(article, item, paragraph)
        self.reasons.append(f"{reason}（{citation}）")
        if applies and citation not in self.articles:
            self.articles.append(citation)
        if not applies and citation not in [c["article"] for c in self.considered]:
            self.considered.append({"article": citation, "article_id": article_id(article), "why_not": reason})
        self.findings.append({"conclusion": conclusion, "article": citation, "article_id": article_id(article),
                              "text": QUOTES.get((article, item), ""),
                              "reason": reason, "applies": applies})

    def not_applied(self, conclusions: set[str], why_not: str) -> None:
        """Findings made before the outcome was known that the outcome rules out (e.g. art. 44
        advance aid for an applicant who is not eligible): moved to the provisions considered."""
        for f in self.findings:
            if f["conclusion"] in conclusions and f["applies"]:
                f["applies"] = False
                f["reason"] += f"；{why_not}"
                if f["article"] not in [c["article"] for c in self.considered]:
                    self.considered.append({"article": f["article"], "article_id": f["article_id"], "why_not": f["reason"]})
        applied = {f["article"] for f in self.findings if f["applies"]}
        self.articles = [a for a in self.articles if a in applied]


def _income_per_member(eco: Economy) -> float | None:
    if eco.monthly_income_per_member is not None:
        return round(eco.monthly_income_per_member, 2)
    if eco.household_monthly_income is not None and eco.household_size:
        return round(eco.household_monthly_income / eco.household_size, 2)
    return None


def _art32(app: Application, code: str) -> int | None:
    """The art. 32 item that removes the hardship condition for this matter, if any."""
    person = app.applicant
    if code == "hero_martyr_rights" and person.hero_martyr_relative:
        return 1
    if code == "bravery_civil_rights" and person.act_of_bravery:
        return 2
    if code == "state_compensation" and person.retrial_acquitted:
        return 3
    if person.violence_victim and code in VICTIM_RELATED:
        return 4
    if app.other_exemption_basis.strip():
        return 5
    return None


def _art42(app: Application, code: str | None) -> list[int]:
    """The art. 42 items under which the hardship review is exempted."""
    person, items = app.applicant, []
    if (person.is_minor or person.is_elderly or person.disabled) and person.has_fixed_income is False:
        items.append(1)
    if person.assistance:
        items.append(2)
    if person.migrant_worker and code in MIGRANT_MATTERS:
        items.append(3)
    if app.other_review_exemption_basis.strip():
        items.append(4)
    return items


def _people(app: Application) -> str:
    person, groups = app.applicant, []
    if person.is_minor:
        groups.append("未成年人")
    if person.is_elderly:
        groups.append("老年人")
    if person.disabled:
        groups.append("残疾人")
    return "、".join(groups)


def _urgency(app: Application, out: _Out, on: date, today: date) -> tuple[bool, list[dict[str, Any]]]:
    """Art. 44. Days are counted from the assessment date `on` (the application date, which
    defaults to today): 0-6 days left -> urgent; 7 or more -> not; already past -> not urgent
    (art. 44 is about a deadline still to be met), with the reason and what to check."""
    urgent, deadlines = False, []
    if app.deadline_date:
        days_left = (app.deadline_date - on).days
        kind = app.deadline_kind or "other"
        label = DEADLINE_KINDS[kind]
        deadlines.append({"kind": kind, "label": label, "date": app.deadline_date.isoformat(),
                          "days_left": days_left})
        if 0 <= days_left < 7:
            urgent = True
            out.find("urgent", f"{label}于 {app.deadline_date} 届满，距申请日仅剩 {days_left} 日，不足七日，"
                     "需要及时提起诉讼或者申请仲裁、行政复议：法律援助机构可以决定先行提供法律援助", 44, 1)
        elif days_left < 0:
            out.find("deadline_passed", f"期限已过：所填{label}已于 {app.deadline_date} 届满（申请日已超过 {-days_left} 日），"
                     "不属于距法定时效或者期限届满不足七日的情形，不能据此先行提供法律援助；"
                     "请核实是否存在中止、中断情形，或者可否申请顺延、恢复期限", 44, 1, applies=False)
            out.warnings.append(f"所填{label}已于 {app.deadline_date} 届满：请核实是否存在中止、中断等情形，"
                                "或者可否申请顺延、恢复期限，并尽快告知当事人")
        if on < today:  # an application dated earlier, assessed now: say where things stand today
            days_today = (app.deadline_date - today).days
            if days_today < 0 <= days_left:
                out.warnings.append(f"按申请日 {on} 计算，所填{label}尚未届满；但截至今日（{today}）已于 "
                                    f"{app.deadline_date} 届满：请核实是否已及时提起诉讼或者申请仲裁、行政复议")
            elif 0 <= days_today < 7 and days_left >= 7:
                out.warnings.append(f"按申请日 {on} 计算距{label}届满尚有 {days_left} 日；但截至今日（{today}）仅剩 "
                                    f"{days_today} 日：请尽快处理")
    if app.preservation_needed:
        urgent = True
        out.find("urgent", "需要立即申请财产保全、证据保全或者先予执行：法律援助机构可以决定先行提供法律援助", 44, 2)
    return urgent, deadlines


def _hardship(app: Application, standard: HardshipRow | None, income: float | None, out: _Out) -> tuple[Eligible, str]:
    """Economic review required: compare declared income with the standard (art. 34, 41)."""
    if standard is None:  # parse/assess guarantee a standard when the review is required
        raise ApplicationError([{"field": "province", "message": "未配置经济困难标准"}])
    std = standard.monthly_income_per_member
    label = f"{standard.province}经济困难标准（{standard.effective_from} 起施行，第 {standard.version} 版" \
            f"{'，示例数值待核实' if standard.sample else ''}）家庭人均月收入 {std:g} 元"
    if income is None:
        out.find("economic_unknown", f"未申报家庭收入，须由法律援助机构核查经济困难状况；适用{label}", 34)
        status: str = "unknown"
        eligible: Eligible = "needs_review"
    elif income <= std:
        out.find("economic_within", f"申报的家庭人均月收入 {income:g} 元，不高于{label}", 34)
        status, eligible = "within_standard", "needs_review"
    else:
        out.find("economic_above", f"申报的家庭人均月收入 {income:g} 元，高于{label}，不符合经济困难条件", 34)
        return False, "above_standard"
    if app.economy.integrity_pledge:
        out.find("pledge", "申请人已如实说明经济困难状况并作出个人诚信承诺，由法律援助机构据此核查，无需另行提交证明材料", 41)
    else:
        out.find("pledge_missing", "申请人尚未作出个人诚信承诺：法律援助机构可以由申请人进行个人诚信承诺，或者通过信息共享查询核查经济困难状况",
                 41)
    return eligible, status


def assess(app: Application, standards: Sequence[HardshipRow], today: date) -> dict[str, Any]:
    """Assess a validated application. Raises ApplicationError when the economic review needs a
    hardship standard the province does not have for the application date."""
    on = app.application_date or today
    out = _Out()
    standard = standard_in_force(standards, app.province, on)
    income = _income_per_member(app.economy)
    if app.criminal_defence:
        result = _criminal(app, standard, income, out)
    else:
        result = _civil(app, standard, income, out)
    urgent, deadlines = _urgency(app, out, on, today)
    if app.has_representative and not app.criminal_defence:  # at application: art. 31 (48(6) ends aid granted)
        out.find("has_representative", "申请人已委托律师或者其他代理人，不符合“没有委托代理人”的条件", 31)
    eligible = False if app.has_representative else result["eligible"]
    if eligible is False:  # no advance aid (art. 44) for an applicant who does not qualify
        out.not_applied({"urgent"}, "申请人不符合法律援助条件，不适用先行提供法律援助")
        urgent = False
    routes: list[str] = []
    if eligible is False and not app.has_representative:
        for code in app.matter_types:
            for route in MATTERS[code].routes:
                if route not in routes:
                    routes.append(route)
        if not routes and not app.criminal_defence:
            routes = ["mediation", "court"]
        if routes:
            out.reasons.append("可告知当事人其他途径：" + "、".join(ROUTE_LABELS[r] for r in routes) + "。")
    return {
        "eligible": eligible,
        "track": "criminal_defence" if app.criminal_defence else "civil_administrative",
        "economic_review": result["economic_review"],
        "economic_status": result["economic_status"],
        "urgent": urgent,
        "reasons": out.reasons,
        "articles": out.articles,
        "articles_considered": out.considered,
        "findings": out.findings,
        "matters": result.get("matters", []),
        "qualifying_matters": [m["code"] for m in result.get("matters", []) if m["qualifies"]],
        "non_qualifying_matters": [m["code"] for m in result.get("matters", []) if not m["qualifies"]],
        "hardship_standard": standard.as_dict() if standard and result["economic_status"] != "not_assessed" else None,
        "income_per_member": income,
        "integrity_pledge": app.economy.integrity_pledge,
        "deadlines": deadlines,
        "suggested_routes": routes,
        "warnings": out.warnings,
        "application_date": on.isoformat(),
        "rules": f"{LEGAL_AID_LAW}({LEGAL_AID_VERSION})",
    }


def _civil(app: Application, standard: HardshipRow | None, income: float | None, out: _Out) -> dict[str, Any]:
    matters: list[dict[str, Any]] = []
    need_review: list[str] = []
    person = app.applicant
    # 1. which matters qualify, and under which article
    for code in app.matter_types:
        m = MATTERS[code]
        item32 = _art32(app, code) if m.basis == "none" else None
        if item32 in (4, 5):  # e.g. a victim of domestic violence seeking a divorce: art. 32 itself
            why = (f"申请人遭受{VIOLENCE[person.violence_victim]}，「{m.label}」是受害人主张的相关权益" if item32 == 4
                   else f"申请人依据「{app.other_exemption_basis.strip()}」申请（须由法律援助机构核实该规定）")
            out.find("matter_qualifies", f"{why}，属于法律援助法第三十二条规定的情形", 32, item32)
            matters.append({"code": code, "label": m.label, "qualifies": True, "article": cite(32, item32)})
            continue
        if m.basis == "none":
            out.find("matter_not_listed", f"「{m.label}」不属于法律援助法第三十一条列举的事项，也不属于第三十二条规定的情形", 31,
                     applies=False)
            matters.append({"code": code, "label": m.label, "qualifies": False, "article": None})
            continue
        citation = cite(m.article, m.item) if m.item else cite(m.article)
        if m.basis == "art31":
            reason = f"申请事项「{m.label}」属于法律援助法第三十一条列举的事项：“{quote(31, m.item)}”"
            if code == "other_by_law":
                reason += f"，申请人所依据的规定：{app.other_matter_basis.strip()}（须由法律援助机构核实）"
            out.find("matter_qualifies", reason, 31, m.item)
        elif m.basis == "art32":
            out.find("matter_qualifies", f"申请事项「{m.label}」属于法律援助法第三十二条规定的情形：“{quote(32, m.item)}”",
                     32, m.item)
        elif m.basis == "art29":
            out.find("matter_qualifies", f"申请事项「{m.label}」：刑事案件的被害人、自诉人、附带民事诉讼原告人及其法定代理人或者近亲属，"
                     "因经济困难没有委托诉讼代理人的，属于第二十九条规定的情形", 29)
        else:
            out.find("matter_qualifies", f"申请事项「{m.label}」：人民法院决定、裁定再审或者人民检察院提出抗诉，因经济困难没有委托辩护人"
                     "或者诉讼代理人的，属于第三十三条规定的情形", 33)
        matters.append({"code": code, "label": m.label, "qualifies": True, "article": citation})
    # facts about the person that do not help this application: say so, it is a common confusion
    codes = set(app.matter_types)
    if person.hero_martyr_relative and "hero_martyr_rights" not in codes:
        out.find("art32_not_applicable", "申请人是英雄烈士近亲属，但申请事项不是维护英雄烈士的人格权益，不适用第三十二条第（一）项", 32, 1, applies=False)
    if person.act_of_bravery and "bravery_civil_rights" not in codes:
        out.find("art32_not_applicable", "申请人有见义勇为行为，但申请事项不是因见义勇为主张民事权益，不适用第三十二条第（二）项", 32, 2, applies=False)
    if person.retrial_acquitted and "state_compensation" not in codes:
        out.find("art32_not_applicable", "申请人经再审改判无罪，但申请事项不是请求国家赔偿，不适用第三十二条第（三）项", 32, 3, applies=False)
    if person.violence_victim and not codes & VICTIM_RELATED:
        out.find("art32_not_applicable", f"申请人遭受{VIOLENCE[person.violence_victim]}，但申请事项与此无关，不适用第三十二条第（四）项",
                 32, 4, applies=False)
    if person.migrant_worker and not codes & MIGRANT_MATTERS and any(m["qualifies"] for m in matters):
        out.find("art42_not_applicable", "申请人是进城务工人员，但申请事项不是支付劳动报酬或者工伤事故人身损害赔偿，不适用第四十二条第（三）项"
                 "免予核查", 42, 3, applies=False)
    qualifying = [m for m in matters if m["qualifies"]]
    if not qualifying:
        return {"eligible": False, "economic_review": "not_applicable", "economic_status": "not_assessed",
                "matters": matters}
    # 2. per qualifying matter: hardship condition (art. 32), review exemption (art. 42), or review
    said32: set[int] = set()
    said42: set[int] = set()
    for m in qualifying:
        code = m["code"]
        item32 = _art32(app, code)
        if item32:
            m["economic_review"] = "not_applicable"
            m["eligible"] = "needs_review" if item32 == 5 or code == "other_by_law" else True
            if item32 not in said32:
                said32.add(item32)
                if item32 == 5:
                    text = f"依据「{app.other_exemption_basis.strip()}」不受经济困难条件的限制（须由法律援助机构核实该规定）"
                elif item32 == 4:
                    text = (f"申请人遭受{VIOLENCE[person.violence_victim]}，作为受害人主张相关权益，申请法律援助不受经济困难条件的限制：“"
                            f"{quote(32, 4)}”")
                else:
                    text = f"属于“{quote(32, item32)}”的情形，申请法律援助不受经济困难条件的限制"
                out.find("hardship_not_required", text, 32, item32)
            continue
        items42 = _art42(app, code)
        if items42:
            m["economic_review"] = "exempt"
            m["eligible"] = "needs_review" if items42 == [4] or code == "other_by_law" else True
            for item in items42:
                if item in said42:
                    continue
                said42.add(item)
                if item == 1:
                    text = f"申请人是无固定生活来源的{_people(app)}，免予核查经济困难状况"
                elif item == 2:
                    text = ("申请人是" + "、".join(ASSISTANCE[a] for a in person.assistance) +
                            "，属于社会救助、司法救助或者优抚对象，免予核查经济困难状况")
                elif item == 3:
                    text = "申请人是申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员，免予核查经济困难状况"
                else:
                    text = f"依据「{app.other_review_exemption_basis.strip()}」免予核查经济困难状况（须由法律援助机构核实该规定）"
                out.find("review_exempt", text + "；须有材料证明其属于上述人员", 42, item)
            continue
        m["economic_review"] = "required"
        need_review.append(code)
    person_groups = _people(app)
    if need_review and person_groups and person.has_fixed_income is None:
        out.warnings.append(f"申请人是{person_groups}：如其无固定生活来源，可依法律援助法第四十二条第（一）项免予核查经济困难状况，"
                            "请核实有无固定生活来源")
    economic_status = "not_assessed"
    if need_review:
        if standard is None:
            raise ApplicationError([{"field": "province", "message":
                                     f"{app.province}尚未配置 {app.application_date or '申请日'} 适用的经济困难标准（法律援助法第三十四条），"
                                     "请管理员在困难标准表中配置后再评估"}])
        hardship_eligible, economic_status = _hardship(app, standard, income, out)
        for m in qualifying:
            if m["economic_review"] == "required":
                m["eligible"] = hardship_eligible  # never True: the centre still reviews (art. 41)
    best = max(qualifying, key=lambda m: RANK[m["eligible"]])
    return {"eligible": best["eligible"], "economic_review": best["economic_review"],
            "economic_status": economic_status, "matters": matters}


def _criminal(app: Application, standard: HardshipRow | None, income: float | None, out: _Out) -> dict[str, Any]:
    facts = app.criminal or CriminalFacts()
    person = app.applicant
    if facts.has_defender or app.has_representative:  # at application: art. 24 没有委托辩护人
        out.find("has_defender", "犯罪嫌疑人、被告人已委托辩护人，不属于“没有委托辩护人”的情形；如需法律帮助，可以约见值班律师", 24)
        out.find("duty_lawyer", "值班律师应当依法为没有辩护人的犯罪嫌疑人、被告人提供法律咨询等法律帮助", 30)
        return {"eligible": False, "economic_review": "not_applicable", "economic_status": "not_assessed"}
    items = []
    if person.is_minor:
        items.append(1)
    if facts.vision_hearing_speech_disabled:
        items.append(2)
    if facts.not_fully_capable_adult:
        items.append(3)
    if facts.possible_life_or_death_sentence:
        items.append(4)
    if facts.death_penalty_review:
        items.append(5)
    if facts.trial_in_absentia:
        items.append(6)
    for item in items:
        out.find("mandatory_defence", f"犯罪嫌疑人、被告人属于“{quote(25, item)}”，没有委托辩护人的，人民法院、人民检察院、公安机关"
                 "应当通知法律援助机构指派律师担任辩护人，不以经济困难为条件", 25, item, paragraph=1)
    if facts.possible_life_or_death_sentence or facts.death_penalty_review:
        out.find("experienced_lawyer", "应当指派具有三年以上相关执业经历的律师担任辩护人", 26)
    if facts.compulsory_medical:
        out.find("compulsory_medical", "强制医疗案件的被申请人或者被告人没有委托诉讼代理人的，人民法院应当通知法律援助机构指派律师提供法律援助", 28)
        items.append(0)
    if items:
        return {"eligible": True, "economic_review": "not_applicable", "economic_status": "not_assessed"}
    out.find("criminal_application", "犯罪嫌疑人、被告人因经济困难或者其他原因没有委托辩护人的，本人及其近亲属可以向法律援助机构申请法律援助，"
             "由法律援助机构审查决定", 24)
    items42 = [i for i in _art42(app, None) if i != 3]
    if items42:
        for item in items42:
            text = {1: f"申请人是无固定生活来源的{_people(app)}", 2: "申请人属于社会救助、司法救助或者优抚对象",
                    4: f"依据「{app.other_review_exemption_basis.strip()}」"}[item]
            out.find("review_exempt", text + "，免予核查经济困难状况；须有材料证明其属于上述人员", 42, item)
        return {"eligible": "needs_review", "economic_review": "exempt", "economic_status": "not_assessed"}
    status = "not_assessed"
    if standard is not None:
        _, status = _hardship(app, standard, income, out)
        if status == "above_standard":
            out.warnings.append("申报收入高于经济困难标准，但刑事辩护法律援助也可因“其他原因”申请（第二十四条），由法律援助机构审查决定")
    else:
        out.warnings.append(f"{app.province}尚未配置经济困难标准，由法律援助机构审查")
    return {"eligible": "needs_review", "economic_review": "required", "economic_status": status}


def assess_json(data: Any, standards: Sequence[HardshipRow], today: date) -> dict[str, Any]:
    """Validate and assess in one step (the CLI and the API use this)."""
    return assess(parse_application(data, today), standards, today)
