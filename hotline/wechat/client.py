"""The WeChat server API the hotline calls: access token, media download, customer-service
message (客服消息). Base URL: setting `wechat_api_base` (tests point it at a simulator).

The access token is cached in the database (`wechat_token`), shared by every worker and node:
WeChat invalidates the previous token when a new one is fetched, so per-process caches on two
nodes would keep invalidating each other. A refresh takes the writers' lock (row lock on
PostgreSQL, BEGIN IMMEDIATE on SQLite), reads the row again and fetches only if it is still
stale, so concurrent workers fetch once. A call that WeChat answers with an expired or invalid
token (40001, 40014, 42001) refreshes and is retried once.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hotline.database import session_scope
from hotline.timeutil import as_utc, utcnow
from hotline.wechat.models import WechatAccount, WechatToken

log = logging.getLogger("hotline.wechat")

_SECRET_PARAMS = re.compile(r"((?:access_token|secret)=)[^&\s\"']+")


class _HideSecrets(logging.Filter):
    """httpx logs each request's URL; WeChat's take the app secret and the token as query
    parameters. Their values never reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _SECRET_PARAMS.sub(r"\1***", str(record.getMessage()))
        record.args = ()
        return True


logging.getLogger("httpx").addFilter(_HideSecrets())

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
OUT_OF_WINDOW = 45015  # response out of time limit: the 48-hour window has closed
REFRESH_MARGIN = timedelta(seconds=300)  # refresh this long before WeChat's expiry
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class WechatApiError(RuntimeError):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


@dataclass
class Media:
    content: bytes
    content_type: str
    filename: str


class WechatClient:
    def __init__(self, engine: Engine, base_url: str, account: WechatAccount) -> None:
        self.engine = engine
        self.base = base_url.rstrip("/")
        self.account = account

    # -- access token ---------------------------------------------------------------------------------
    def access_token(self, *, force: bool = False, stale: str | None = None) -> str:
        """The cached token, or a fresh one. `stale`: a token WeChat has just refused; it is
        replaced unless another worker already has (the row holds a different token)."""
        if not force:
            with Session(self.engine) as session:  # a read: no writer's transaction
                row = session.get(WechatToken, self.account.id)
                if row is not None and as_utc(row.expires_at) - REFRESH_MARGIN > utcnow() and row.access_token != stale:
                    return row.access_token
        with session_scope(self.engine) as session:
            row = session.execute(select(WechatToken).where(WechatToken.account_id == self.account.id)
                                  .with_for_update()).scalar_one_or_none()
            if (row is not None and not force and as_utc(row.expires_at) - REFRESH_MARGIN > utcnow()
                    and row.access_token != stale):
                return row.access_token  # another worker refreshed meanwhile
            data = self._get_json("/cgi-bin/token", {"grant_type": "client_credential", "appid": self.account.app_id,
                                                     "secret": self.account.secret})
            token, expires_in = data.get("access_token"), data.get("expires_in")
            if not isinstance(token, str) or not isinstance(expires_in, int):
                raise WechatApiError(-1, "token response without access_token/expires_in")
            now = utcnow()
            if row is None:
                row = WechatToken(account_id=self.account.id, access_token=token, expires_at=now)
            row.access_token, row.expires_at, row.refreshed_at = token, now + timedelta(seconds=expires_in), now
            session.add(row)
            log.info("wechat account %s: access token refreshed (expires in %d s)", self.account.name, expires_in)
            return token

    def _with_token(self, call: Any) -> Any:
        token = self.access_token()
        try:
            return call(token)
        except WechatApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            log.warning("wechat account %s: token refused (%s); refreshing", self.account.name, exc.errcode)
            return call(self.access_token(stale=token))

    # -- HTTP -----------------------------------------------------------------------------------------
    def _get_json(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        response = httpx.get(self.base + path, params=params, timeout=TIMEOUT)
        return _checked(response)

    def get_media(self, media_id: str) -> Media:
        """A temporary media file (voice, image, file) by MediaId (素材管理: 获取临时素材)."""
        def call(token: str) -> Media:
            response = httpx.get(self.base + "/cgi-bin/media/get", params={"access_token": token, "media_id": media_id},
                                 timeout=TIMEOUT)
            kind = response.headers.get("content-type", "")
            if kind.startswith(("application/json", "text/plain")):
                _checked(response)  # an error document
            response.raise_for_status()
            disposition = response.headers.get("content-disposition", "")
            filename = disposition.split("filename=", 1)[1].strip('"; ') if "filename=" in disposition else ""
            return Media(response.content, kind, filename[:200])
        return self._with_token(call)

    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (客服消息); WechatApiError(45015) outside the window."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}

        def call(token: str) -> None:
            response = httpx.post(self.base + "/cgi-bin/message/custom/send", params={"access_token": token},
                                  json=body, timeout=TIMEOUT)
            _checked(response)
        self._with_token(call)


def _checked(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    try:
        data = response.json()
    except ValueError as exc:
        raise WechatApiError(-1, f"not JSON: {response.text[:100]!r}") from exc
    if not isinstance(data, dict):
        raise WechatApiError(-1, "not a JSON object")
    code = data.get("errcode", 0)
    if code:
        raise WechatApiError(int(code), str(data.get("errmsg", "")))
    return data
