"""WeChat in the database: accounts, citizens by openid, inbound messages stored once, the
contact a message belongs to, attachments, the 48-hour window and a citizen's earlier contacts.

These functions work inside the caller's transaction (hotline convention); callers publish and
start intake after the commit.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.cases.models import Case
from hotline.contacts import service as contacts
from hotline.contacts.models import Channel, Citizen, CitizenUpdate, Contact, ContactStatus
from hotline.privacy import redact
from hotline.timeutil import as_utc, utcnow
from hotline.wechat.models import (WINDOW_HOURS, AccountIn, CaseAttachment, WechatAccount, WechatIdentity,
                                   WechatMessage)

SECRET_FIELDS = ("secret", "token", "aes_key")
# What a citizen is told on following the account (关注): recording, AI assistance, consent.
CONSENT_GREETING = ("您好，欢迎关注12348公共法律服务热线（掌上12348）。直接发送文字或语音即可咨询法律问题，"
                    "值班律师将在这里答复您。为便于解答和质量监督，您的咨询内容将被记录，"
                    "并由人工智能辅助整理、提供法律依据参考；您的个人信息依法保密。继续发送消息即表示您同意上述处理。"
                    "如需电话回访，可在消息中留下手机号码。")
# Menu buttons (自定义菜单, type click): EventKey → the question the citizen asks by tapping it.
QUICK_QUESTIONS = {
    "Q_WAGES": "老板拖欠工资不发，我该怎么办？",
    "Q_LABOUR_CONTRACT": "单位不和我签劳动合同，我能要求什么赔偿？",
    "Q_DIVORCE": "离婚时夫妻共同财产怎么分割？",
    "Q_TRAFFIC": "发生交通事故后怎么索赔？",
    "Q_LEGAL_AID": "我想申请法律援助，需要什么条件？",
    "Q_LAWYER": "我要咨询值班律师。",
}
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class WechatError(ValueError):
    pass


# -- accounts ---------------------------------------------------------------------------------------
def account_out(account: WechatAccount) -> dict[str, Any]:
    """An account as the API shows it: secrets only as 'set' or not."""
    return {"id": account.id, "name": account.name, "title": account.title, "app_id": account.app_id,
            "encrypt_mode": account.encrypt_mode, "active": account.active,
            **{f"{k}_set": bool(getattr(account, k)) for k in SECRET_FIELDS},
            "updated_at": account.updated_at.isoformat()}


def list_accounts(session: Session) -> list[WechatAccount]:
    return list(session.execute(select(WechatAccount).order_by(WechatAccount.id)).scalars())


def account_by_name(session: Session, name: str) -> WechatAccount | None:
    return session.execute(select(WechatAccount).where(WechatAccount.name == name)).scalar_one_or_none()


def save_account(session: Session, body: AccountIn, *, actor: str) -> tuple[WechatAccount, bool]:
    """Create or update the account named `body.name`; omitted secrets keep their stored value.
    The audit entry names the fields changed, never a secret's value."""
    account = account_by_name(session, body.name)
    created = account is None
    values = body.model_dump(exclude_none=True)
    if created:
        missing = [k for k in ("secret", "token") if k not in values]
        if missing:
            raise WechatError(f"新建公众号须填写: {', '.join(missing)} (required)")
        account = WechatAccount(**values)
        changed = sorted(values)
    else:
        changed = sorted(k for k, v in values.items() if getattr(account, k) != v)
        for key in changed:
            setattr(account, key, values[key])
    if account.encrypt_mode == "safe" and not account.aes_key:
        raise WechatError("安全模式须填写 EncodingAESKey (aes_key required in safe mode)")
    account.updated_at = utcnow()
    session.add(account)
    session.flush()
    audit.record(session, action="wechat.account_created" if created else "wechat.account_updated", actor=actor,
                 entity="wechat_account", entity_id=account.id,
                 data={"name": account.name, "app_id": account.app_id, "changed": changed,
                       "encrypt_mode": account.encrypt_mode, "active": account.active})
    return account, created


# -- inbound ----------------------------------------------------------------------------------------
@dataclass
class Inbound:
    """What the webhook stored for one message."""

    message: WechatMessage
    duplicate: bool = False
    contact_id: int | None = None
    utterance: Any = None  # contacts' utterance event dict, when a text became one
    opened: bool = False  # a new contact was opened (publish contact_opened)
    reply: str = ""  # a passive reply (greeting)


def dedup_key(msg: dict[str, Any]) -> str:
    msg_id = str(msg.get("MsgId") or "").strip()
    if msg_id:
        return msg_id[:100]
    return f"{msg.get('FromUserName', '')}:{msg.get('CreateTime', '')}:{msg.get('Event', '')}"[:100]


def wechat_time(msg: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(msg.get("CreateTime")), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def identity_for(session: Session, account: WechatAccount, openid: str) -> WechatIdentity:
    identity = session.execute(select(WechatIdentity).where(
        WechatIdentity.account_id == account.id, WechatIdentity.openid == openid)).scalar_one_or_none()
    if identity is None:
        citizen = Citizen()
        session.add(citizen)
        session.flush()
        identity = WechatIdentity(account_id=account.id, openid=openid, citizen_id=citizen.id)
        session.add(identity)
        session.flush()
    return identity


def external_id(account: WechatAccount, openid: str) -> str:
    return f"wx:{account.id}:{openid}"[:64]


def running_contact(session: Session, account: WechatAccount, identity: WechatIdentity) -> tuple[Contact, bool]:
    """The citizen's running WeChat contact on this account, or a new one (joining their open case)."""
    contact = session.execute(select(Contact).where(
        Contact.channel == Channel.wechat, Contact.external_id == external_id(account, identity.openid),
        Contact.status != ContactStatus.ended).order_by(Contact.id.desc()).limit(1)).scalar_one_or_none()
    if contact is not None:
        return contact, False
    citizen = session.get(Citizen, identity.citizen_id)
    contact = Contact(channel=Channel.wechat, citizen_id=citizen.id, external_id=external_id(account, identity.openid))
    session.add(contact)
    session.flush()
    actor = f"citizen:{citizen.id}"
    case = contacts._open_case_for(session, citizen, contact, actor)  # the same case rule as chats and calls
    audit.record(session, action="contact.opened", actor=actor, entity="contact", entity_id=contact.id,
                 case_id=case.id, contact_id=contact.id, occurred_at=contact.started_at,
                 data={"channel": "wechat", "account": account.name})
    return contact, True


def link_phone(session: Session, contact: Contact, text: str) -> None:
    """A citizen who writes a mobile number gets it on their record (when none is there yet):
    their calls and WeChat contacts then show as one history."""
    found = MOBILE.search(text)
    citizen = session.get(Citizen, contact.citizen_id)
    if found and citizen is not None and not citizen.phone:
        contacts.update_citizen(session, citizen, CitizenUpdate(phone=found.group(0), reason="市民在微信中提供的电话"),
                                actor=f"citizen:{citizen.id}", case_id=contact.case_id)


def store_inbound(session: Session, account: WechatAccount, msg: dict[str, Any]) -> Inbound:
    """Store one message as WeChat pushed it (a parsed XML dict). Text and menu questions become
    the citizen's utterance now; voice, images and files are stored `pending` (their media is
    fetched after the acknowledgement); `subscribe` gets the consent greeting as a passive reply."""
    openid = str(msg.get("FromUserName") or "")
    kind = str(msg.get("MsgType") or "").lower()
    event = str(msg.get("Event") or "").lower()
    key = dedup_key(msg)
    existing = session.execute(select(WechatMessage).where(
        WechatMessage.account_id == account.id, WechatMessage.dedup_key == key)).scalar_one_or_none()
    if existing is not None:
        return Inbound(existing, duplicate=True, contact_id=existing.contact_id)
    at = wechat_time(msg) or utcnow()
    identity = identity_for(session, account, openid)
    row = WechatMessage(account_id=account.id, dedup_key=key, openid=openid, msg_type=kind[:16], event=event[:32],
                        created_at_wechat=wechat_time(msg))
    result = Inbound(row)
    if kind == "event":
        identity.subscribed = event != "unsubscribe"
        session.add(identity)
        if event == "subscribe":
            result.reply = CONSENT_GREETING
            row.content = CONSENT_GREETING
        elif event == "click" and str(msg.get("EventKey") or "") in QUICK_QUESTIONS:
            row.content = QUICK_QUESTIONS[str(msg["EventKey"])]
        if not row.content or event == "subscribe":
            row.status = "done"
            session.add(row)
            session.flush()
            audit.record(session, action=f"wechat.{event or 'event'}", actor=f"citizen:{identity.citizen_id}",
                         entity="wechat_message", entity_id=row.id, occurred_at=at,
                         data={"account": account.name, "event_key": str(msg.get("EventKey") or "")[:64]})
            return result
    identity.last_inbound_at = utcnow()  # opens (or extends) the 48-hour window
    session.add(identity)
    contact, result.opened = running_contact(session, account, identity)
    row.contact_id = result.contact_id = contact.id
    if kind == "text":
        row.content = str(msg.get("Content") or "").strip()
        if not row.content:
            raise WechatError("Content: 文本消息内容为空 (empty text)")
    elif kind == "event":
        pass  # a menu quick question: row.content is its text
    elif kind == "voice":
        row.media_id, row.media_format = str(msg.get("MediaId") or ""), str(msg.get("Format") or "").lower()[:16]
        row.recognition = str(msg.get("Recognition") or "")
        row.status = "pending"
    elif kind in ("image", "file", "video", "shortvideo"):
        row.media_id = str(msg.get("MediaId") or "")
        row.content = str(msg.get("FileName") or msg.get("Title") or "")[:200]
        row.status = "pending"
    else:  # location, link, ...: kept as text so the lawyer sees it
        row.content = " ".join(str(msg.get(k) or "") for k in ("Label", "Title", "Description", "Url")).strip() \
            or f"（{kind} 消息）"
    if row.status == "pending" and not row.media_id:
        raise WechatError("MediaId: 缺少媒体编号 (missing MediaId)")
    session.add(row)
    session.flush()
    if row.status != "pending":
        utt, _ = contacts.add_utterance(session, contact, speaker="citizen", text=row.content, source="wechat",
                                        client_id=f"wx:{row.id}", started_at=at)
        row.utterance_id, row.status = utt.id, "done"
        session.add(row)
        link_phone(session, contact, row.content)
        result.utterance = contacts.utterance_event(utt)
    audit.record(session, action="wechat.received", actor=f"citizen:{identity.citizen_id}", entity="wechat_message",
                 entity_id=row.id, case_id=contact.case_id, contact_id=contact.id, occurred_at=at,
                 data={"account": account.name, "msg_type": kind, "msg_id": key, "media_id": row.media_id,
                       "recognition": row.recognition})
    return result


def keep_attachment(session: Session, var_dir: Path, contact: Contact, *, kind: str, content: bytes,
                    content_type: str, filename: str) -> CaseAttachment:
    """Keep a file a citizen sent with their case (bytes under var_dir/attachments/<sha256>)."""
    digest = hashlib.sha256(content).hexdigest()
    folder = Path(var_dir) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    row = CaseAttachment(case_id=contact.case_id, contact_id=contact.id, kind=kind, filename=filename[:200],
                         content_type=content_type[:100], size=len(content), sha256=digest)
    session.add(row)
    session.flush()
    audit.record(session, action="attachment.kept", actor=f"citizen:{contact.citizen_id}", entity="case_attachment",
                 entity_id=row.id, case_id=contact.case_id, contact_id=contact.id,
                 data={"kind": kind, "size": len(content), "sha256": digest, "content_type": row.content_type})
    return row


# -- replies and the console ------------------------------------------------------------------------
def identity_of_contact(session: Session, contact: Contact) -> tuple[WechatAccount, WechatIdentity] | None:
    parts = (contact.external_id or "").split(":", 2)
    if contact.channel != Channel.wechat or len(parts) != 3 or not parts[1].isdigit():
        return None
    account = session.get(WechatAccount, int(parts[1]))
    identity = session.execute(select(WechatIdentity).where(
        WechatIdentity.account_id == int(parts[1]), WechatIdentity.openid == parts[2])).scalar_one_or_none()
    return (account, identity) if account is not None and identity is not None else None


def window(identity: WechatIdentity, now: datetime | None = None) -> dict[str, Any]:
    """WeChat's customer-service window: 48 hours from the citizen's last message."""
    now = as_utc(now) or utcnow()
    last = as_utc(identity.last_inbound_at)
    closes = last + timedelta(hours=WINDOW_HOURS) if last else None
    return {"last_inbound_at": last.isoformat() if last else None, "closes_at": closes.isoformat() if closes else None,
            "open": bool(closes and closes > now), "hours": WINDOW_HOURS}


def phone_forms(phone: str) -> list[str]:
    """A mainland mobile number as a citizen writes it and as the phone network gives it (+86)."""
    digits = re.sub(r"[\s-]", "", phone)
    national = digits.removeprefix("+86").removeprefix("0086")
    return sorted({phone, digits, national, "+86" + national})


def history(session: Session, contact: Contact, limit: int = 20) -> list[dict[str, Any]]:
    """The same citizen's earlier contacts on any channel: the same citizen record, or one with
    the same phone number (a caller who later writes on WeChat and gives their number)."""
    citizen = session.get(Citizen, contact.citizen_id)
    who = [Contact.citizen_id == contact.citizen_id]
    if citizen is not None and citizen.phone:
        who.append(Contact.citizen_id.in_(select(Citizen.id).where(Citizen.phone.in_(phone_forms(citizen.phone)))))
    rows = session.execute(select(Contact, Case.reference).outerjoin(Case, Case.id == Contact.case_id)
                           .where(or_(*who), Contact.id != contact.id, Contact.started_at <= contact.started_at)
                           .order_by(Contact.started_at.desc()).limit(limit)).all()
    out = []
    for c, reference in rows:
        first = contacts.citizen_texts(session, c.id, limit=8)
        out.append({"id": c.id, "channel": c.channel, "started_at": c.started_at.isoformat(), "status": c.status,
                    "outcome": c.outcome, "category": c.category_code, "case_reference": reference or "",
                    "preview": redact(first[0])[:80] if first else ""})
    return out
