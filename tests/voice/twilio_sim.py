"""Twilio, as the app sees it: signed webhook POSTs and Media Streams WebSockets carrying real
audio exactly as Twilio sends it (JSON messages, base64 μ-law 8 kHz, 20 ms frames, `chunk`
and `timestamp` per track). Used only by the tests."""
from __future__ import annotations

import base64
import json
import time
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import httpx
from twilio.request_validator import RequestValidator
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import SHARED

TOKEN = "test-twilio-auth-token-12348"
ACCOUNT = "AC" + "0" * 32
FRAME = 160  # 20 ms of 8 kHz μ-law


def ulaw_payload(name: str) -> bytes:
    data = (SHARED / "audio" / name).read_bytes()
    return data[data.index(b"data") + 8:]


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


class Twilio:
    def __init__(self, server: Any, token: str = TOKEN) -> None:
        self.server = server
        self.base = server.settings.public_url
        self.validator = RequestValidator(token)
        self.http = httpx.Client(timeout=90)

    def params(self, call_sid: str, **extra: str) -> dict[str, str]:
        return {"AccountSid": ACCOUNT, "CallSid": call_sid, "From": "+8613812345678", "To": "+8612348000000",
                "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}

    def post(self, path: str, params: dict[str, str], *, signature: str | None = None, sign: bool = True,
             body: dict[str, str] | None = None) -> httpx.Response:
        """POST like Twilio: form body, signature over URL + params (`body` sends different data
        under the same signature: a replay with an altered body)."""
        url = self.base + path
        headers = {}
        if sign:
            headers["X-Twilio-Signature"] = signature if signature is not None else \
                self.validator.compute_signature(url, params)
        return self.http.post(url, data=body if body is not None else params, headers=headers)

    def new_call(self) -> str:
        return "CA" + uuid.uuid4().hex

    def stream(self, call_sid: str, phase: str, contact_id: int, **kw: Any) -> "MediaStream":
        return MediaStream(self, call_sid, {"phase": phase, "contact_id": str(contact_id)}, **kw)


class MediaStream:
    def __init__(self, twilio: Twilio, call_sid: str, parameters: dict[str, str], *, sign: bool = True,
                 media_format: dict[str, Any] | None = None, start: bool = True) -> None:
        scheme, _, rest = twilio.base.partition("://")
        self.url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/twilio/media"
        headers = {"X-Twilio-Signature": twilio.validator.compute_signature(self.url, {})} if sign else {}
        self.ws = connect(self.url, additional_headers=headers, max_size=2**24, open_timeout=10)
        self.call_sid, self.sid = call_sid, "MZ" + uuid.uuid4().hex
        self.seq = 0
        self.chunks: dict[str, int] = {}
        self.closed_by_server: int | None = None
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"}, numbered=False)
        if start:
            self.send({"event": "start", "streamSid": self.sid, "start": {
                "accountSid": ACCOUNT, "streamSid": self.sid, "callSid": call_sid, "tracks": ["inbound"],
                "mediaFormat": media_format or {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                "customParameters": parameters}})

    def send(self, message: dict[str, Any], numbered: bool = True) -> None:
        if numbered:
            self.seq += 1
            message["sequenceNumber"] = str(self.seq)
        self.ws.send(json.dumps(message))

    def media(self, payload: bytes, track: str = "inbound") -> None:
        chunk = self.chunks.get(track, 0) + 1
        self.chunks[track] = chunk
        self.send({"event": "media", "streamSid": self.sid, "media": {
            "track": track, "chunk": str(chunk), "timestamp": str((chunk - 1) * 20),
            "payload": base64.b64encode(payload).decode()}})

    def play(self, audio: bytes, speed: float = 4.0, track: str = "inbound", outbound: bytes | None = None) -> int:
        """Send audio as 20 ms frames at `speed` × real time; returns the frames sent before the
        server closed the stream (if it did). With `outbound` (a both_tracks stream), each frame
        of `audio` is followed by one of the other party's, as Twilio interleaves the two tracks;
        the other party is silent (μ-law 0xFF) once their audio runs out."""
        started = time.monotonic()
        sent = 0
        for i in range(0, len(audio), FRAME):
            try:
                self.media(audio[i:i + FRAME], track)
                if outbound is not None:
                    self.media(outbound[i:i + FRAME].ljust(FRAME, b"\xff"), "outbound")
            except ConnectionClosed as exc:
                self.closed_by_server = exc.rcvd.code if exc.rcvd else None
                return sent
            sent += 1
            ahead = sent * 0.02 / speed - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        return sent

    def stop(self) -> None:
        try:
            self.send({"event": "stop", "streamSid": self.sid, "stop": {"accountSid": ACCOUNT,
                                                                         "callSid": self.call_sid}})
            self.ws.close()
        except ConnectionClosed:
            pass

    def wait_closed(self, timeout: float = 30) -> int | None:
        """Block until the server closes the socket; its close code."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.ws.recv(timeout=max(0.05, deadline - time.monotonic()))
        except ConnectionClosed as exc:
            self.closed_by_server = exc.rcvd.code if exc.rcvd else None
            return self.closed_by_server
        except TimeoutError:
            pass
        raise AssertionError("the server did not close the media stream")


class TwilioRest:
    """Twilio's REST API as the app calls it (only the Conference Participants resource): a
    local HTTP server that checks the account's basic auth, records every request (method, path,
    form fields) and answers like Twilio (participant JSON with a fresh CallSid; 204 on DELETE)."""

    def __init__(self, account: str = ACCOUNT, token: str = TOKEN) -> None:
        import re
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs

        self.requests: list[dict[str, Any]] = []
        self.participants: dict[str, dict[str, Any]] = {}
        expected = "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()
        pattern = re.compile(rf"^/2010-04-01/Accounts/{account}/Conferences/([^/]+)/Participants(?:/(CA\w+))?\.json$")
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                match = pattern.match(self.path)
                sim.requests.append({"method": method, "path": self.path, "form": form,
                                     "conference": match.group(1) if match else None,
                                     "call_sid": match.group(2) if match else None})
                if self.headers.get("Authorization") != expected:
                    return self._answer(401, {"code": 20003, "message": "Authenticate"})
                if match is None:
                    return self._answer(404, {"code": 20404, "message": "not found"})
                conference, call_sid = match.groups()
                if method == "POST" and call_sid is None:
                    if not form.get("To") or not form.get("From"):
                        return self._answer(400, {"code": 21201, "message": "To and From are required"})
                    if form.get("Coaching") == "true" and form.get("CallSidToCoach") not in sim.participants:
                        return self._answer(400, {"code": 16027, "message": "CallSidToCoach is not a participant"})
                    sid = "CA" + uuid.uuid4().hex
                    sim.participants[sid] = {"call_sid": sid, "account_sid": account, "conference_sid": conference,
                                             "label": form.get("Label"), "coaching": form.get("Coaching") == "true",
                                             "call_sid_to_coach": form.get("CallSidToCoach"), "status": "queued"}
                    return self._answer(201, sim.participants[sid])
                if call_sid not in sim.participants:
                    return self._answer(404, {"code": 20404, "message": "participant not found"})
                if method == "POST":
                    if "Coaching" in form:
                        sim.participants[call_sid]["coaching"] = form["Coaching"] == "true"
                        if form["Coaching"] == "false":
                            sim.participants[call_sid]["call_sid_to_coach"] = None
                    return self._answer(200, sim.participants[call_sid])
                del sim.participants[call_sid]
                return self._answer(204)

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

            def do_DELETE(self) -> None:  # noqa: N802
                self._handle("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
