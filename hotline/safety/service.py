"""Safety rules and their triggers: which rules a citizen's message fires, what that does to the
contact (flags, queue priority, the guidance shown at once) and the managers' edits. Every
trigger and every edit is written to the audit log. Functions work in the caller's transaction."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.queue.models import QueueEntry
from hotline.safety.models import RuleIn, RuleUpdate, SafetyRule
from hotline.timeutil import utcnow

TEXT_CHANNELS = ("chat", "wechat")  # the citizen reads the guidance; a caller's contact is flagged only
RULE_FIELDS = ("label", "words", "guidance", "priority", "enabled")

DEFAULT_RULES: list[dict[str, Any]] = [
    {"code": "self_harm", "label": "自伤风险", "priority": 9,
     "words": ["自杀", "不想活", "轻生", "活不下去", "跳楼", "寻死", "割腕", "想死", "结束自己的生命"],
     "guidance": "【安全提示】您现在一定很难受，您并不孤单。如果您有伤害自己的想法，请马上拨打 12356 全国心理援助热线"
                 "（24 小时）或 400-161-9995 希望24热线；情况危急请拨打 120 或 110。请尽量让身边信任的人陪着您。"
                 "值班律师会优先为您服务。"},
    {"code": "domestic_violence", "label": "家庭暴力", "priority": 8,
     "words": ["家暴", "家庭暴力", "老公+打我", "丈夫+打我", "老公+打了我", "丈夫+打了我", "男朋友+打我", "前夫+打我",
               "老婆+打我", "对象+打我", "被他打", "殴打我", "掐我", "打得我", "虐待我"],
     "guidance": "【安全提示】如果您正在遭受或面临家庭暴力，请先确保自身安全：情况紧急请立即拨打 110 报警；"
                 "也可拨打 12338 全国妇女维权公益服务热线求助。您可以向人民法院申请人身安全保护令：这是法院依照"
                 "《反家庭暴力法》作出的裁定，可以禁止对方实施家庭暴力，禁止骚扰、跟踪、接触您和您的近亲属，"
                 "责令对方迁出您的住所等；法院受理后一般在 72 小时内作出，情况紧急的在 24 小时内作出，申请不收费。"
                 "请保留伤情照片、就医记录、报警回执和聊天记录等证据。值班律师会优先为您服务。"},
    {"code": "threat", "label": "人身威胁", "priority": 7,
     "words": ["威胁我", "恐吓", "要杀了我", "要杀我", "弄死我", "砍死", "报复我", "扬言要杀"],
     "guidance": "【安全提示】如果有人威胁您的人身安全，情况紧急请立即拨打 110 报警，尽量待在人多、安全的地方；"
                 "请保存威胁的短信、聊天记录和录音等证据。值班律师会优先为您服务。"},
    {"code": "group_wages", "label": "群体欠薪", "priority": 6,
     "words": ["集体讨薪", "工友+工资", "工友+欠薪", "工人+工资", "工人+欠薪", "农民工+工资", "大家+工资",
               "几十个+工资", "十几个+工资", "好几个人+工资", "一群+工资", "我们+都没发工资"],
     "guidance": "【提示】多名劳动者被拖欠工资的，可以拨打 12333 人社服务热线，或向用工所在地的劳动保障监察机构"
                 "集体投诉，也可通过全国根治欠薪线索反映平台反映。请保存考勤、工资条、转账和聊天记录等证据，"
                 "推选代表依法维权，不要采取堵路、爬楼等过激方式；发生冲突请拨打 110。值班律师会优先为您服务。"},
]


class SafetyError(ValueError):
    pass


def seed_defaults(session: Session) -> int:
    """The default rules, when the table is empty (rules are disabled, never deleted)."""
    if session.execute(select(SafetyRule.id).limit(1)).first() is not None:
        return 0
    for spec in DEFAULT_RULES:
        session.add(SafetyRule(**spec))
    session.flush()
    audit.record(session, action="safety.rules_seeded", actor="system", entity="safety_rule", entity_id="",
                 data={"codes": [r["code"] for r in DEFAULT_RULES]})
    return len(DEFAULT_RULES)


def list_rules(session: Session, enabled_only: bool = False) -> list[SafetyRule]:
    query = select(SafetyRule).order_by(SafetyRule.priority.desc(), SafetyRule.id)
    if enabled_only:
        query = query.where(SafetyRule.enabled.is_(True))
    return list(session.execute(query).scalars())


def rule_dict(rule: SafetyRule) -> dict[str, Any]:
    return {"id": rule.id, "code": rule.code, "label": rule.label, "words": list(rule.words or []),
            "guidance": rule.guidance, "priority": rule.priority, "enabled": rule.enabled, "version": rule.version,
            "updated_at": rule.updated_at.isoformat()}


def _clean_words(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        parts = [p.strip() for p in str(word).split("+")]
        if not all(parts) or len(word) > 40:
            raise SafetyError(f"关键词无效：{word!r}（每项不超过 40 字，“A+B”表示同时出现）")
        joined = "+".join(parts)
        if joined not in out:
            out.append(joined)
    return out


def create_rule(session: Session, body: RuleIn, *, actor: str) -> SafetyRule:
    if session.execute(select(SafetyRule).where(SafetyRule.code == body.code)).scalar_one_or_none():
        raise SafetyError(f"规则代码已存在：{body.code}")
    rule = SafetyRule(**{**body.model_dump(), "words": _clean_words(body.words)})
    session.add(rule)
    session.flush()
    audit.record(session, action="safety.rule_created", actor=actor, entity="safety_rule", entity_id=rule.id,
                 after={k: getattr(rule, k) for k in ("code", *RULE_FIELDS)})
    return rule


def update_rule(session: Session, rule_id: int, body: RuleUpdate, *, actor: str) -> SafetyRule:
    rule = session.get(SafetyRule, rule_id)
    if rule is None:
        raise LookupError("规则不存在")
    changes = body.model_dump(exclude_none=True)
    if "words" in changes:
        changes["words"] = _clean_words(changes["words"])
    changes = {k: v for k, v in changes.items() if getattr(rule, k) != v}
    if changes:
        changes["version"] = rule.version + 1
        audit.record_update(session, rule, changes, action="safety.rule_updated", actor=actor,
                            entity="safety_rule", entity_id=rule.id)
        rule.updated_at = utcnow()
    return rule


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def match(rules: list[SafetyRule], text: str) -> list[tuple[SafetyRule, str]]:
    """The rules `text` fires, each with the word that fired it, highest priority first."""
    said = _normal(text)
    hits = []
    for rule in rules:
        for word in rule.words or []:
            if all(_normal(part) in said for part in word.split("+")):
                hits.append((rule, word))
                break
    return hits


def flags(contact: Contact) -> list[str]:
    return [f for f in (contact.safety_flags or "").split(",") if f]


def labels(session: Session, codes: list[str]) -> list[str]:
    if not codes:
        return []
    names = dict(session.execute(select(SafetyRule.code, SafetyRule.label).where(SafetyRule.code.in_(codes))).all())
    return [names.get(code, code) for code in codes]


def check_utterance(session: Session, contact_id: int, utterance_id: int, text: str) -> list[tuple[str, dict]]:
    """A citizen said `text`: the rules it fires flag the contact, raise its queue priority and,
    the first time a rule fires on a text channel, show the citizen its guidance. Returns the
    events to publish after the commit."""
    hits = match(list_rules(session, enabled_only=True), text)
    if not hits:
        return []
    contact = contacts.get_contact(session, contact_id)
    before = flags(contact)
    new = [(rule, word) for rule, word in hits if rule.code not in before]
    priority = max([contact.priority or 0, *(rule.priority for rule, _ in hits)])
    contact.safety_flags = ",".join(before + [rule.code for rule, _ in new])[:200]
    raised = priority != (contact.priority or 0)
    contact.priority = priority
    session.add(contact)
    if raised:
        session.execute(update(QueueEntry).where(QueueEntry.contact_id == contact_id).values(priority=priority))
    audit.record(session, action="safety.triggered", actor="safety", entity="contact", entity_id=contact_id,
                 case_id=contact.case_id, contact_id=contact_id,
                 data={"rules": [rule.code for rule, _ in hits], "words": [word for _, word in hits],
                       "new": [rule.code for rule, _ in new], "utterance_id": utterance_id, "priority": priority})
    events: list[tuple[str, dict]] = []
    if new and contact.channel in TEXT_CHANNELS:
        guidance = "\n\n".join(rule.guidance for rule, _ in new)
        utt, _ = contacts.add_utterance(session, contact, speaker="system", source="system", text=guidance)
        event = contacts.utterance_event(utt)
        event["safety"] = [rule.code for rule, _ in new]
        events.append((f"contact:{contact_id}", event))
    codes = flags(contact)
    flag_event = {"type": "safety", "contact_id": contact_id, "flags": codes, "labels": labels(session, codes),
                  "priority": priority}
    events.append((f"contact:{contact_id}", flag_event))
    events.append(("queues", flag_event))
    if contact.lawyer_id:
        events.append((f"staff:{contact.lawyer_id}", flag_event))
    return events
