"""Chat load on one web node (issue 13): N open citizen chats on PostgreSQL, messages at a total
rate stepped up; message → acknowledgement p50/p99, errors, lost messages, and the highest rate
held with p99 ack ≤ 100 ms. Bounded (steps × seconds), traffic to 127.0.0.1 only; it starts the
server itself on a free port, on a fresh database it drops afterwards.

    python benchmarks/cluster_load.py --chats 1000 --rates 20,40,80,160 --seconds 10 \\
        --pg postgresql+psycopg://hotline:hotline@127.0.0.1:5432/hotline --kb-dir var/kb

Not yet here (see docs/architecture.md): two web nodes over the Redis bus, lawyers accepting and
message → suggestion on the lawyer's socket.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class Chat:
    def __init__(self, ws) -> None:  # noqa: ANN001
        self.ws, self.pending, self.contact_id = ws, {}, None

    async def reader(self, acks: list, errors: list) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame["type"] == "ack":
                sent = self.pending.pop(frame["client_id"], None)
                if sent is not None:
                    acks.append((time.monotonic() - sent) * 1000)
            elif frame["type"] == "error":
                errors.append(frame.get("code"))


async def run(url: str, chats: int, rates: list[float], seconds: float) -> list[dict]:
    opened: list[Chat] = []
    acks: list[float] = []
    errors: list[str] = []
    readers = []
    for _ in range(chats):
        ws = await websockets.connect(url + "/ws/chat", open_timeout=30)
        await ws.send(json.dumps({"type": "hello"}))
        session = json.loads(await ws.recv())
        while session["type"] != "session":  # the greeting may come first
            session = json.loads(await ws.recv())
        chat = Chat(ws)
        chat.contact_id = session["contact_id"]
        opened.append(chat)
        readers.append(asyncio.create_task(chat.reader(acks, errors)))
    results, i = [], 0
    for rate in rates:
        acks.clear()
        errors.clear()
        sent = 0
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            chat = opened[i % len(opened)]
            i += 1
            cid = uuid.uuid4().hex
            chat.pending[cid] = time.monotonic()
            await chat.ws.send(json.dumps({"type": "message", "client_id": cid, "text": "公司拖欠我三个月工资，怎么办？"}))
            sent += 1
            await asyncio.sleep(max(0.0, start + sent / rate - time.monotonic()))
        await asyncio.sleep(3)  # the last acks
        late = sum(len(c.pending) for c in opened)
        for c in opened:
            c.pending.clear()
        results.append({"rate": rate, "sent": sent, "acked": len(acks), "unacked_after_3s": late,
                        "errors": len(errors), "ack_p50_ms": round(pct(acks, 0.5), 1),
                        "ack_p99_ms": round(pct(acks, 0.99), 1)})
        print(json.dumps(results[-1]), flush=True)
    for c in opened:
        await c.ws.close()
    for r in readers:
        r.cancel()
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chats", type=int, default=1000)
    ap.add_argument("--rates", default="20,40,80,160")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--pg", default=os.environ.get("HOTLINE_TEST_POSTGRES_URL",
                                                   "postgresql+psycopg://hotline:hotline@127.0.0.1:5432/hotline"))
    ap.add_argument("--kb-dir", default="")
    args = ap.parse_args()
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = args.pg.rsplit("/", 1)[0] + "/" + name
    port = free_port()
    var = tempfile.mkdtemp(prefix="cluster-load-")
    env = dict(os.environ, HOTLINE_DATABASE_URL=db_url, HOTLINE_VAR_DIR=var, HOTLINE_CHAT_RATE_PER_ADDRESS="0",
               HOTLINE_CHAT_RATE_PER_SOCKET="0", PYTHONPATH=str(ROOT))
    if args.kb_dir:
        env["HOTLINE_KB_DIR"] = args.kb_dir
    else:
        env["HOTLINE_KB_ENABLED"] = "false"
    log = open(Path(var) / "server.log", "wb")
    server = subprocess.Popen([str(Path(sys.executable).parent / "hotline"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
                if not args.kb_dir or health["kb"]["ready"]:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        rates = [float(r) for r in args.rates.split(",")]
        results = asyncio.run(run(f"ws://127.0.0.1:{port}", args.chats, rates, args.seconds))
        engine = create_engine(db_url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM utterance WHERE speaker = 'citizen'")).scalar()
        engine.dispose()
        acked = sum(r["acked"] for r in results)
        held = [r["rate"] for r in results if r["ack_p99_ms"] <= 100 and not r["unacked_after_3s"]]
        print(json.dumps({"chats": args.chats, "kb": bool(args.kb_dir), "acked": acked, "stored": stored,
                          "lost": max(0, acked - stored), "highest_rate_p99_ack_le_100ms": max(held) if held else None}))
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
