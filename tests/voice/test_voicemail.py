"""Nobody on duty: the caller leaves a voice message, transcribed live from the forked stream,
and it becomes a callback task carrying the transcript. A caller who presses 0 while waiting
is sent to the voice message too."""
from __future__ import annotations

import json

from asr.text import cer, normalise_for_cer
from hotline.contacts.models import Contact, Utterance
from hotline.voice.models import CallEvent
from hotline.queue.models import Callback
from tests.voice.conftest import add_lawyer, add_user, rows
from tests.voice.twilio_sim import Twilio, twiml, ulaw_payload
from tests.asr.conftest import transcripts


def test_voice_message_becomes_a_callback_with_its_transcript(plain_voice_server) -> None:  # noqa: ANN001
    server = plain_voice_server
    add_lawyer(server.engine, "offduty", phone="+8613900000002", on_duty=False)
    add_user(server.engine, "boss", "manager")
    twilio = Twilio(server)
    call = twilio.new_call()
    doc = twiml(twilio.post("/twilio/voice", twilio.params(call, CallStatus="ringing")))
    assert doc.find("Connect") is None
    says = [s.text for s in doc.findall("Say")]
    assert "人工智能" in says[0] and "留言" in says[1]
    fork = doc.find("Start/Stream")
    params = {p.get("name"): p.get("value") for p in fork.findall("Parameter")}
    assert params["phase"] == "voicemail" and fork.get("track") == "inbound_track"
    record = doc.find("Record")
    assert record.get("action") == server.url + "/twilio/voice/recording" and record.get("maxLength") == "120"

    stream = twilio.stream(call, "voicemail", int(params["contact_id"]))
    stream.play(ulaw_payload("utt_009_8k_ulaw.wav"))
    stream.play(b"\xff" * 8000)  # a second of silence, then the caller hangs up / presses #
    doc = twiml(twilio.post("/twilio/voice/recording", twilio.params(
        call, RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
        RecordingSid="RE1", RecordingDuration="6")))
    assert "留言已收到" in doc.find("Say").text
    stream.stop()
    assert twilio.post("/twilio/voice/status", twilio.params(call, CallStatus="completed")).status_code == 200

    contact = rows(server.engine, Contact, external_id=call)[0]
    callback = rows(server.engine, Callback, contact_id=contact.id)[0]
    assert callback.status == "open" and "RE1" in callback.note
    said = "".join(u.text for u in rows(server.engine, Utterance, contact_id=contact.id) if u.speaker == "citizen")
    reference = transcripts()["utt_009_8k_ulaw.wav"]
    assert cer(reference, said) <= 0.3, said
    assert normalise_for_cer(said) in normalise_for_cer(callback.note)  # the transcript is on the task
    assert (contact.outcome, contact.status) == ("callback", "ended")
    voicemail = rows(server.engine, CallEvent, call_sid=call, event="voicemail")[0]
    assert voicemail.data["recording_sid"] == "RE1" and voicemail.data["transcript"] == said
    listed = server.login("boss", "voice-password").get("/api/routing/callbacks").json()
    assert [c["contact_id"] for c in listed] == [contact.id] and listed[0]["channel"] == "call"


def test_pressing_zero_while_waiting_leads_to_a_voice_message(plain_voice_server) -> None:  # noqa: ANN001
    server = plain_voice_server
    add_lawyer(server.engine, "busy", phone="+8613900000003")  # on duty, but not taking the call
    twilio = Twilio(server)
    call = twilio.new_call()
    doc = twiml(twilio.post("/twilio/voice", twilio.params(call)))
    contact_id = int({p.get("name"): p.get("value") for p in doc.findall("Connect/Stream/Parameter")}["contact_id"])
    stream = twilio.stream(call, "intake", contact_id)
    stream.play(b"\xff" * 1600)
    stream.send({"event": "dtmf", "streamSid": stream.sid, "dtmf": {"track": "inbound_track", "digit": "0"}})
    assert stream.wait_closed(20) == 1000
    doc = twiml(twilio.post("/twilio/voice/next?attempt=0", twilio.params(call)))
    assert doc.find("Record") is not None and doc.find("Dial") is None
    events = rows(server.engine, CallEvent, call_sid=call)
    assert [e.data.get("digit") for e in events if e.event == "dtmf"] == ["0"]
    assert [e.data["reason"] for e in events if e.event == "handoff"] == ["voicemail_requested"]
    assert json.dumps([e.data.get("step") for e in events if e.event == "next_step"]) == '["voicemail"]'
