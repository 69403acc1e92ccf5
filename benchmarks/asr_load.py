"""Capacity: N simultaneous real-time 8 kHz call streams through the recognizer worker pool,
and the final-result latency (end of speech → final text) for each N.

    .venv/bin/python benchmarks/asr_load.py [--streams 1,2,3,4] [--workers 2] [--threads N]
                                            [--option KEY=JSON ...] [--engine whisper|vosk]

Each stream plays one of the three test calls of ../shared/audio (27-33 s, 4-5 utterances,
cycled) as Twilio would: 20 ms μ-law frames paced by the wall clock, through
`asr.session.MediaSession` into the pool, all N streams bound at once (streams_per_worker is
set to N / workers, so none waits in the queue). Streams start 0.0-2.0 s apart.

Latency of a final result = the wall-clock time it arrived − the wall-clock time at which the
audio at the end of its speech (where the VAD saw speech stop) had been sent. It contains the
VAD's wait for silence (0.8 s), time waiting behind other streams' work, and the decode.
Prints p50/p95/max per N and the largest N whose p95 ≤ 2 s. The machine's load average is
printed too: other processes on the same cores lengthen every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr.pool import RecognizerPool  # noqa: E402
from asr.session import MediaSession  # noqa: E402
from asr.settings import WHISPER_STREAM_OPTIONS, default_cpu_threads  # noqa: E402

DATA = Path(os.environ.get("HOTLINE_DATA_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))
CALLS = ["call_01_8k_ulaw.wav", "call_02_8k_ulaw.wav", "call_03_8k_ulaw.wav"]
GOAL_P95_S = 2.0


def payload(name: str) -> bytes:
    data = (DATA / "audio" / name).read_bytes()
    return data[data.index(b"data") + 8:]


class Player(threading.Thread):
    def __init__(self, pool: RecognizerPool, audio: bytes, delay: float) -> None:
        super().__init__(daemon=True)
        self.audio, self.delay = audio, delay
        self.latencies: list[float] = []
        self.finals = 0
        self.closed = threading.Event()
        self.t0 = 0.0
        self.session = MediaSession(pool, encoding="mulaw", rate=8000, on_result=self.on_result,
                                    on_closed=self.closed.set, first_index=1)

    def on_result(self, result) -> None:  # noqa: ANN001
        if not result.is_final or not result.text:
            return
        arrived = time.monotonic()
        speech_end = result.speech_end if result.speech_end is not None else result.end
        self.latencies.append(arrived - (self.t0 + speech_end))
        self.finals += 1

    def run(self) -> None:
        time.sleep(self.delay)
        self.t0 = time.monotonic()
        frames = [self.audio[i:i + 160] for i in range(0, len(self.audio), 160)]
        for n, frame in enumerate(frames, start=1):
            target = self.t0 + n * 0.02  # the frame's last sample has been "spoken" at this moment
            wait = target - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.session.push(n, frame)
        self.session.finish()


def run_level(args: argparse.Namespace, n: int, options: dict, model: str) -> dict:
    per_worker = max(1, -(-n // args.workers))
    pool = RecognizerPool(args.engine, model, options, workers=args.workers, streams_per_worker=per_worker).start()
    if not pool.wait_ready(180):
        raise SystemExit(f"pool did not start: {pool.failures}")
    load = os.getloadavg()[0]
    rng = np.random.default_rng(n)
    players = [Player(pool, payload(CALLS[i % len(CALLS)]), float(rng.uniform(0, 2.0)) if i else 0.0)
               for i in range(n)]
    cpu = time.process_time()
    started = time.monotonic()
    for p in players:
        p.start()
    max_backlog = 0.0
    while not all(p.closed.is_set() for p in players):
        time.sleep(0.25)
        max_backlog = max(max_backlog, pool.status()["backlog_seconds"])
        if time.monotonic() - started > 600:
            raise SystemExit(f"N={n}: streams did not finish in 600 s")
    pool.close()
    lat = np.array([x for p in players for x in p.latencies])
    return {"streams": n, "finals": int(lat.size), "p50": float(np.percentile(lat, 50)) if lat.size else None,
            "p95": float(np.percentile(lat, 95)) if lat.size else None, "max": float(lat.max()) if lat.size else None,
            "max_backlog_s": max_backlog, "load": load, "wall_s": time.monotonic() - started,
            "pool_cpu_s": time.process_time() - cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", default="1,2,3,4")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2, as the app)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads per worker (default: the cores shared out among the workers, as the app)")
    parser.add_argument("--engine", default="whisper")
    parser.add_argument("--model", default=None)
    parser.add_argument("--option", action="append", default=[], help="engine option KEY=JSON")
    parser.add_argument("--stop-after-miss", type=int, default=1, help="stop after this many levels over the goal")
    args = parser.parse_args()
    if args.engine == "whisper":
        options = dict(WHISPER_STREAM_OPTIONS)
        model = args.model or str(DATA / "models" / "whisper-base-ct2")
    else:
        from asr.engine_vosk import packaged_korean_model

        options = {}
        model = args.model or str(packaged_korean_model())
    for item in args.option:
        key, _, value = item.partition("=")
        options[key] = json.loads(value)
    options["cpu_threads"] = args.threads or default_cpu_threads(args.workers)
    print(f"engine {args.engine}, {args.workers} worker(s), options {json.dumps(options, ensure_ascii=False)}")
    print(f"{'streams':>8}{'finals':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'backlog':>9}{'load':>7}")
    best, misses = 0, 0
    for n in [int(x) for x in args.streams.split(",")]:
        r = run_level(args, n, options, model)
        ok = r["p95"] is not None and r["p95"] <= GOAL_P95_S
        print(f"{n:>8}{r['finals']:>8}{r['p50']:>8.2f}{r['p95']:>8.2f}{r['max']:>8.2f}{r['max_backlog_s']:>8.1f}s"
              f"{r['load']:>7.2f}  {'ok' if ok else 'over 2 s'}", flush=True)
        if ok:
            best = max(best, n)
        else:
            misses += 1
            if misses >= args.stop_after_miss:
                break
    print(f"largest N with p95 ≤ {GOAL_P95_S:.0f} s: {best}")


if __name__ == "__main__":
    main()
