"""Request bodies of the referrals API and the fixed vocabularies (decision codes, record types)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field
from hotline.validation import IsoDate, IsoDateTime, StrictModel

ReferralType = Literal["legal_aid", "criminal_defence", "mediation", "justice_bureau", "petitions", "court"]
LEGAL_AID_TYPES = {"legal_aid", "criminal_defence"}
REASON_REQUIRED_TYPES = {"justice_bureau", "petitions", "court"}

DECISION_LABELS = {"accept": "受理", "reject": "不予受理", "more_info": "需补充材料"}
DECISION_CODES: dict[str, dict[str, str]] = {
    "accept": {
        "granted": "决定给予法律援助 / 受理",
        "provisional": "先行提供法律援助（法律援助法第四十四条）",
        "registered": "受理并登记",
    },
    "reject": {
        "not_qualifying_matter": "不属于法律援助事项范围",
        "above_hardship_standard": "经济状况不符合经济困难标准",
        "has_representative": "已委托代理人或者辩护人",
        "outside_jurisdiction": "不属于本机构管辖",
        "party_refuses_mediation": "当事人一方明确拒绝调解（人民调解法第十七条）",
        "not_civil_dispute": "不属于民间纠纷",
        "in_litigation": "已进入诉讼、仲裁或者行政处理程序",
        "incomplete_not_supplemented": "未按要求补充材料，视为撤回申请（法律援助法第四十三条）",
        "other": "其他原因",
    },
    "more_info": {
        "missing_documents": "申请材料不齐全，需一次性补充（法律援助法第四十三条）",
        "clarify_facts": "需要说明案件事实",
        "contact_unreachable": "无法联系当事人",
        "other": "其他",
    },
}
CONSENT_METHODS = {"chat": "在线咨询中同意", "phone": "电话中口头同意", "written": "书面同意", "in_person": "当面同意"}
PARTY_ROLES = {"applicant": "申请人", "respondent": "被申请人", "other": "其他当事人"}


class Party(StrictModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["applicant", "respondent", "other"]
    name: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=200)


class Consent(StrictModel):
    model_config = ConfigDict(extra="forbid")

    given: bool
    method: Literal["chat", "phone", "written", "in_person"] = "chat"
    note: str = Field(default="", max_length=500)
    given_at: IsoDateTime | None = None


class ReferralIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    type: ReferralType
    office_id: int | None = None
    area: str = Field(default="", max_length=100)
    category_code: str | None = Field(default=None, max_length=40)
    contact_id: int | None = None
    summary: str = Field(default="", max_length=2000)
    facts: str = Field(default="", max_length=20000)
    reason: str = Field(default="", max_length=2000)
    parties: list[Party] = []
    transcript_utterance_ids: list[int] | None = Field(default=None, max_length=500)
    application: dict[str, Any] | None = None
    consent: Consent | None = None
    note: str = Field(default="", max_length=2000)


class DecisionIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "reject", "more_info"]
    reason: str = Field(default="", max_length=2000)
    code: str = Field(default="", max_length=60)
    office_reference: str = Field(default="", max_length=60)
    occurred_at: IsoDateTime | None = None


class OverrideIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    eligible: bool | Literal["needs_review"]
    economic_review: Literal["required", "exempt", "not_applicable"] | None = None
    reason: str = Field(default="", max_length=2000)


class AttachmentIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    content_base64: str


class RecordIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    record_type: Literal["application", "registration", "session", "agreement", "termination", "follow_up"]
    title: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=20000)
    occurred_at: IsoDateTime | None = None
    agreement_date: IsoDate | None = None
    attachment: AttachmentIn | None = None


class SupplementIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=5000)
    application: dict[str, Any] | None = None


class WithdrawIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class HardshipIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    province: str = Field(max_length=20)
    effective_from: IsoDate
    monthly_income_per_member: float
    basis: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=500)
    sample: bool = False
