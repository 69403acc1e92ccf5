"""A running hotline with short routing timers, lawyers with skills and shifts, and a staff
WebSocket client that receives offers like the console does."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from websockets.sync.client import connect

from hotline.auth.service import create_user
from hotline.database import session_scope
from hotline.roster.models import LawyerProfile, Shift
from tests.conftest import LiveServer, make_settings

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def routing_settings(tmp_path, database_url):  # noqa: ANN001, ANN201
    return make_settings(tmp_path, database_url, offer_timeout_s=2, no_answer_penalty_s=4, overflow_after_s=3,
                         wrapup_s=30)


@pytest.fixture
def server(routing_settings):  # noqa: ANN001, ANN201
    from hotline.database import get_engine, upgrade

    upgrade(routing_settings)
    srv = LiveServer(routing_settings).start()
    srv.engine = get_engine(routing_settings)
    yield srv
    srv.stop()


def add_lawyer(engine, username: str, skills: list[str], chat_capacity: int = 3,  # noqa: ANN001
               shift: tuple[str, str] | None = ("00:00", "00:00"), languages: tuple[str, ...] = ("普通话",),
               call_capacity: int = 1) -> int:
    with session_scope(engine) as session:
        user = create_user(session, username=username, password="lawyer-password", role="lawyer",
                           display_name=username)
        session.add(LawyerProfile(user_id=user.id, skills=skills, chat_capacity=chat_capacity,
                                  call_capacity=call_capacity, languages=list(languages)))
        if shift:
            session.add(Shift(user_id=user.id, days="all", start=shift[0], end=shift[1]))
        return user.id


def local_hms(delta_s: float) -> str:
    return (datetime.now(TZ) + timedelta(seconds=delta_s)).strftime("%H:%M:%S")


class StaffClient:
    """A lawyer: HTTP session plus the /ws/staff socket."""

    def __init__(self, server, username: str, password: str = "lawyer-password") -> None:  # noqa: ANN001
        self.http = server.login(username, password)
        token = self.http.cookies.get(server.settings.session_cookie)
        self.ws = connect(f"{server.ws_url}/ws/staff", additional_headers={"Cookie": f"hotline_session={token}"})
        hello = self.recv()
        assert hello["type"] == "hello"
        self.user_id = hello["user_id"]

    def recv(self, timeout: float = 10) -> dict:
        return json.loads(self.ws.recv(timeout=timeout))

    def expect(self, kind: str, timeout: float = 10, **match: object) -> dict:
        import time

        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.05, deadline - time.monotonic()))
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    def no_offer(self, within: float) -> bool:
        import time

        deadline = time.monotonic() + within
        try:
            while True:
                frame = self.recv(max(0.05, deadline - time.monotonic()))
                if frame.get("type") == "offer":
                    return False
        except TimeoutError:
            return True

    def available(self) -> None:
        r = self.http.post("/api/routing/presence", json={"state": "available"})
        assert r.status_code == 200, r.text

    def presence(self, state: str) -> None:
        r = self.http.post("/api/routing/presence", json={"state": state})
        assert r.status_code == 200, r.text

    def accept(self, offer: dict) -> None:
        r = self.http.post(f"/api/routing/offers/{offer['offer_id']}/accept")
        assert r.status_code == 200, r.text

    def close(self) -> None:
        self.ws.close()
