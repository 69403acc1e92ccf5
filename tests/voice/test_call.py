"""A whole phone call through the running app, exactly as Twilio drives it: the voice webhook,
the intake Media Stream carrying a real multi-utterance call (JSON, base64 μ-law, 20 ms
frames, 4× real time), routing and the lawyer's accept, the server ending the intake stream,
the Dial with a forked stream of both parties for the rest of the conversation (the caller on
the inbound track, the lawyer's real speech interleaved on the outbound track), the satisfaction
keypress and the status callbacks. Then the stored transcript of each party (CER against the
reference), the suggestions and the contact record are checked."""
from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from hotline.assist.models import Suggestion
from hotline.contacts.models import Contact, SatisfactionRating, Utterance
from hotline.timeutil import as_utc
from hotline.voice.models import CallEvent
from asr.text import cer
from tests.conftest import SHARED
from tests.queue.conftest import StaffClient
from tests.voice.conftest import add_lawyer, add_user, rows, wait_for
from tests.voice.twilio_sim import FRAME, Twilio, twiml, ulaw_payload

CER_BOUND = 0.25  # the streaming path measures ~0.13 on the three calls (docs/asr.md)
LAWYER_FILE = "utt_030_8k_ulaw.wav"
LAWYER_TEXT = next(json.loads(line)["text"] for line in (SHARED / "audio" / "transcripts.jsonl").read_text(
    encoding="utf-8").splitlines() if json.loads(line)["file"] == LAWYER_FILE)


def stream_parameters(stream: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in stream.findall("Parameter")}


def test_call_transcribed_live_routed_bridged_rated(voice_server) -> None:  # noqa: ANN001
    server = voice_server
    add_lawyer(server.engine, "duty", phone="+8613900000001")
    add_user(server.engine, "boss", "manager")
    lawyer = StaffClient(server, "duty", password="voice-password")
    lawyer.available()
    manager = StaffClient(server, "boss", password="voice-password")
    twilio = Twilio(server)
    call = twilio.new_call()
    ref = json.loads((SHARED / "audio" / "call_01.json").read_text(encoding="utf-8"))
    audio = ulaw_payload("call_01_8k_ulaw.wav")
    lawyer_audio = ulaw_payload(LAWYER_FILE)  # silence, then these words, as the lawyer's side
    lawyer_audio = b"\xff" * (FRAME * 50) + lawyer_audio

    # 1. the call arrives: greeting with the recording / AI notice, then the intake stream
    assert twilio.post("/twilio/voice/status", twilio.params(call, CallStatus="ringing")).status_code == 404
    doc = twiml(twilio.post("/twilio/voice", twilio.params(call, CallStatus="ringing")))
    say = doc.find("Say")
    assert say.get("language") == "zh-CN" and say.get("voice") == "Polly.Zhiyu"
    assert "录音" in say.text and "人工智能" in say.text
    stream_el = doc.find("Connect/Stream")
    params = stream_parameters(stream_el)
    assert stream_el.get("url") == server.ws_url + "/ws/twilio/media" and params["phase"] == "intake"
    assert doc.find("Redirect").text == server.url + "/twilio/voice/next?attempt=0"
    contact_id = int(params["contact_id"])
    for status in ("ringing", "in-progress"):
        assert twilio.post("/twilio/voice/status", twilio.params(call, CallStatus=status)).status_code == 200
    manager.ws.send(json.dumps({"type": "watch", "contact_id": contact_id}))
    manager.expect("watching")

    # 2. the caller speaks (first two utterances), is queued and offered; the lawyer accepts
    intake = twilio.stream(call, "intake", contact_id)
    split = int(13.7 / 0.02)  # in the pause after the second utterance
    assert intake.play(audio[:split * FRAME]) == split
    offer = lawyer.expect("offer", timeout=60)
    assert offer["contact_id"] == contact_id and offer["channel"] == "call" and offer["category"] == "labour"
    lawyer.accept(offer)
    assert intake.wait_closed(30) == 1000  # the server ends the intake stream on hand-off

    # 3. Twilio follows the Redirect: stream fork + Dial to the duty lawyer's phone
    doc = twiml(twilio.post("/twilio/voice/next?attempt=0", twilio.params(call)))
    fork = doc.find("Start/Stream")
    assert fork.get("track") == "both_tracks" and stream_parameters(fork)["phase"] == "bridged"
    dial = doc.find("Dial")
    assert dial.find("Number").text == "+8613900000001" and dial.get("action") == server.url + "/twilio/voice/dial"
    bridged = twilio.stream(call, "bridged", contact_id)
    assert bridged.play(audio[split * FRAME:], outbound=lawyer_audio) == -(-(len(audio) - split * FRAME) // FRAME)
    bridged.stop()

    # 4. the lawyer hangs up: satisfaction question, keypress 5, the call completes
    doc = twiml(twilio.post("/twilio/voice/dial", twilio.params(call, DialCallStatus="completed",
                                                                  DialCallDuration="20")))
    gather = doc.find("Gather")
    assert gather.get("numDigits") == "1" and "按五" in gather.find("Say").text
    doc = twiml(twilio.post("/twilio/voice/rating?attempt=0", twilio.params(call, Digits="7")))
    assert doc.find("Gather") is not None  # asked again
    doc = twiml(twilio.post("/twilio/voice/rating?attempt=1", twilio.params(call, Digits="5")))
    assert "感谢您的评价" in doc.find("Say").text
    wait_for(lambda: [e for e in rows(server.engine, CallEvent, call_sid=call, event="stream_stopped")
                      if e.phase == "bridged"], timeout=90)
    assert twilio.post("/twilio/voice/status", twilio.params(
        call, CallStatus="completed", CallDuration="45", Timestamp="Sun, 23 Nov 2025 05:00:00 +0000")).status_code == 200
    lawyer.expect("wrapup", timeout=30)  # the routing end hook ran

    # the transcript: stored utterance by utterance, against the reference
    utts = rows(server.engine, Utterance, contact_id=contact_id)
    said = [u for u in utts if u.speaker == "citizen"]
    assert len(said) >= 4 and all(u.source == "asr" and u.confidence for u in said)
    # in the order spoken: the intake stream's words, then the bridged stream's. Stored order may
    # differ (the intake's last final can land after the bridged stream's first on a busy
    # recogniser), and at 4x playback the two streams' clocks overlap
    said.sort(key=lambda u: (u.client_id.split(":")[0] != intake.sid, as_utc(u.started_at)))
    text = "".join(u.text for u in said)
    reference = "".join(s["text"] for s in ref["segments"])
    assert cer(reference, text) <= CER_BOUND, text
    assert all(u.raw_text is not None for u in said)  # the recogniser's own text, beside the corrected one
    streams = {u.client_id.split(":")[0] for u in said}
    assert streams == {intake.sid, bridged.sid}  # client_id = stream:track:segment (idempotent storing)
    # the lawyer's side, from the outbound track of the bridged stream only
    answered = [u for u in utts if u.speaker == "lawyer"]
    assert answered and all(u.source == "asr" and u.client_id.startswith(f"{bridged.sid}:outbound:")
                            and u.author_id == lawyer.user_id for u in answered)
    assert cer(LAWYER_TEXT, "".join(u.text for u in answered)) <= CER_BOUND, [u.text for u in answered]
    for sid in streams:  # times come from the stream's own clock (played here at 4× real time)
        starts = [as_utc(u.started_at) for u in said if u.client_id.startswith(sid)]
        assert starts == sorted(starts)
    assert all(as_utc(u.ended_at) > as_utc(u.started_at) for u in said)

    # live on the contact's topic, as the console sees it: partials and stored utterances
    seen = []
    deadline = time.monotonic() + 3  # what the manager's socket received meanwhile (queue state every second too)
    try:
        while time.monotonic() < deadline:
            seen.append(manager.recv(timeout=1))
    except TimeoutError:
        pass
    kinds = {e.get("type") for e in seen}
    assert "utterance" in kinds and "partial" in kinds and "suggestions" in kinds, kinds

    # suggestions were produced from the speech
    assert rows(server.engine, Suggestion, contact_id=contact_id)

    # the contact record
    contact = rows(server.engine, Contact, id=contact_id)[0]
    assert (contact.channel, contact.external_id, contact.outcome, contact.status) == ("call", call, "answered", "ended")
    assert contact.category_code == "labour" and contact.lawyer_id == lawyer.user_id
    t = [as_utc(x) for x in (contact.started_at, contact.queued_at, contact.answered_at)]
    assert t == sorted(t) and contact.queue_wait_s is not None
    assert as_utc(contact.ended_at) == datetime(2025, 11, 23, 5, 0, tzinfo=timezone.utc)  # Twilio's Timestamp
    assert [r.score for r in rows(server.engine, SatisfactionRating, contact_id=contact_id)] == [5]
    events = [e.event for e in rows(server.engine, CallEvent, call_sid=call)]
    for expected in ("incoming", "ringing", "answered", "stream_started", "handoff", "stream_stopped", "next_step",
                     "dial_ended", "rating_invalid", "completed"):
        assert expected in events, (expected, events)
    handoff = rows(server.engine, CallEvent, call_sid=call, event="handoff")[0]
    assert handoff.data["reason"] == "lawyer"
    lawyer.close()
    manager.close()
