"""Calls under supervision: with `HOTLINE_CALL_CONFERENCE` the bridge is a named conference
(`hotline-contact-<id>`) instead of a `<Dial><Number>`, the lawyer is added to it through
Twilio's Participants API, and a manager joins it coaching the lawyer (`Coaching=true`,
`CallSidToCoach` = the lawyer's leg: only the lawyer hears the manager) or barging in (a
participant everyone hears; a coaching leg is switched with `Coaching=false`).
See docs/supervision.md and docs/voice.md."""
from __future__ import annotations

from typing import Any

import httpx
from twilio.twiml.voice_response import VoiceResponse

from hotline.voice import twiml


def conference_name(contact_id: int) -> str:
    return f"hotline-contact-{contact_id}"


def bridge(settings: Any, urls: twiml.Urls, contact_id: int, lawyer: Any) -> str:
    """The caller's TwiML: connecting prompt, the transcription fork (as `twiml.dial`), then the
    conference; the caller's leaving ends it, and the `<Dial action>` leads to the rating as before."""
    r = VoiceResponse()
    twiml._say(r, twiml.CONNECTING, settings)
    start = r.start()
    stream = start.stream(url=urls.media, track="both_tracks" if settings.transcribe_lawyer else "inbound_track")
    twiml._stream_params(stream, phase="bridged", contact_id=contact_id, lawyer_id=lawyer.id)
    d = r.dial(action=urls.http("/twilio/voice/dial"), method="POST")
    d.conference(conference_name(contact_id), start_conference_on_enter=True, end_conference_on_exit=True,
                 beep=False, wait_url="", status_callback=urls.http("/twilio/voice/status"),
                 status_callback_event="join leave end")
    return str(r)


def endpoint(user: Any) -> str:
    return user.phone or f"client:{'lawyer' if user.role == 'lawyer' else 'staff'}-{user.id}"


class TwilioError(RuntimeError):
    pass


class Conferences:
    """The Participants API of one account (form-encoded POSTs with basic auth, JSON answers)."""

    def __init__(self, settings: Any, transport: httpx.BaseTransport | None = None) -> None:
        if not settings.twilio_account_sid or not settings.twilio_auth_token:
            raise TwilioError("未配置 Twilio 账户 (HOTLINE_TWILIO_ACCOUNT_SID / AUTH_TOKEN)")
        self.account = settings.twilio_account_sid
        self.caller_id = settings.twilio_caller_id
        self.http = httpx.Client(base_url=settings.twilio_api_base.rstrip("/"), timeout=15,
                                 auth=(settings.twilio_account_sid, settings.twilio_auth_token), transport=transport)

    def _path(self, contact_id: int, call_sid: str = "") -> str:
        base = f"/2010-04-01/Accounts/{self.account}/Conferences/{conference_name(contact_id)}/Participants"
        return f"{base}/{call_sid}.json" if call_sid else f"{base}.json"

    def _send(self, method: str, path: str, data: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, data=data)
        except httpx.HTTPError as exc:
            raise TwilioError(f"Twilio 请求失败 ({exc.__class__.__name__})") from exc
        if response.status_code >= 400:
            raise TwilioError(f"Twilio 拒绝了请求 ({response.status_code}): {response.text[:200]}")
        return response.json() if response.content else {}

    def add(self, contact_id: int, to: str, *, label: str, from_: str = "", coach_call_sid: str = "",
            end_on_exit: bool = False) -> dict[str, Any]:
        data = {"To": to, "From": from_ or self.caller_id, "Label": label, "Beep": "false",
                "EndConferenceOnExit": "true" if end_on_exit else "false"}
        if coach_call_sid:
            data.update({"Coaching": "true", "CallSidToCoach": coach_call_sid})
        return self._send("POST", self._path(contact_id), data)

    def stop_coaching(self, contact_id: int, call_sid: str) -> dict[str, Any]:
        return self._send("POST", self._path(contact_id, call_sid), {"Coaching": "false"})

    def remove(self, contact_id: int, call_sid: str) -> None:
        self._send("DELETE", self._path(contact_id, call_sid))

    def close(self) -> None:
        self.http.close()
