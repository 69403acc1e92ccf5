"""Bad input on the media socket (garbage base64, a wrong encoding in `start`, a 10 MB frame)
closes the stream cleanly with a logged error and keeps the call record and everything
recognised before it. A stream that just drops keeps what was said too."""
from __future__ import annotations

import base64

from asr.text import cer
from hotline.contacts.models import Contact, Utterance
from hotline.voice.models import CallEvent
from tests.asr.conftest import transcripts
from tests.voice.conftest import add_lawyer, rows, wait_for
from tests.voice.twilio_sim import Twilio, twiml, ulaw_payload


def open_call(twilio: Twilio) -> tuple[str, int]:
    call = twilio.new_call()
    doc = twiml(twilio.post("/twilio/voice", twilio.params(call)))
    return call, int({p.get("name"): p.get("value") for p in doc.findall("Connect/Stream/Parameter")}["contact_id"])


def stopped(server, call: str) -> CallEvent:  # noqa: ANN001
    return wait_for(lambda: rows(server.engine, CallEvent, call_sid=call, event="stream_stopped"), timeout=60)[0]


def test_bad_audio_closes_the_stream_and_keeps_the_call(plain_voice_server) -> None:  # noqa: ANN001
    server = plain_voice_server
    add_lawyer(server.engine, "waiting", phone="+8613900000004")
    twilio = Twilio(server)
    refs = transcripts()

    # garbage base64 after a real utterance: closed (1007), the utterance before it is kept
    call1, contact1 = open_call(twilio)
    stream = twilio.stream(call1, "intake", contact1)
    stream.play(ulaw_payload("utt_001_8k_ulaw.wav") + b"\xff" * 8000)
    stream.send({"event": "media", "streamSid": stream.sid,
                 "media": {"track": "inbound", "chunk": "999", "timestamp": "20000", "payload": "@@not base64!!"}})
    assert stream.wait_closed() == 1007
    said = "".join(u.text for u in wait_for(lambda: rows(server.engine, Utterance, contact_id=contact1)))
    assert cer(refs["utt_001_8k_ulaw.wav"], said) <= 0.3, said
    assert "undecodable media" in stopped(server, call1).data["reason"]

    # a start announcing audio we do not take: closed (1003) before any audio
    call2, contact2 = open_call(twilio)
    stream = twilio.stream(call2, "intake", contact2,
                           media_format={"encoding": "audio/x-l16", "sampleRate": 16000, "channels": 1})
    assert stream.wait_closed() == 1003

    # a 10 MB frame: closed (1009) without reading it as audio
    call3, contact3 = open_call(twilio)
    stream = twilio.stream(call3, "intake", contact3)
    stream.play(ulaw_payload("utt_002_8k_ulaw.wav")[:8000])
    huge = base64.b64encode(b"\xff" * (10 * 1024 * 1024)).decode()
    stream.send({"event": "media", "streamSid": stream.sid,
                 "media": {"track": "inbound", "chunk": "51", "timestamp": "1000", "payload": huge}})
    assert stream.wait_closed() == 1009

    # the socket drops in the middle of an utterance: what was said so far is still recognised
    call4, contact4 = open_call(twilio)
    stream = twilio.stream(call4, "intake", contact4)
    audio = ulaw_payload("utt_017_8k_ulaw.wav")
    stream.play(audio[:len(audio) * 2 // 3])
    stream.ws.close()
    said = "".join(u.text for u in wait_for(lambda: rows(server.engine, Utterance, contact_id=contact4)))
    assert len(said) >= 10 and cer(refs["utt_017_8k_ulaw.wav"][:20], said[:20]) <= 0.5, said
    assert stopped(server, call4).data["reason"] == "ended"

    for call, contact_id, reason in ((call1, contact1, "undecodable media"), (call2, contact2, "unsupported media format"),
                                     (call3, contact3, "message of")):
        errors = rows(server.engine, CallEvent, call_sid=call, event="stream_error")
        assert len(errors) == 1 and reason in errors[0].data["reason"], errors
        assert reason in server.log()
        contact = rows(server.engine, Contact, id=contact_id)[0]
        assert contact.external_id == call and contact.status != "ended"  # the call goes on (Redirect)
    assert "Traceback" not in server.log()
