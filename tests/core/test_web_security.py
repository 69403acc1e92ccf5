"""Security headers, Secure cookies behind https, and Origin checks on state-changing requests
and WebSockets (issue 18, items 8 and 9, the parts done)."""
from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus, ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import LiveServer, make_settings


def test_security_headers(live_server) -> None:  # noqa: ANN001
    r = live_server.client().get("/login")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"]


def test_cross_origin_writes_are_refused(live_server, staff_users) -> None:  # noqa: ANN001
    client = live_server.login(*staff_users["lawyer"])
    r = client.post("/api/auth/logout", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert client.get("/api/auth/me").status_code == 200  # still signed in: the handler never ran
    r = client.post("/api/auth/logout", headers={"Origin": live_server.url})
    assert r.status_code == 200


def test_cross_origin_staff_socket_is_refused(live_server, staff_users) -> None:  # noqa: ANN001
    client = live_server.login(*staff_users["lawyer"])
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        with connect(f"{live_server.ws_url}/ws/staff", origin="https://evil.example",
                     additional_headers={"Cookie": cookie}) as ws:
            ws.recv(timeout=5)


def test_cookie_is_secure_when_the_public_url_is_https(tmp_path, staff_users, settings) -> None:  # noqa: ANN001
    server = LiveServer(settings.model_copy(update={"public_url": "https://hotline.example"})).start()
    try:
        r = server.client().post("/api/auth/login", json={"username": staff_users["lawyer"][0],
                                                          "password": staff_users["lawyer"][1]})
        assert r.status_code == 200 and "secure" in r.headers["set-cookie"].lower()
    finally:
        server.stop()
