"""Twilio request signatures (X-Twilio-Signature) for the webhooks and the media WebSocket.

The signature covers the URL Twilio called and the POST parameters, keyed with the account's
auth token. Behind a proxy the app cannot see that URL, so it is rebuilt from
HOTLINE_PUBLIC_URL + path + query when set. Without an auth token nothing is accepted.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import URL
from twilio.request_validator import RequestValidator

from hotline.privacy import redact

log = logging.getLogger("hotline.voice")

NO_TOKEN = "未配置 Twilio 认证令牌，拒绝处理来电请求 (HOTLINE_TWILIO_AUTH_TOKEN is not set: webhooks are refused)"
BAD_SIGNATURE = "Twilio 签名无效或缺失 (invalid or missing X-Twilio-Signature)"


def signed_url(url: URL, public_url: str, websocket: bool = False) -> str:
    """The URL as Twilio called it."""
    if not public_url:
        return str(url)
    base = public_url.rstrip("/")
    if websocket:
        scheme, _, rest = base.partition("://")
        base = f"{'wss' if scheme == 'https' else 'ws'}://{rest}"
    return base + url.path + (f"?{url.query}" if url.query else "")


def check(settings: Any, url: str, params: dict[str, str], signature: str, where: str) -> str | None:
    """None when valid, else the reason (logged here; personal data redacted)."""
    if not settings.twilio_auth_token:
        log.error("Twilio request to %s refused: no auth token configured", where)
        return NO_TOKEN
    if not signature:
        log.warning("Twilio request to %s refused: missing X-Twilio-Signature (CallSid=%s)", where,
                    redact(params.get("CallSid", "")))
        return BAD_SIGNATURE
    if not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        log.warning("Twilio request to %s refused: bad signature for %s (CallSid=%s)", where, url,
                    redact(params.get("CallSid", "")))
        return BAD_SIGNATURE
    return None


async def verified_params(request: Request) -> dict[str, str]:
    """FastAPI dependency: the webhook's form parameters, after the signature check (403 else)."""
    settings = request.app.state.settings
    try:
        form = await request.form()
        params = {key: str(value) for key, value in form.multi_items()}
    except Exception:  # noqa: BLE001 - an unreadable body cannot carry a valid signature
        params = {}
    url = signed_url(request.url, settings.public_url)
    reason = check(settings, url, params, request.headers.get("X-Twilio-Signature", ""), request.url.path)
    if reason:
        raise HTTPException(status_code=403, detail=reason)
    return params
