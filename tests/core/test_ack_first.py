"""Acknowledge first, think after (issue 13 item 5), against a real server over real WebSockets,
on SQLite and PostgreSQL: acknowledgements do not wait for the suggestion work, the bounded queue
skips searches (and says so) rather than falling behind without end, `/healthz` answers quickly
under a flood, and the per-socket and per-address rate limits refuse frames without losing any."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from hotline.contacts.models import Contact, Utterance
from hotline.database import get_engine
from tests.conftest import LiveServer, make_settings
from tests.core.chat_client import ChatClient


def serve(tmp_path, database_url, **overrides) -> LiveServer:  # noqa: ANN001
    return LiveServer(make_settings(tmp_path, database_url, **overrides)).start()


def statuses(settings, ids: list[int]) -> dict[int, str]:  # noqa: ANN001
    with Session(get_engine(settings)) as session:
        return dict(session.execute(select(Contact.id, Contact.status).where(Contact.id.in_(ids))).all())


def citizen_texts(settings, contact_id: int) -> list[str]:  # noqa: ANN001
    with Session(get_engine(settings)) as session:
        return list(session.execute(select(Utterance.text).where(
            Utterance.contact_id == contact_id, Utterance.speaker == "citizen").order_by(Utterance.id)).scalars())


def wait_routed(server: LiveServer, ids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(s == "queued" for s in statuses(server.settings, ids).values()):
            return
        time.sleep(0.2)
    raise AssertionError(f"not all routed: {statuses(server.settings, ids)}")


def test_ack_does_not_wait_for_the_suggestion_work(tmp_path, database_url):  # noqa: ANN001
    # one worker whose every search takes 1.5 s: six chats' work takes 9 s, their acks must not
    server = serve(tmp_path, database_url, assist_workers=1, assist_test_delay_s=1.5)
    try:
        chats = [ChatClient(server.ws_url) for _ in range(6)]
        latencies = []
        for i, chat in enumerate(chats):
            started = time.monotonic()
            chat.say(f"公司拖欠工资第{i}个月了怎么办")
            latencies.append(time.monotonic() - started)
        ids = [c.session["contact_id"] for c in chats]
        assert max(latencies) < 1.0, latencies  # each ack came before its predecessors' work was done
        assert list(statuses(server.settings, ids).values()).count("queued") < len(ids)  # that work was still going
        wait_routed(server, ids, timeout=30)  # and it all happened afterwards
        said = httpx.get(f"{server.url}/healthz").json()["said"]
        assert said["done"] >= 6 and said["skipped"] == 0, said
        for chat in chats:
            chat.close()
    finally:
        server.stop()


def test_a_full_queue_skips_searches_logs_it_and_still_routes(tmp_path, database_url):  # noqa: ANN001
    server = serve(tmp_path, database_url, assist_workers=1, assist_queue=2, assist_test_delay_s=2.0)
    try:
        chats = [ChatClient(server.ws_url) for _ in range(6)]
        for chat in chats:
            chat.say("交通事故对方不赔钱")
        ids = [c.session["contact_id"] for c in chats]
        wait_routed(server, ids, timeout=30)  # every contact queued, searched or not
        said = httpx.get(f"{server.url}/healthz").json()["said"]
        assert said["skipped"] >= 1 and said["done"] == 6, said
        assert "suggestion work behind" in server.log() and "searched not at all" in server.log()
        for chat in chats:
            chat.close()
    finally:
        server.stop()


def frames_until(ws, want: int, timeout: float = 10) -> list[dict]:  # noqa: ANN001
    """The next `want` answers (acks and errors; other frames skipped)."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < want:
        frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame["type"] in ("ack", "error"):
            out.append(frame)
    return out


def test_per_socket_rate_limit_refuses_frames_and_loses_nothing(tmp_path, database_url):  # noqa: ANN001
    server = serve(tmp_path, database_url, chat_rate_per_socket=2, chat_burst_per_socket=3, chat_rate_per_address=0)
    try:
        chat = ChatClient(server.ws_url)  # the hello took one token
        ids = [f"m{i}" for i in range(10)]
        for cid in ids:
            chat.send({"type": "message", "client_id": cid, "text": f"第{cid}条消息"})
        frames = frames_until(chat.ws, 10)
        acked = [f["client_id"] for f in frames if f["type"] == "ack"]
        refused = [f for f in frames if f["type"] == "error"]
        assert 2 <= len(acked) <= 4 and len(acked) + len(refused) == 10, frames
        assert all(f["code"] == "rate_limited" and f["limit"] == "socket" and f["retry_after_s"] > 0
                   and f["message"] for f in refused), refused
        contact_id = chat.session["contact_id"]
        assert citizen_texts(server.settings, contact_id) == [f"第{c}条消息" for c in acked]  # refused: not stored
        # the client resends what was refused, as the page does, paced by retry_after_s
        for f in refused:
            time.sleep(0.55)
            chat.say(f"第{f['client_id']}条消息", client_id=f["client_id"])
        assert sorted(citizen_texts(server.settings, contact_id)) == sorted(f"第{c}条消息" for c in ids)
        chat.close()
    finally:
        server.stop()


def test_per_address_rate_limit_is_shared_by_the_address_sockets(tmp_path, database_url):  # noqa: ANN001
    server = serve(tmp_path, database_url, chat_rate_per_socket=0, chat_rate_per_address=1, chat_burst_per_address=6)
    try:
        a, b = ChatClient(server.ws_url), ChatClient(server.ws_url)  # two hellos: 4 tokens left
        for i in range(4):
            a.send({"type": "message", "client_id": f"a{i}", "text": f"甲{i}"})
            b.send({"type": "message", "client_id": f"b{i}", "text": f"乙{i}"})
        got = frames_until(a.ws, 4) + frames_until(b.ws, 4)
        acks = [f for f in got if f["type"] == "ack"]
        refused = [f for f in got if f["type"] == "error"]
        assert 4 <= len(acks) <= 5 and all(f["code"] == "rate_limited" and f["limit"] == "address" for f in refused)
        a.close()
        b.close()
    finally:
        server.stop()


FLOOD = textwrap.dedent("""
    import asyncio, json, sys, time, uuid
    import websockets

    async def citizen(url, until, counts):
        async with websockets.connect(url + "/ws/chat") as ws:
            await ws.send(json.dumps({"type": "hello"}))
            await ws.recv()
            while time.monotonic() < until:
                await ws.send(json.dumps({"type": "message", "client_id": uuid.uuid4().hex, "text": "邻居噪音扰民怎么办"}))
                while json.loads(await ws.recv())["type"] != "ack":
                    pass
                counts[0] += 1

    async def main(url, sockets, seconds):
        counts = [0]
        until = time.monotonic() + seconds
        await asyncio.gather(*(citizen(url, until, counts) for _ in range(sockets)))
        print(counts[0])

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
""")


def test_healthz_answers_fast_under_a_flood(tmp_path, database_url):  # noqa: ANN001
    server = serve(tmp_path, database_url, chat_rate_per_socket=0, chat_rate_per_address=0,
                   assist_test_delay_s=0.5)
    flood = subprocess.Popen([sys.executable, "-c", FLOOD, server.ws_url, "60", "8"], stdout=subprocess.PIPE,
                             text=True)
    try:
        time.sleep(2.5)  # the flood is on
        times = []
        with httpx.Client(timeout=10) as client:
            for _ in range(30):
                started = time.monotonic()
                assert client.get(f"{server.url}/healthz").status_code == 200
                times.append(time.monotonic() - started)
                time.sleep(0.1)
        out, _ = flood.communicate(timeout=60)
        assert int(out.strip()) > 100, out  # it was a flood: acknowledged messages in 8 s
        times.sort()
        assert times[len(times) // 2] < 0.05 and times[int(len(times) * 0.9)] < 0.05, times
    finally:
        if flood.poll() is None:
            flood.kill()
            flood.wait()
        server.stop()
