"""Every Twilio webhook and the media socket check X-Twilio-Signature: a valid one passes; a
wrong, missing or replayed-with-altered-body request gets 403 and nothing is stored."""
from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from hotline.audit.models import AuditEntry
from hotline.contacts.models import Citizen, Contact
from hotline.voice.models import CallEvent
from tests.conftest import LiveServer, make_settings
from tests.voice.conftest import add_user, rows
from tests.voice.twilio_sim import MediaStream, Twilio

WEBHOOKS = ["/twilio/voice", "/twilio/voice/next", "/twilio/voice/dial", "/twilio/voice/rating",
            "/twilio/voice/recording", "/twilio/voice/status"]


def nothing_stored(engine) -> None:  # noqa: ANN001
    assert rows(engine, Contact) == [] and rows(engine, Citizen) == [] and rows(engine, CallEvent) == []
    assert [e for e in rows(engine, AuditEntry) if e.action.startswith(("call.", "contact."))] == []


def test_bad_signatures_are_refused_and_nothing_is_stored(plain_voice_server) -> None:  # noqa: ANN001
    server = plain_voice_server
    twilio = Twilio(server)
    call = twilio.new_call()
    params = twilio.params(call, CallStatus="ringing")
    for path in WEBHOOKS:
        missing = twilio.post(path, params, sign=False)
        wrong = twilio.post(path, params, signature="bm90LWEtc2lnbmF0dXJl")
        other_key = Twilio(server, token="someone-elses-token").post(path, params)
        altered = twilio.post(path, params, body={**params, "From": "+8613999999999"})  # replay, body changed
        for response in (missing, wrong, other_key, altered):
            assert response.status_code == 403, (path, response.status_code, response.text)
            assert "X-Twilio-Signature" in response.json()["detail"]
    # the signature covers the URL too: the same body signed for another path is refused
    signed_elsewhere = twilio.validator.compute_signature(server.settings.public_url + "/twilio/voice/status", params)
    assert twilio.post("/twilio/voice", params, signature=signed_elsewhere).status_code == 403
    # the media socket: refused at the handshake without or with a bad signature
    for kwargs in ({"sign": False}, {}):
        if not kwargs:
            bad = Twilio(server, token="someone-elses-token")
            with pytest.raises(InvalidStatus) as refused:
                MediaStream(bad, call, {"phase": "intake"})
        else:
            with pytest.raises(InvalidStatus) as refused:
                MediaStream(twilio, call, {"phase": "intake"}, **kwargs)
        assert refused.value.response.status_code == 403
    nothing_stored(server.engine)
    log = server.log()
    assert "refused: missing X-Twilio-Signature" in log and "refused: bad signature" in log
    assert "13812345678" not in log  # personal data stays out of the log

    ok = twilio.post("/twilio/voice", params)
    assert ok.status_code == 200 and "<Record" in ok.text  # nobody on duty: a voice message
    assert len(rows(server.engine, Contact, external_id=call)) == 1


def test_without_an_auth_token_every_webhook_is_refused(tmp_path, database_url) -> None:  # noqa: ANN001
    from hotline.database import get_engine, upgrade

    settings = make_settings(tmp_path, database_url, public_url="")
    upgrade(settings)
    server = LiveServer(settings).start()
    try:
        settings.public_url = server.url
        twilio = Twilio(server, token="anything")
        params = twilio.params(twilio.new_call())
        for path in WEBHOOKS:
            response = twilio.post(path, params)
            assert response.status_code == 403 and "HOTLINE_TWILIO_AUTH_TOKEN" in response.json()["detail"]
        with pytest.raises(InvalidStatus):
            MediaStream(twilio, params["CallSid"], {"phase": "intake"})
        nothing_stored(get_engine(settings))
    finally:
        server.stop()


def test_recognizer_status_for_the_dashboard(plain_voice_server) -> None:  # noqa: ANN001
    server = plain_voice_server
    add_user(server.engine, "mgr", "manager")
    add_user(server.engine, "aid", "legal_aid")
    assert httpx.get(f"{server.url}/api/voice/status").status_code == 401
    assert server.login("aid", "voice-password").get("/api/voice/status").status_code == 403
    status = server.login("mgr", "voice-password").get("/api/voice/status").json()
    assert {"engine", "workers", "busy_workers", "active_streams", "queued_streams", "max_streams_per_worker",
            "backlog_seconds"} <= set(status)
    assert (status["engine"], status["workers"], status["max_streams_per_worker"]) == ("whisper", 1, 2)
    assert (status["active_streams"], status["queued_streams"]) == (0, 0)
