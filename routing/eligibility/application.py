"""A legal-aid application: the matters and labels of the 法律援助法 (2021), the application's
fields and their strict validation (`parse_application`), and the provincial hardship standards
(art. 34) as rows. Pure: no database. The assessment itself is `routing.eligibility.rules`."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

PROVINCES = [
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省",
    "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省",
    "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
    "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区",
]


@dataclass(frozen=True)
class Matter:
    label: str
    basis: str  # "art31" | "art32" | "art29" | "art33" | "none"
    article: int | None = None
    item: int | None = None
    routes: tuple[str, ...] = ()  # other routes when it does not qualify


MATTERS: dict[str, Matter] = {
    "state_compensation": Matter("请求国家赔偿", "art31", 31, 1),
    "social_insurance": Matter("请求给予社会保险待遇", "art31", 31, 2),
    "social_assistance": Matter("请求给予社会救助", "art31", 31, 2),
    "pension_relief": Matter("请求发给抚恤金", "art31", 31, 3),
    "elder_support": Matter("请求给付赡养费", "art31", 31, 4),
    "child_support": Matter("请求给付抚养费", "art31", 31, 4),
    "spousal_support": Matter("请求给付扶养费", "art31", 31, 4),
    "labour_relationship": Matter("请求确认劳动关系", "art31", 31, 5),
    "labour_remuneration": Matter("请求支付劳动报酬", "art31", 31, 5),
    "capacity_declaration": Matter("请求认定公民无民事行为能力或者限制民事行为能力", "art31", 31, 6),
    "work_injury_compensation": Matter("请求工伤事故人身损害赔偿", "art31", 31, 7),
    "traffic_accident_compensation": Matter("请求交通事故人身损害赔偿", "art31", 31, 7),
    "food_drug_safety_compensation": Matter("请求食品药品安全事故人身损害赔偿", "art31", 31, 7),
    "medical_accident_compensation": Matter("请求医疗事故人身损害赔偿", "art31", 31, 7),
    "environmental_damage": Matter("请求环境污染、生态破坏损害赔偿", "art31", 31, 8),
    "other_by_law": Matter("法律、法规、规章规定的其他事项", "art31", 31, 9),
    "hero_martyr_rights": Matter("维护英雄烈士的人格权益", "art32", 32, 1),
    "bravery_civil_rights": Matter("因见义勇为行为主张相关民事权益", "art32", 32, 2),
    "victim_rights": Matter("虐待、遗弃或者家庭暴力受害人主张相关权益", "art32", 32, 4),
    "criminal_victim": Matter("刑事案件被害人、自诉人、附带民事诉讼原告人请求诉讼代理", "art29", 29),
    "retrial": Matter("申诉、再审案件（已决定再审或者已提出抗诉）", "art33", 33),
    "neighbour": Matter("邻里纠纷", "none", routes=("mediation", "justice_bureau")),
    "contract_debt": Matter("合同、借贷等债务纠纷", "none", routes=("mediation", "court")),
    "property_management": Matter("物业、房屋纠纷", "none", routes=("mediation", "court")),
    "consumer": Matter("消费纠纷", "none", routes=("mediation", "court")),
    "divorce": Matter("离婚纠纷", "none", routes=("mediation", "court")),
    "inheritance": Matter("继承纠纷", "none", routes=("mediation", "court")),
    "land": Matter("土地承包、宅基地纠纷", "none", routes=("justice_bureau", "mediation")),
    "other": Matter("其他事项", "none", routes=("justice_bureau", "court")),
}

ASSISTANCE = {
    "minimum_living": "最低生活保障（低保）对象",
    "extreme_poverty": "特困人员救助供养对象",
    "other_social_assistance": "其他社会救助对象",
    "judicial_assistance": "司法救助对象",
    "preferential_care": "优抚对象",
}
VIOLENCE = {"abuse": "虐待", "abandonment": "遗弃", "domestic_violence": "家庭暴力"}
DEADLINE_KINDS = {"limitation": "诉讼时效", "arbitration": "仲裁时效", "appeal": "上诉期限",
                  "reconsideration": "行政复议申请期限", "litigation": "起诉期限", "other": "其他法定期限"}
ROUTE_LABELS = {"mediation": "人民调解", "justice_bureau": "司法所", "court": "向人民法院起诉",
                "petitions": "信访"}
# Art. 32(4): the "related rights" a victim of abuse, abandonment or domestic violence asserts.
VICTIM_RELATED = {"victim_rights", "elder_support", "child_support", "spousal_support", "divorce"}
# Art. 42(3): what a migrant worker's claim must be for the review exemption.
MIGRANT_MATTERS = {"labour_remuneration", "work_injury_compensation"}

Eligible = bool | Literal["needs_review"]
RANK = {False: 0, "needs_review": 1, True: 2}


class ApplicationError(ValueError):
    """Missing or contradictory input: `errors` lists each problem (field, Chinese message)."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("申请信息有误：" + "；".join(f"{e['field']}：{e['message']}" if e["field"] else e["message"]
                                                   for e in errors) + " (invalid application)")


# Strict input (issue 18): a `true` is not a household size, `"yes"` is not a boolean, `"30"` is not
# a number, a date is an ISO string (never a Unix timestamp), money is finite and bounded, and text
# holds no NUL or lone surrogate.
STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _iso_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("日期须为 YYYY-MM-DD 格式的字符串")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("日期格式须为 YYYY-MM-DD") from None
    if not 1950 <= day.year <= 2100:
        raise ValueError("日期超出范围（1950 至 2100 年）")
    return day


def _clean_text(value: str) -> str:
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("文字含有无效字符")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Text = Annotated[str, AfterValidator(_clean_text)]
Money = Annotated[float, Field(ge=0, le=1e9)]


class Applicant(BaseModel):
    model_config = STRICT

    name: Text = Field(default="", max_length=64)
    age: int | None = Field(default=None, ge=0, le=150)
    minor: bool | None = None
    elderly: bool | None = None
    disabled: bool = False
    has_fixed_income: bool | None = None
    assistance: list[Literal["minimum_living", "extreme_poverty", "other_social_assistance", "judicial_assistance",
                             "preferential_care"]] = []
    migrant_worker: bool = False
    hero_martyr_relative: bool = False
    act_of_bravery: bool = False
    retrial_acquitted: bool = False
    violence_victim: Literal["abuse", "abandonment", "domestic_violence"] | None = None

    @property
    def is_minor(self) -> bool:
        return bool(self.minor) if self.minor is not None else (self.age is not None and self.age < 18)

    @property
    def is_elderly(self) -> bool:
        return bool(self.elderly) if self.elderly is not None else (self.age is not None and self.age >= 60)


class Economy(BaseModel):
    model_config = STRICT

    household_size: int | None = Field(default=None, ge=1, le=50)
    household_monthly_income: Money | None = None
    monthly_income_per_member: Money | None = None
    integrity_pledge: bool = False


class CriminalFacts(BaseModel):
    model_config = STRICT

    has_defender: bool = False
    vision_hearing_speech_disabled: bool = False
    not_fully_capable_adult: bool = False
    possible_life_or_death_sentence: bool = False
    death_penalty_review: bool = False
    trial_in_absentia: bool = False
    compulsory_medical: bool = False


class Application(BaseModel):
    model_config = STRICT

    province: Text = Field(max_length=20)
    application_date: IsoDate | None = None
    matter_types: list[Text] = []
    matter_description: Text = Field(default="", max_length=2000)
    other_matter_basis: Text = Field(default="", max_length=500)
    has_representative: bool = False
    applicant: Applicant = Field(default_factory=Applicant)
    economy: Economy = Field(default_factory=Economy)
    deadline_date: IsoDate | None = None
    deadline_kind: Literal["limitation", "arbitration", "appeal", "reconsideration", "litigation", "other"] | None = None
    preservation_needed: bool = False
    criminal_defence: bool = False
    criminal: CriminalFacts | None = None
    other_exemption_basis: Text = Field(default="", max_length=500)
    other_review_exemption_basis: Text = Field(default="", max_length=500)


@dataclass(frozen=True)
class HardshipRow:
    """One version of a province's economic-hardship standard (art. 34)."""

    id: int | None
    province: str
    effective_from: date
    version: int
    monthly_income_per_member: float
    basis: str = ""
    sample: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "province": self.province, "effective_from": self.effective_from.isoformat(),
                "version": self.version, "monthly_income_per_member": self.monthly_income_per_member,
                "basis": self.basis, "sample": self.sample}


def standard_in_force(rows: Sequence[HardshipRow], province: str, on: date) -> HardshipRow | None:
    """The row in force on `on`: the latest effective date not after it; among rows with that
    date, the highest version (a correction supersedes the row it corrects)."""
    candidates = [r for r in rows if r.province == province and r.effective_from <= on]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.effective_from, r.version))


# -- validation ------------------------------------------------------------------------------------
_PYDANTIC_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知字段（请检查拼写）",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "literal_error": "取值无效",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "float_parsing": "须为数字",
    "float_type": "须为数字",
    "date_from_datetime_parsing": "日期格式须为 YYYY-MM-DD",
    "date_parsing": "日期格式须为 YYYY-MM-DD",
    "date_type": "日期格式须为 YYYY-MM-DD",
    "string_type": "须为文字",
    "string_too_long": "内容过长",
    "list_type": "须为列表",
    "model_type": "须为对象",
    "dict_type": "须为对象",
    "finite_number": "须为有限的数字",
}


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _pydantic_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        message = _PYDANTIC_MESSAGES.get(err["type"], "格式不正确")
        if err["type"] == "value_error":  # our own validators (dates, text) give the Chinese message
            message = str(err.get("ctx", {}).get("error", "")) or message
        if err["type"] in ("greater_than_equal", "less_than_equal") and "ctx" in err:
            bound = next(iter(err["ctx"].values()))
            message += f"（{'不能小于' if err['type'] == 'greater_than_equal' else '不能大于'} {bound:g}）"
        if err["type"] == "literal_error" and "ctx" in err:
            message += f"（可选：{err['ctx'].get('expected', '')}）"
        out.append({"field": _field(err["loc"]), "message": message})
    return out


def parse_application(data: Any, today: date) -> Application:
    """Validate an application (a dict from JSON). Raises ApplicationError listing every problem:
    wrong types and unknown fields, unknown province or matter types, contradictions."""
    if not isinstance(data, dict):
        raise ApplicationError([{"field": "", "message": "申请须为 JSON 对象"}])
    try:
        app = Application.model_validate(data)
    except ValidationError as exc:
        errors = _pydantic_errors(exc)
        province = data.get("province")
        if isinstance(province, str) and province and province not in PROVINCES:
            errors.append({"field": "province", "message": f"未知的省份「{province}」"})
        matters = data.get("matter_types")
        if isinstance(matters, list):
            errors.extend({"field": f"matter_types.{i}", "message": f"未知的申请事项「{code}」"}
                          for i, code in enumerate(matters) if isinstance(code, str) and code not in MATTERS)
        raise ApplicationError(errors) from None
    errors: list[dict[str, str]] = []

    def bad(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    person = app.applicant
    if app.province not in PROVINCES:
        bad("province", f"未知的省份「{app.province}」（须为省、自治区、直辖市全称，如「广东省」「北京市」）")
    if app.application_date and app.application_date > today:
        bad("application_date", f"申请日期 {app.application_date} 晚于今天 {today}")
    seen: list[str] = []
    for i, code in enumerate(app.matter_types):
        if code not in MATTERS:
            bad(f"matter_types.{i}", f"未知的申请事项「{code}」")
        elif code not in seen:
            seen.append(code)
    app.matter_types = seen
    if app.criminal_defence:
        if app.matter_types:
            bad("matter_types", "刑事辩护法律援助（第二十四条至第二十八条）单独办理，请勿同时填写民事、行政事项")
        if (app.criminal is not None and "has_representative" in app.model_fields_set
                and "has_defender" in app.criminal.model_fields_set
                and app.has_representative != app.criminal.has_defender):
            bad("has_representative", "has_representative 与 criminal.has_defender 前后矛盾（是否已委托辩护人）")
    elif app.criminal is not None:
        bad("criminal", "填写了刑事辩护情况，但 criminal_defence 不是 true（前后矛盾）")
    elif not app.matter_types and not any(e["field"].startswith("matter_types") for e in errors):
        bad("matter_types", "请至少选择一项申请事项")
    if "other_by_law" in app.matter_types and not app.other_matter_basis.strip():
        bad("other_matter_basis", "选择「法律、法规、规章规定的其他情形」（第三十一条第（九）项）须写明依据")
    if "hero_martyr_rights" in app.matter_types and not person.hero_martyr_relative:
        bad("applicant.hero_martyr_relative", "申请事项为维护英雄烈士人格权益，但未确认申请人是英雄烈士近亲属（前后矛盾）")
    if "bravery_civil_rights" in app.matter_types and not person.act_of_bravery:
        bad("applicant.act_of_bravery", "申请事项为见义勇为民事权益，但未确认存在见义勇为行为（前后矛盾）")
    if "victim_rights" in app.matter_types and not person.violence_victim:
        bad("applicant.violence_victim", "申请事项为受害人主张相关权益，但未说明遭受虐待、遗弃或者家庭暴力（前后矛盾）")
    if person.age is not None:
        if person.minor is True and person.age >= 18:
            bad("applicant.minor", f"标为未成年人，但年龄为 {person.age} 岁（前后矛盾）")
        if person.minor is False and person.age < 18:
            bad("applicant.minor", f"年龄为 {person.age} 岁，却标为非未成年人（前后矛盾）")
        if person.elderly is True and person.age < 60:
            bad("applicant.elderly", f"标为老年人（六十周岁以上），但年龄为 {person.age} 岁（前后矛盾）")
        if person.elderly is False and person.age >= 60:
            bad("applicant.elderly", f"年龄为 {person.age} 岁，却标为非老年人（前后矛盾）")
    if person.minor and person.elderly:
        bad("applicant.elderly", "不能同时为未成年人和老年人（前后矛盾）")
    eco = app.economy
    if eco.household_monthly_income is not None and eco.household_size is None:
        bad("economy.household_size", "填写了家庭月收入，须同时填写家庭人口数")
    if (eco.household_monthly_income is not None and eco.household_size and eco.monthly_income_per_member is not None
            and abs(eco.household_monthly_income / eco.household_size - eco.monthly_income_per_member) > 1):
        bad("economy.monthly_income_per_member",
            f"人均月收入 {eco.monthly_income_per_member} 与家庭月收入 {eco.household_monthly_income} ÷ "
            f"{eco.household_size} 人不一致（前后矛盾）")
    if app.deadline_kind and not app.deadline_date:
        bad("deadline_date", "填写了期限种类，须填写期限届满日期")
    if errors:
        raise ApplicationError(errors)
    return app


