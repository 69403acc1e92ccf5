"""Table-driven tests of the legal-aid eligibility rules (法律援助法 2021): every item of arts. 31,
32 and 42, the art. 44 urgency rule, the provincial standard version used, criminal defence
(arts. 24-28), and missing or contradictory input. Pure: no database."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from routing.eligibility.application import ApplicationError
from routing.eligibility.rules import assess_json
from tests.routing.eligibility.conftest import STANDARDS, TODAY

POOR = {"household_size": 3, "household_monthly_income": 4500, "integrity_pledge": True}  # 1500/person
RICH = {"household_size": 2, "household_monthly_income": 20000, "integrity_pledge": True}  # 10000/person


def app(matters: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"province": "广东省", "application_date": "2026-05-01",
                            "matter_types": matters if matters is not None else [], "economy": dict(POOR)}
    for key, value in extra.items():
        base[key] = value
    return base


A31 = "法律援助法第三十一条"
ART = {n: f"法律援助法第{n}" for n in ("三十二条", "三十四条", "四十一条", "四十二条", "四十四条", "二十四条", "二十五条",
                                        "二十六条", "二十八条", "二十九条", "三十三条", "四十八条", "三十条")}

# (id, application, expected fields, articles that must be cited)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[str]]] = [
    # -- art. 31: each item qualifies; hardship reviewed by the centre (declared income within the standard)
    ("31-1 state compensation", app(["state_compensation"]),
     {"eligible": "needs_review", "economic_review": "required", "economic_status": "within_standard"},
     [f"{A31}第（一）项", "法律援助法第三十四条", "法律援助法第四十一条"]),
    ("31-2 social insurance", app(["social_insurance"]), {"eligible": "needs_review", "economic_review": "required"},
     [f"{A31}第（二）项"]),
    ("31-2 social assistance", app(["social_assistance"]), {"eligible": "needs_review"}, [f"{A31}第（二）项"]),
    ("31-3 pension relief", app(["pension_relief"]), {"eligible": "needs_review"}, [f"{A31}第（三）项"]),
    ("31-4 elder support", app(["elder_support"]), {"eligible": "needs_review"}, [f"{A31}第（四）项"]),
    ("31-4 child support", app(["child_support"]), {"eligible": "needs_review"}, [f"{A31}第（四）项"]),
    ("31-4 spousal support", app(["spousal_support"]), {"eligible": "needs_review"}, [f"{A31}第（四）项"]),
    ("31-5 labour relationship", app(["labour_relationship"]), {"eligible": "needs_review"}, [f"{A31}第（五）项"]),
    ("31-5 wages, not a migrant worker", app(["labour_remuneration"]),
     {"eligible": "needs_review", "economic_review": "required"}, [f"{A31}第（五）项"]),
    ("31-6 capacity declaration", app(["capacity_declaration"]), {"eligible": "needs_review"}, [f"{A31}第（六）项"]),
    ("31-7 work injury", app(["work_injury_compensation"]), {"eligible": "needs_review"}, [f"{A31}第（七）项"]),
    ("31-7 traffic accident", app(["traffic_accident_compensation"]), {"eligible": "needs_review"},
     [f"{A31}第（七）项"]),
    ("31-7 food and drug safety", app(["food_drug_safety_compensation"]), {"eligible": "needs_review"},
     [f"{A31}第（七）项"]),
    ("31-7 medical accident", app(["medical_accident_compensation"]), {"eligible": "needs_review"},
     [f"{A31}第（七）项"]),
    ("31-8 environmental damage", app(["environmental_damage"]), {"eligible": "needs_review"}, [f"{A31}第（八）项"]),
    ("31-9 other by law (basis named)", app(["other_by_law"], other_matter_basis="广东省法律援助条例第十条"),
     {"eligible": "needs_review", "economic_review": "required"}, [f"{A31}第（九）项"]),
    # -- art. 32: no hardship condition at all
    ("32-1 hero's close relative", app(["hero_martyr_rights"], applicant={"hero_martyr_relative": True},
                                       economy=dict(RICH)),
     {"eligible": True, "economic_review": "not_applicable", "economic_status": "not_assessed",
      "hardship_standard": None}, [f"{ART['三十二条']}第（一）项"]),
    ("32-2 act of bravery", app(["bravery_civil_rights"], applicant={"act_of_bravery": True}, economy=dict(RICH)),
     {"eligible": True, "economic_review": "not_applicable"}, [f"{ART['三十二条']}第（二）项"]),
    ("32-3 acquitted on retrial claims compensation",
     app(["state_compensation"], applicant={"retrial_acquitted": True}, economy=dict(RICH)),
     {"eligible": True, "economic_review": "not_applicable"}, [f"{A31}第（一）项", f"{ART['三十二条']}第（三）项"]),
    ("32-4 domestic-violence victim", app(["victim_rights"], applicant={"violence_victim": "domestic_violence"},
                                          economy=dict(RICH)),
     {"eligible": True, "economic_review": "not_applicable"}, [f"{ART['三十二条']}第（四）项"]),
    ("32-4 abandoned parent claims support",
     app(["elder_support"], applicant={"violence_victim": "abandonment", "age": 75}, economy=dict(RICH)),
     {"eligible": True, "economic_review": "not_applicable"}, [f"{A31}第（四）项", f"{ART['三十二条']}第（四）项"]),
    ("32-4 abuse victim seeks divorce", app(["divorce"], applicant={"violence_victim": "abuse"}),
     {"eligible": True, "economic_review": "not_applicable"}, [f"{ART['三十二条']}第（四）项"]),
    ("32-5 other by law", app(["labour_remuneration"], other_exemption_basis="某省法律援助条例第十二条"),
     {"eligible": "needs_review", "economic_review": "not_applicable"}, [f"{ART['三十二条']}第（五）项"]),
    ("32-1 does not apply to an unrelated matter",
     app(["labour_remuneration"], applicant={"hero_martyr_relative": True}),
     {"eligible": "needs_review", "economic_review": "required"}, [f"{ART['三十二条']}第（一）项"]),
    # -- art. 42: the condition applies, the review is exempted
    ("42-1 minor without fixed income", app(["child_support"], applicant={"age": 15, "has_fixed_income": False}),
     {"eligible": True, "economic_review": "exempt", "hardship_standard": None}, [f"{ART['四十二条']}第（一）项"]),
    ("42-1 elderly without fixed income", app(["elder_support"], applicant={"age": 72, "has_fixed_income": False},
                                               economy=dict(RICH)),
     {"eligible": True, "economic_review": "exempt"}, [f"{ART['四十二条']}第（一）项"]),
    ("42-1 disabled without fixed income",
     app(["social_assistance"], applicant={"disabled": True, "has_fixed_income": False}),
     {"eligible": True, "economic_review": "exempt"}, [f"{ART['四十二条']}第（一）项"]),
    ("42-1 elderly with fixed income unknown: reviewed, with a hint",
     app(["pension_relief"], applicant={"age": 66}), {"eligible": "needs_review", "economic_review": "required"},
     [f"{A31}第（三）项"]),
    ("42-2 低保 recipient", app(["traffic_accident_compensation"], applicant={"assistance": ["minimum_living"]}),
     {"eligible": True, "economic_review": "exempt"}, [f"{ART['四十二条']}第（二）项"]),
    ("42-2 judicial assistance", app(["state_compensation"], applicant={"assistance": ["judicial_assistance"]}),
     {"eligible": True, "economic_review": "exempt"}, [f"{ART['四十二条']}第（二）项"]),
    ("42-2 preferential care", app(["pension_relief"], applicant={"assistance": ["preferential_care"]}),
     {"eligible": True, "economic_review": "exempt"}, [f"{ART['四十二条']}第（二）项"]),
    ("42-3 migrant worker claims wages", app(["labour_remuneration"], applicant={"migrant_worker": True},
                                             economy={"integrity_pledge": False}),
     {"eligible": True, "economic_review": "exempt", "hardship_standard": None},
     [f"{A31}第（五）项", f"{ART['四十二条']}第（三）项"]),
    ("42-3 migrant worker injured at work", app(["work_injury_compensation"], applicant={"migrant_worker": True}),
     {"eligible": True, "economic_review": "exempt"}, [f"{ART['四十二条']}第（三）项"]),
    ("42-3 not for confirming a labour relationship only",
     app(["labour_relationship"], applicant={"migrant_worker": True}),
     {"eligible": "needs_review", "economic_review": "required"}, [f"{ART['四十二条']}第（三）项"]),
    ("42-4 other by law", app(["social_insurance"], other_review_exemption_basis="某市法律援助办法第八条"),
     {"eligible": "needs_review", "economic_review": "exempt"}, [f"{ART['四十二条']}第（四）项"]),
    # -- hardship against the provincial standard (art. 34) and the pledge (art. 41)
    ("34 income above the standard", app(["child_support"], economy=dict(RICH)),
     {"eligible": False, "economic_review": "required", "economic_status": "above_standard",
      "suggested_routes": ["mediation", "court"]}, [ART["三十四条"]]),
    ("34 income not declared", app(["child_support"], economy={}),
     {"eligible": "needs_review", "economic_status": "unknown", "income_per_member": None}, [ART["三十四条"]]),
    ("41 no pledge yet", app(["child_support"], economy={"household_size": 1, "household_monthly_income": 1000}),
     {"eligible": "needs_review", "integrity_pledge": False}, [ART["四十一条"]]),
    ("34 exactly at the standard counts as hardship",
     app(["child_support"], economy={"monthly_income_per_member": 2500, "integrity_pledge": True}),
     {"eligible": "needs_review", "economic_status": "within_standard", "income_per_member": 2500.0},
     [ART["三十四条"]]),
    ("34 version in force in 2024 (2300)",
     app(["child_support"], application_date="2024-06-01", economy={"monthly_income_per_member": 2400}),
     {"eligible": False, "economic_status": "above_standard",
      "hardship_standard": {"id": 1, "effective_from": "2021-12-01", "version": 1}}, [ART["三十四条"]]),
    ("34 version in force from 2025-03-01 (2500)",
     app(["child_support"], application_date="2025-03-01", economy={"monthly_income_per_member": 2400}),
     {"eligible": "needs_review", "economic_status": "within_standard",
      "hardship_standard": {"id": 2, "effective_from": "2025-03-01", "monthly_income_per_member": 2500.0}},
     [ART["三十四条"]]),
    ("34 a correction (version 2) supersedes the row it corrects",
     app(["child_support"], province="北京市", economy={"monthly_income_per_member": 2440}),
     {"eligible": "needs_review", "hardship_standard": {"id": 4, "version": 2, "monthly_income_per_member": 2450.0}},
     [ART["三十四条"]]),
    ("34 no standard needed when the review is exempt (province without a table)",
     app(["labour_remuneration"], province="湖南省", applicant={"migrant_worker": True}),
     {"eligible": True, "economic_review": "exempt", "hardship_standard": None}, [f"{ART['四十二条']}第（三）项"]),
    # -- art. 44: urgency. Days count from the application date (the assessment date; TODAY when not
    # given): 0-6 days left -> urgent, 7 or more -> not, already past -> not urgent with the reason.
    ("44-1 arbitration limitation ends 6 days after the application",
     app(["labour_remuneration"], application_date="2026-06-01", applicant={"migrant_worker": True},
         deadline_date="2026-06-07", deadline_kind="arbitration"),
     {"urgent": True, "deadlines": [{"kind": "arbitration", "label": "仲裁时效", "date": "2026-06-07", "days_left": 6}]},
     [f"{ART['四十四条']}第（一）项"]),
    ("44-1 7 days left is not urgent",
     app(["child_support"], application_date="2026-06-01", deadline_date="2026-06-08", deadline_kind="limitation"),
     {"urgent": False, "deadlines": [{"kind": "limitation", "days_left": 7}], "warnings": []}, []),
    ("44-1 ends on the application date", app(["child_support"], application_date="2026-06-01",
                                              deadline_date="2026-06-01", deadline_kind="appeal"),
     {"urgent": True, "deadlines": [{"kind": "appeal", "days_left": 0}]}, [f"{ART['四十四条']}第（一）项"]),
    ("44-1 no application date: counted from today",
     {k: v for k, v in app(["child_support"], deadline_date="2026-06-05").items() if k != "application_date"},
     {"urgent": True, "application_date": "2026-06-01", "deadlines": [{"kind": "other", "days_left": 4}]},
     [f"{ART['四十四条']}第（一）项"]),
    ("44-1 earlier application: 6 days counted from its date",
     app(["child_support"], application_date="2026-05-01", deadline_date="2026-05-07", deadline_kind="limitation"),
     {"urgent": True, "deadlines": [{"kind": "limitation", "date": "2026-05-07", "days_left": 6}]},
     [f"{ART['四十四条']}第（一）项"]),
    ("44-1 already passed: not urgent, the reason says why",
     app(["child_support"], application_date="2026-06-01", deadline_date="2026-05-20", deadline_kind="limitation"),
     {"urgent": False, "deadlines": [{"kind": "limitation", "days_left": -12}]}, [f"{ART['四十四条']}第（一）项"]),
    ("44-2 preservation needed", app(["work_injury_compensation"], preservation_needed=True), {"urgent": True},
     [f"{ART['四十四条']}第（二）项"]),
    ("44-2 preservation makes it urgent even when the deadline has passed",
     app(["work_injury_compensation"], application_date="2026-06-01", deadline_date="2026-05-31",
         preservation_needed=True), {"urgent": True}, [f"{ART['四十四条']}第（一）项", f"{ART['四十四条']}第（二）项"]),
    # -- matters outside art. 31: not eligible, other routes
    ("neighbour dispute does not qualify", app(["neighbour"]),
     {"eligible": False, "suggested_routes": ["mediation", "justice_bureau"], "qualifying_matters": []}, [A31]),
    ("debt dispute does not qualify", app(["contract_debt"], economy=dict(POOR)),
     {"eligible": False, "suggested_routes": ["mediation", "court"]}, [A31]),
    ("one qualifying matter among others is enough", app(["neighbour", "child_support"]),
     {"eligible": "needs_review", "qualifying_matters": ["child_support"], "non_qualifying_matters": ["neighbour"]},
     [f"{A31}第（四）项"]),
    ("already has a lawyer", app(["labour_remuneration"], applicant={"migrant_worker": True}, has_representative=True),
     {"eligible": False}, [A31]),
    # -- art. 29 and 33: hardship required
    ("29 crime victim", app(["criminal_victim"]), {"eligible": "needs_review", "economic_review": "required"},
     [ART["二十九条"]]),
    ("33 retrial", app(["retrial"]), {"eligible": "needs_review"}, [ART["三十三条"]]),
    # -- criminal defence (arts. 24-28): its own track
    ("25-1 minor suspect", app([], criminal_defence=True, applicant={"age": 16}, criminal={}),
     {"track": "criminal_defence", "eligible": True, "economic_review": "not_applicable"},
     [f"{ART['二十五条']}第一款第（一）项"]),
    ("25-2 deaf defendant", app([], criminal_defence=True, criminal={"vision_hearing_speech_disabled": True}),
     {"eligible": True, "economic_review": "not_applicable"}, [f"{ART['二十五条']}第一款第（二）项"]),
    ("25-4 possible death sentence: experienced lawyer",
     app([], criminal_defence=True, criminal={"possible_life_or_death_sentence": True}),
     {"eligible": True}, [f"{ART['二十五条']}第一款第（四）项", ART["二十六条"]]),
    ("25-6 trial in absentia", app([], criminal_defence=True, criminal={"trial_in_absentia": True}),
     {"eligible": True}, [f"{ART['二十五条']}第一款第（六）项"]),
    ("28 compulsory medical treatment", app([], criminal_defence=True, criminal={"compulsory_medical": True}),
     {"eligible": True, "economic_review": "not_applicable"}, [ART["二十八条"]]),
    ("24 other suspects: the centre decides", app([], criminal_defence=True, criminal={}),
     {"track": "criminal_defence", "eligible": "needs_review", "economic_review": "required"}, [ART["二十四条"]]),
    ("24 defender already retained", app([], criminal_defence=True, criminal={"has_defender": True}),
     {"eligible": False}, [ART["二十四条"], ART["三十条"]]),
]


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(_contains(actual.get(k), v) for k, v in expected.items())
    if isinstance(expected, list) and expected and isinstance(expected[0], dict):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            _contains(a, e) for a, e in zip(actual, expected))
    return actual == expected


@pytest.mark.parametrize(("application", "expected", "articles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(application: dict, expected: dict, articles: list[str]) -> None:
    before = copy.deepcopy(application)
    result = assess_json(application, STANDARDS, TODAY)
    for key, value in expected.items():
        assert _contains(result[key], value), (key, result[key], value, result["reasons"])
    considered = [c["article"] for c in result["articles_considered"]]
    for article in articles:  # applied, or considered and found not to apply (with why not)
        assert article in result["articles"] + considered, (article, result["articles"])
    # every conclusion carries its article, and every reason names one
    assert result["reasons"] and all("法律援助法第" in r or r.startswith("可告知") for r in result["reasons"])
    assert all(f["article"] in (result["articles"] if f["applies"] else considered) and f["article_id"].startswith("行政法/法律援助法(2021-08-20)#第")
               for f in result["findings"])
    assert application == before  # the input is not changed


def test_enough_cases() -> None:
    assert len(CASES) >= 40


def test_hints_and_warnings() -> None:
    elderly = assess_json(app(["pension_relief"], applicant={"age": 66}), STANDARDS, TODAY)
    assert any("第四十二条第（一）项" in w and "固定生活来源" in w for w in elderly["warnings"])
    expired = assess_json(app(["child_support"], deadline_date="2026-04-20"), STANDARDS, TODAY)
    assert any("已于 2026-04-20 届满" in w for w in expired["warnings"])
    migrant = assess_json(app(["labour_relationship"], applicant={"migrant_worker": True}), STANDARDS, TODAY)
    assert any(f["conclusion"] == "art42_not_applicable" for f in migrant["findings"])
    urgent = assess_json(app(["child_support"], deadline_date="2026-05-03"), STANDARDS, TODAY)
    assert any("剩 2 日" in r and "先行提供法律援助" in r for r in urgent["reasons"])


def test_deadline_already_passed_is_explained_not_urgent() -> None:
    result = assess_json(app(["child_support"], application_date="2026-06-01", deadline_date="2026-05-20",
                             deadline_kind="limitation"), STANDARDS, TODAY)
    assert result["urgent"] is False
    passed = [f for f in result["findings"] if f["conclusion"] == "deadline_passed"]
    assert len(passed) == 1 and passed[0]["article"] == f"{ART['四十四条']}第（一）项"
    assert not any(f["conclusion"] == "urgent" for f in result["findings"])
    reason = next(r for r in result["reasons"] if r.startswith("期限已过"))
    assert "诉讼时效已于 2026-05-20 届满" in reason and "超过 12 日" in reason and "顺延、恢复期限" in reason
    assert any("已于 2026-05-20 届满" in w and "尽快告知当事人" in w for w in result["warnings"])


def test_earlier_application_says_where_the_deadline_stands_today() -> None:
    # urgent as of the application date, but the deadline has passed since: said, not hidden
    since = assess_json(app(["child_support"], application_date="2026-05-01", deadline_date="2026-05-07"),
                        STANDARDS, TODAY)
    assert since["urgent"] is True and any("截至今日（2026-06-01）已于 2026-05-07 届满" in w for w in since["warnings"])
    # not urgent as of the application date, but close today
    close = assess_json(app(["child_support"], application_date="2026-05-01", deadline_date="2026-06-04"),
                        STANDARDS, TODAY)
    assert close["urgent"] is False and close["deadlines"][0]["days_left"] == 34
    assert any("截至今日（2026-06-01）仅剩 3 日" in w for w in close["warnings"])
    # assessed on the application date itself: no such warnings
    today = assess_json(app(["child_support"], application_date="2026-06-01", deadline_date="2026-06-04"),
                        STANDARDS, TODAY)
    assert today["urgent"] is True and today["warnings"] == []


def test_application_date_defaults_to_today() -> None:
    data = app(["child_support"], economy={"monthly_income_per_member": 2400})
    del data["application_date"]
    result = assess_json(data, STANDARDS, TODAY)
    assert result["application_date"] == TODAY.isoformat() and result["hardship_standard"]["id"] == 2


# -- missing or contradictory input: a clear error naming each field ---------------------------------
ERRORS: list[tuple[str, Any, list[str]]] = [
    ("unknown province", app(["child_support"], province="火星省"), ["province"]),
    ("missing province", {"matter_types": ["child_support"]}, ["province"]),
    ("minor aged 40", app(["child_support"], applicant={"minor": True, "age": 40}), ["applicant.minor"]),
    ("elderly aged 30", app(["elder_support"], applicant={"elderly": True, "age": 30}), ["applicant.elderly"]),
    ("negative income", app(["child_support"], economy={"household_size": 2, "household_monthly_income": -1}),
     ["economy.household_monthly_income"]),
    ("household income without size", app(["child_support"], economy={"household_monthly_income": 3000}),
     ["economy.household_size"]),
    ("per-member income contradicts the household figures",
     app(["child_support"], economy={"household_size": 2, "household_monthly_income": 3000,
                                     "monthly_income_per_member": 2000}), ["economy.monthly_income_per_member"]),
    ("no matter type", app([]), ["matter_types"]),
    ("unknown matter type", app(["alimony"]), ["matter_types.0"]),
    ("hero matter without the relative", app(["hero_martyr_rights"]), ["applicant.hero_martyr_relative"]),
    ("bravery matter without the act", app(["bravery_civil_rights"]), ["applicant.act_of_bravery"]),
    ("victim matter without the violence", app(["victim_rights"]), ["applicant.violence_victim"]),
    ("other-by-law matter without a basis", app(["other_by_law"]), ["other_matter_basis"]),
    ("criminal facts without the criminal flag", app(["child_support"], criminal={"has_defender": False}),
     ["criminal"]),
    ("criminal defence with civil matters", app(["child_support"], criminal_defence=True), ["matter_types"]),
    ("misspelt field", app(["child_support"], applicant={"migrant": True}), ["applicant.migrant"]),
    ("age is not a number", app(["child_support"], applicant={"age": "forty"}), ["applicant.age"]),
    ("application date in the future", app(["child_support"], application_date="2026-07-01"), ["application_date"]),
    ("deadline kind without a date", app(["child_support"], deadline_kind="appeal"), ["deadline_date"]),
    ("no standard configured for the province when the review is required", app(["child_support"], province="湖南省"),
     ["province"]),
    ("not an object", ["child_support"], [""]),
    ("several problems at once", app(["alimony"], province="火星省", applicant={"minor": True, "age": 40}),
     ["province", "matter_types.0"]),
]


@pytest.mark.parametrize(("application", "fields"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_invalid_input(application: Any, fields: list[str]) -> None:
    with pytest.raises(ApplicationError) as info:
        assess_json(application, STANDARDS, TODAY)
    named = [e["field"] for e in info.value.errors]
    for field in fields:
        assert field in named, (field, info.value.errors)
    assert all(e["message"] for e in info.value.errors)
    assert str(info.value).startswith("申请信息有误：")
