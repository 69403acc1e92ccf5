"""Coaching and barging into a call (Twilio conference), against the Twilio simulators: the
webhooks (tests/voice/twilio_sim.Twilio) and the REST Participants API (TwilioRest). With
HOTLINE_CALL_CONFERENCE the bridge is <Dial><Conference> and the lawyer's leg is added through
the API; the manager coaches (Coaching=true, CallSidToCoach = the lawyer's leg), barges
(Coaching=false on the same leg) and leaves (the leg removed); every step is audited, and a
lawyer trying it gets 403, logged."""
from __future__ import annotations

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.database import session_scope
from hotline.queue import offers
from hotline.queue import service as routing
from tests.queue.conftest import StaffClient
from tests.voice.conftest import add_lawyer, add_user, start_server
from tests.voice.twilio_sim import ACCOUNT, Twilio, TwilioRest, twiml

CALLER_ID = "+8612348000000"


def test_manager_coaches_then_barges_into_a_conference_call(tmp_path, database_url) -> None:  # noqa: ANN001
    rest = TwilioRest()
    server = start_server(tmp_path, database_url, call_conference=True, twilio_api_base=rest.url,
                          twilio_account_sid=ACCOUNT, twilio_caller_id=CALLER_ID)
    try:
        lawyer_id = add_lawyer(server.engine, "duty", phone="+8613900000001")
        add_user(server.engine, "boss", "manager", phone="+8613900000009")
        twilio = Twilio(server)
        call = twilio.new_call()
        doc = twiml(twilio.post("/twilio/voice", twilio.params(call, CallStatus="ringing")))
        contact_id = int({p.get("name"): p.get("value") for p in doc.find("Connect/Stream").findall("Parameter")}
                         ["contact_id"])
        with session_scope(server.engine) as s:  # the caller has explained; routing offers the call
            routing.set_presence(s, lawyer_id, "available")
            routing.enqueue(s, contact_id, "labour")
            offers.dispatch(s)
        lawyer = StaffClient(server, "duty", password="voice-password")
        lawyer.accept(lawyer.expect("offer", contact_id=contact_id))

        # the bridge: a named conference for the caller, the lawyer's leg through the API
        doc = twiml(twilio.post("/twilio/voice/next?attempt=0", twilio.params(call)))
        conference = doc.find("Dial/Conference")
        assert doc.find("Dial").get("action") == server.url + "/twilio/voice/dial"
        assert conference.text == f"hotline-contact-{contact_id}"
        assert conference.get("startConferenceOnEnter") == "true" and conference.get("endConferenceOnExit") == "true"
        assert doc.find("Start/Stream").get("track") == "both_tracks"  # still transcribed
        assert doc.find("Dial/Number") is None
        (add_lawyer_leg,) = rest.requests
        assert add_lawyer_leg["method"] == "POST" and add_lawyer_leg["conference"] == f"hotline-contact-{contact_id}"
        assert add_lawyer_leg["form"]["To"] == "+8613900000001" and add_lawyer_leg["form"]["From"] == CALLER_ID
        assert "Coaching" not in add_lawyer_leg["form"]
        lawyer_leg = next(iter(rest.participants))

        # a lawyer may not coach or barge: 403, logged, nothing sent to Twilio
        r = lawyer.http.post(f"/api/supervision/contacts/{contact_id}/call", json={"mode": "coach"})
        assert r.status_code == 403 and len(rest.requests) == 1

        manager = server.login("boss", "voice-password")
        assert manager.post(f"/api/supervision/contacts/{contact_id}/call", json={"mode": "listen"}).status_code == 422
        r = manager.post(f"/api/supervision/contacts/{contact_id}/call", json={"mode": "coach"})
        assert r.status_code == 200, r.text
        coach = rest.requests[-1]
        assert coach["method"] == "POST" and coach["call_sid"] is None
        assert coach["form"]["Coaching"] == "true" and coach["form"]["CallSidToCoach"] == lawyer_leg
        assert coach["form"]["To"] == "+8613900000009" and coach["form"]["Label"] == "supervisor"
        manager_leg = r.json()["participant_call_sid"]
        assert rest.participants[manager_leg]["coaching"] is True
        notice = lawyer.expect("monitoring", contact_id=contact_id, mode="coach")  # the policy lets lawyers see it
        assert notice["active"] is True

        r = manager.post(f"/api/supervision/contacts/{contact_id}/call", json={"mode": "barge"})
        assert r.status_code == 200, r.text
        barge = rest.requests[-1]
        assert barge["method"] == "POST" and barge["call_sid"] == manager_leg and barge["form"] == {"Coaching": "false"}
        assert rest.participants[manager_leg]["coaching"] is False

        monitor_id = r.json()["monitor_id"]
        assert manager.post(f"/api/supervision/monitors/{monitor_id}/end").status_code == 200
        assert rest.requests[-1]["method"] == "DELETE" and rest.requests[-1]["call_sid"] == manager_leg
        assert manager_leg not in rest.participants and lawyer_leg in rest.participants

        with session_scope(server.engine) as s:
            log = [(e.action, e.data) for e in s.execute(select(AuditEntry).where(
                AuditEntry.action.in_(["supervision.monitor_started", "supervision.coach", "supervision.barge",
                                       "supervision.monitor_ended", "access.denied"])).order_by(AuditEntry.seq)).scalars()]
        assert [a for a, _ in log] == ["access.denied", "supervision.monitor_started", "supervision.coach",
                                       "supervision.barge", "supervision.monitor_ended"]
        assert log[0][1]["role"] == "lawyer" and log[2][1]["call_sid_to_coach"] == lawyer_leg
        lawyer.close()
    finally:
        server.stop()
        rest.close()
