"""WeChat Official Account channel: accounts, citizens' openids, the messages received and sent
(deduplicated), the access-token cache shared by every node, and the case attachments (images
and files citizens send)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field as PField, field_validator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow
from hotline.validation import StrictModel

WINDOW_HOURS = 48  # WeChat accepts customer-service messages within 48 h of the citizen's last message


class EncryptMode(StrEnum):
    plain = "plain"  # 明文模式
    safe = "safe"  # 安全模式 (AES, msg_signature)


class WechatAccount(SQLModel, table=True):
    """One Official Account (e.g. 掌上12348 of a province) pointed at `/wechat/{name}`.
    `secret`, `token` and `aes_key` are never returned by the API nor logged."""

    __tablename__ = "wechat_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True, index=True)  # the URL segment
    title: str = Field(default="", max_length=80)  # e.g. 掌上12348（广东）
    app_id: str = Field(max_length=32)
    secret: str = Field(max_length=128)
    token: str = Field(max_length=64)
    aes_key: str = Field(default="", max_length=43)  # EncodingAESKey (43 characters), safe mode only
    encrypt_mode: str = Field(default=EncryptMode.plain, max_length=8)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WechatIdentity(SQLModel, table=True):
    """A citizen as one account knows them (openid is per account)."""

    __tablename__ = "wechat_identity"
    __table_args__ = (UniqueConstraint("account_id", "openid", name="uq_wechat_identity_openid"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="wechat_account.id", index=True)
    openid: str = Field(max_length=64)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    subscribed: bool = True
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # opens the 48-hour window
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WechatMessage(SQLModel, table=True):
    """Every message received (direction in) or sent (out). Inbound ones are unique per account
    on `dedup_key` (MsgId, or FromUserName:CreateTime for events): WeChat retries a webhook it
    got no answer to within 5 s, and a retry is stored once."""

    __tablename__ = "wechat_message"
    __table_args__ = (UniqueConstraint("account_id", "dedup_key", name="uq_wechat_message_dedup"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="wechat_account.id", index=True)
    direction: str = Field(default="in", max_length=3)
    dedup_key: str = Field(max_length=100)
    openid: str = Field(max_length=64)
    msg_type: str = Field(max_length=16)  # text | voice | image | file | event | ...
    event: str = Field(default="", max_length=32)
    content: str = ""  # text, quick question, or the reply sent
    media_id: str = Field(default="", max_length=128)
    media_format: str = Field(default="", max_length=16)  # voice: amr | speex | silk
    recognition: str = ""  # WeChat's own speech recognition (Recognition), kept beside ours
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    utterance_id: int | None = Field(default=None, foreign_key="utterance.id")
    status: str = Field(default="stored", max_length=16)  # stored | pending | done | failed | sent
    error: str = Field(default="", max_length=300)
    created_at_wechat: datetime | None = Field(default=None, sa_type=UTCDateTime)  # CreateTime
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WechatToken(SQLModel, table=True):
    """The account's access token, shared by every worker and node (WeChat invalidates the
    previous token when a new one is fetched, so a per-process cache would fight itself)."""

    __tablename__ = "wechat_token"

    account_id: int = Field(foreign_key="wechat_account.id", primary_key=True)
    access_token: str = Field(max_length=600)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    refreshed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseAttachment(SQLModel, table=True):
    """A file a citizen sent (image, document, the audio of a voice message), kept with the case.
    The bytes live under var_dir/attachments/<sha256>."""

    __tablename__ = "case_attachment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case_record.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    source: str = Field(default="wechat", max_length=16)
    kind: str = Field(max_length=16)  # image | file | voice
    filename: str = Field(default="", max_length=200)
    content_type: str = Field(default="", max_length=100)
    size: int = 0
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# -- API schemas -----------------------------------------------------------------------------------
class AccountIn(StrictModel):
    """An account as the admin enters it. On update, omitted secrets keep their stored value."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = PField(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = PField(default="", max_length=80)
    app_id: str = PField(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    secret: str | None = PField(default=None, min_length=1, max_length=128)
    token: str | None = PField(default=None, min_length=3, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    aes_key: str | None = PField(default=None, min_length=43, max_length=43, pattern=r"^[A-Za-z0-9]+$")
    encrypt_mode: EncryptMode = EncryptMode.plain
    active: bool = True

    @field_validator("encrypt_mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        return EncryptMode(value) if isinstance(value, str) and value in EncryptMode.__members__ else value
