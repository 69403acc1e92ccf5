"""A running hotline pointed at the WeChat simulator (its API base URL setting), one Official
Account configured through the admin API, and helpers shared with the voice tests."""
from __future__ import annotations

import subprocess
import time

import httpx
import pytest

from tests.conftest import SHARED
from tests.knowledge_base.conftest import small_kb_dir  # noqa: F401 - the session-scoped small real KB
from tests.voice.conftest import add_user, start_server
from tests.wechat.wechat_sim import AES_KEY, APP_ID, SECRET, TOKEN, WechatSim


def amr_of(name: str) -> bytes:
    """Real speech from the shared recordings as AMR-NB (8 kHz), encoded by sox as a phone does."""
    proc = subprocess.run(["sox", str(SHARED / "audio" / name), "-r", "8000", "-c", "1", "-t", "amr-nb", "-"],
                          capture_output=True, check=True)
    assert proc.stdout.startswith(b"#!AMR\n")
    return proc.stdout


def configure(server, sim: WechatSim, mode: str = "plain") -> httpx.Client:  # noqa: ANN001
    add_user(server.engine, "wxadmin", "admin")
    admin = server.login("wxadmin", "voice-password")
    r = admin.post("/api/wechat/accounts", json={"name": sim.account, "title": "掌上12348（测试）", "app_id": APP_ID,
                                                  "secret": SECRET, "token": TOKEN, "aes_key": AES_KEY,
                                                  "encrypt_mode": mode})
    assert r.status_code == 201, r.text
    return admin


def _start(tmp_path, database_url, mode: str, **overrides):  # noqa: ANN001, ANN202
    sim = WechatSim().start()
    server = start_server(tmp_path, database_url, wechat_api_base=sim.api_url, **overrides)
    sim.app_url = server.url
    server.admin = configure(server, sim, mode)
    return sim, server


@pytest.fixture
def wechat(tmp_path, database_url):  # noqa: ANN001, ANN201
    """(simulator, server): plain mode, no knowledge base."""
    sim, server = _start(tmp_path, database_url, "plain")
    yield sim, server
    server.stop()
    sim.stop()


@pytest.fixture
def wechat_safe(tmp_path, database_url):  # noqa: ANN001, ANN201
    sim, server = _start(tmp_path, database_url, "safe")
    yield sim, server
    server.stop()
    sim.stop()


@pytest.fixture
def wechat_kb(tmp_path, database_url, small_kb_dir):  # noqa: ANN001, ANN201, F811
    """(simulator, server) with the small real knowledge base (suggestions) and the recogniser."""
    sim, server = _start(tmp_path, database_url, "safe", kb_enabled=True, kb_dir=small_kb_dir)
    deadline = time.monotonic() + 120
    while not httpx.get(f"{server.url}/healthz").json()["kb"]["ready"]:
        assert time.monotonic() < deadline, "knowledge base did not load"
        time.sleep(0.2)
    yield sim, server
    server.stop()
    sim.stop()


def silk_of(name: str) -> bytes:
    """Real speech as SILK v3 in WeChat's variant (leading 0x02), encoded by pilk at 24 kHz."""
    import tempfile
    from pathlib import Path

    import pilk

    with tempfile.TemporaryDirectory() as tmp:
        pcm, silk = Path(tmp) / "in.pcm", Path(tmp) / "out.silk"
        subprocess.run(["sox", str(SHARED / "audio" / name), "-t", "raw", "-r", "24000", "-e", "signed", "-b", "16",
                        "-c", "1", str(pcm)], check=True)
        pilk.encode(str(pcm), str(silk), pcm_rate=24000, tencent=True)
        data = silk.read_bytes()
    assert data.startswith(b"\x02#!SILK_V3")
    return data
