"""TwiML for each step of a call (see docs/voice.md for the flow).

intake:    greeting → <Connect><Stream> (bidirectional; holds the call on our socket while the
           caller describes the problem and waits) → <Redirect> to the next-step webhook, which
           Twilio follows only when the stream closes (we close it on hand-off).
bridged:   <Start><Stream> (a fork: does not block, lives until the call ends) → <Dial> to the
           duty lawyer's phone or browser client, with an action for when the lawyer hangs up.
rating:    <Gather numDigits=1> 1-5.
voicemail: <Start><Stream> (the message is transcribed live) → <Record>.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

SAY_LANGUAGE = "zh-CN"

GREETING = ("您好，这里是12348公共法律服务热线。为保障服务质量，本次通话将全程录音，并由人工智能辅助转写和提示法律依据。"
            "请简要说明您要咨询的问题，我们正在为您接通值班律师。如需留言，请按零。")
CONNECTING = "正在为您接通值班律师，请稍候。"
STILL_WAITING = "值班律师正在忙，请您继续说明情况或稍候。"
VOICEMAIL = "现在没有值班律师接听。请在提示音后留言，说明您的问题和联系方式，说完后挂机或按井号键。我们会尽快给您回电。"
LAWYER_UNAVAILABLE = "值班律师暂时无法接听。"
VOICEMAIL_THANKS = "您的留言已收到，我们会尽快与您联系。再见。"
RATING = ("感谢您的来电。请对本次服务进行评价：非常满意请按五，满意请按四，一般请按三，不满意请按二，非常不满意请按一。")
RATING_INVALID = "输入无效，请按一到五之间的数字。"
RATING_THANKS = "感谢您的评价，再见。"
GOODBYE = "感谢您的来电，再见。"
ERROR = "抱歉，系统暂时无法处理您的来电，请稍后再拨。"


class Urls:
    """Absolute URLs Twilio calls back (from HOTLINE_PUBLIC_URL, else the request's own base)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def http(self, path: str, **query: Any) -> str:
        q = {k: v for k, v in query.items() if v is not None}
        return f"{self.base}{path}" + (f"?{urlencode(q)}" if q else "")

    @property
    def media(self) -> str:
        scheme, _, rest = self.base.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/twilio/media"


def _say(node: Any, text: str, settings: Any) -> None:
    node.say(text, voice=settings.twilio_voice or None, language=SAY_LANGUAGE)


def _stream_params(stream: Any, **params: Any) -> None:
    for name, value in params.items():
        stream.parameter(name=name, value=str(value))


def greeting(r: VoiceResponse, settings: Any) -> None:
    if settings.twilio_greeting_url:
        r.play(settings.twilio_greeting_url)
    else:
        _say(r, GREETING, settings)


def intake(settings: Any, urls: Urls, contact_id: int, *, attempt: int = 0, greet: bool = True) -> str:
    r = VoiceResponse()
    if greet:
        greeting(r, settings)
    elif attempt:
        _say(r, STILL_WAITING, settings)
    connect = r.connect()
    stream = connect.stream(url=urls.media)
    _stream_params(stream, phase="intake", contact_id=contact_id, attempt=attempt)
    r.redirect(urls.http("/twilio/voice/next", attempt=attempt), method="POST")
    return str(r)


def voicemail(settings: Any, urls: Urls, contact_id: int, *, greet: bool = False, intro: str = "") -> str:
    r = VoiceResponse()
    if greet:
        greeting(r, settings)
    _say(r, intro + VOICEMAIL, settings)
    start = r.start()
    stream = start.stream(url=urls.media, track="inbound_track")
    _stream_params(stream, phase="voicemail", contact_id=contact_id)
    r.record(action=urls.http("/twilio/voice/recording"), method="POST", max_length=120, timeout=5,
             finish_on_key="#", play_beep=True)
    _say(r, VOICEMAIL_THANKS, settings)
    r.hangup()
    return str(r)


def dial(settings: Any, urls: Urls, contact_id: int, lawyer: Any, caller_id: str = "") -> str:
    """Bridge to the assigned lawyer: their on-call phone (谁值班谁接管), or the browser client."""
    r = VoiceResponse()
    _say(r, CONNECTING, settings)
    start = r.start()
    # the caller (inbound); with both_tracks also the lawyer (outbound), each track its own recogniser stream
    stream = start.stream(url=urls.media, track="both_tracks" if settings.transcribe_lawyer else "inbound_track")
    _stream_params(stream, phase="bridged", contact_id=contact_id, lawyer_id=lawyer.id)
    d = r.dial(action=urls.http("/twilio/voice/dial"), method="POST", timeout=30, answer_on_bridge=True,
               caller_id=(settings.twilio_caller_id or caller_id) or None)
    if lawyer.phone:
        d.number(lawyer.phone)
    else:
        d.client(f"lawyer-{lawyer.id}")
    return str(r)


def rating(settings: Any, urls: Urls, *, attempt: int = 0, prefix: str = "") -> str:
    r = VoiceResponse()
    g = r.gather(num_digits=1, action=urls.http("/twilio/voice/rating", attempt=attempt), method="POST", timeout=8)
    _say(g, prefix + RATING, settings)
    _say(r, GOODBYE, settings)
    r.hangup()
    return str(r)


def say_and_hang_up(settings: Any, text: str) -> str:
    r = VoiceResponse()
    _say(r, text, settings)
    r.hangup()
    return str(r)


def empty() -> str:
    return str(VoiceResponse())
