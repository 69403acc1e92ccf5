"""The recognizer worker pool: worker processes (spawned), the model loaded once in each, every
live stream bound to one worker.

Each worker serves at most `streams_per_worker` streams. When all slots are taken, new streams
are still accepted: their audio is buffered here and they wait in a FIFO queue; when a slot
frees, the oldest queued stream is bound and its backlog sent, which the worker takes in
faster than real time. `status()` is the back-pressure the dashboard shows.

Thread model: `open/feed/finish/abort/status` may be called from any thread (the app calls
them from its event loop; they never block). Results are delivered by the pool's reader
thread through each stream's `on_event(event: dict)` callback:
  {"type": "result", "result": Result}     {"type": "error", "message": str}
  {"type": "closed"}                        (the last event of a stream)
"""
from __future__ import annotations

import itertools
import logging
import multiprocessing as mp
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from asr.recognizer import Result

log = logging.getLogger("asr.pool")

EventCallback = Callable[[dict[str, Any]], None]
StatusCallback = Callable[[dict[str, Any]], None]
STATUS_KEYS = ("engine", "workers", "busy_workers", "active_streams", "queued_streams", "max_streams_per_worker",
               "backlog_seconds")


@dataclass(eq=False)
class StreamHandle:
    id: str
    rate: int
    on_event: EventCallback
    worker: int | None = None
    buffer: list[bytes] = field(default_factory=list)
    buffered_samples: int = 0
    sent_samples: int = 0  # to the current worker binding
    base_s: float = 0.0  # stream time already covered by earlier bindings (after a worker restart)
    taken_s: float = 0.0  # reported by the worker: audio taken in
    pending_s: float = 0.0  # reported by the worker: speech waiting for its final decode
    finishing: bool = False
    closed: bool = False
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def queued(self) -> bool:
        return self.worker is None and not self.closed

    def backlog_s(self) -> float:
        in_flight = max(self.sent_samples / self.rate - self.taken_s, 0.0)
        return self.buffered_samples / self.rate + in_flight + self.pending_s


@dataclass
class _Worker:
    index: int
    process: Any = None
    inbox: Any = None
    ready: bool = False
    failed: str = ""
    streams: set[str] = field(default_factory=set)
    info: dict[str, Any] = field(default_factory=dict)
    restarts: int = 0


class RecognizerPool:
    def __init__(self, engine: str, model: str, options: dict[str, Any] | None = None, *, workers: int = 1,
                 streams_per_worker: int = 2, on_status: StatusCallback | None = None,
                 ready_timeout_s: float = 120.0, log_setup: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.log_setup = log_setup  # run first in each worker (a module-level function: it is pickled by name)
        self.model = str(model)
        self.options = dict(options or {})
        self.streams_per_worker = max(1, int(streams_per_worker))
        self.on_status = on_status
        self.ready_timeout_s = ready_timeout_s
        self._ctx = mp.get_context("spawn")
        self._outbox = self._ctx.Queue()
        self._workers = [_Worker(i) for i in range(max(1, int(workers)))]
        self._streams: dict[str, StreamHandle] = {}
        self._queue: deque[str] = deque()
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._reader: threading.Thread | None = None
        self._stopping = False
        self._started = False
        self._last_status: dict[str, Any] | None = None
        self.failures: list[str] = []

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> "RecognizerPool":
        """Spawn the workers (returns at once; they report ready when their model is loaded)."""
        with self._lock:
            if self._started:
                return self
            self._started = True
            for worker in self._workers:
                self._spawn(worker)
            self._reader = threading.Thread(target=self._read_loop, name="asr-pool-reader", daemon=True)
            self._reader.start()
        return self

    def _spawn(self, worker: _Worker) -> None:
        from asr import worker as worker_module

        worker.inbox = self._ctx.Queue()
        worker.ready, worker.failed = False, ""
        worker.process = self._ctx.Process(target=worker_module.run, name=f"asr-worker-{worker.index}", daemon=True,
                                           args=(worker.index, self.engine, self.model, self.options, worker.inbox,
                                                 self._outbox, self.log_setup))
        worker.process.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every worker has loaded its model (for benchmarks and the CLI)."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.ready_timeout_s)
        while time.monotonic() < deadline:
            with self._lock:
                if all(w.ready for w in self._workers):
                    return True
                if any(w.failed for w in self._workers) and not any(w.ready for w in self._workers):
                    return False
            time.sleep(0.05)
        return False

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            workers = list(self._workers)
        for worker in workers:
            if worker.inbox is not None:
                try:
                    worker.inbox.put(("stop",))
                except (ValueError, OSError):
                    pass
        for worker in workers:
            if worker.process is not None:
                worker.process.join(5)
                if worker.process.is_alive():
                    worker.process.terminate()
                    worker.process.join(2)
        if self._reader is not None:
            self._reader.join(2)
        for q in [w.inbox for w in workers if w.inbox is not None] + [self._outbox]:
            q.close()
            q.join_thread()
        for worker in workers:  # release the queues' semaphores now, not at interpreter exit
            worker.inbox = worker.process = None
        self._outbox = None

    @property
    def started(self) -> bool:
        return self._started

    # -- streams --------------------------------------------------------------------------------------
    def open(self, rate: int, on_event: EventCallback) -> StreamHandle:
        with self._lock:
            handle = StreamHandle(id=f"s{next(self._ids)}", rate=int(rate), on_event=on_event)
            self._streams[handle.id] = handle
            self._queue.append(handle.id)
            self._schedule()
        self._status_changed()
        return handle

    def feed(self, handle: StreamHandle, samples: np.ndarray) -> None:
        """Audio for the stream: int16 samples at the stream's rate."""
        data = np.asarray(samples, dtype=np.int16).tobytes()
        with self._lock:
            if handle.closed or handle.finishing or self._stopping:
                return
            if handle.worker is None:
                handle.buffer.append(data)
                handle.buffered_samples += len(data) // 2
                return
            handle.sent_samples += len(data) // 2
            self._workers[handle.worker].inbox.put(("audio", handle.id, data))

    def finish(self, handle: StreamHandle) -> None:
        """No more audio: the worker decodes what is left, then the stream closes."""
        with self._lock:
            if handle.closed or handle.finishing or self._stopping:
                return
            handle.finishing = True
            if handle.worker is not None:
                self._workers[handle.worker].inbox.put(("finish", handle.id))

    def abort(self, handle: StreamHandle) -> None:
        with self._lock:
            if handle.closed or self._stopping:
                return
            if handle.worker is None:
                self._close(handle)
            else:
                self._workers[handle.worker].inbox.put(("abort", handle.id))

    # -- internals (under the lock) ---------------------------------------------------------------------
    def _schedule(self) -> None:
        """Bind queued streams to ready workers with a free slot, oldest first."""
        while self._queue and not self._stopping:
            sid = self._queue[0]
            handle = self._streams.get(sid)
            if handle is None or handle.closed:
                self._queue.popleft()
                continue
            free = [w for w in self._workers if w.ready and len(w.streams) < self.streams_per_worker]
            if not free:
                return
            worker = min(free, key=lambda w: (len(w.streams), w.index))
            self._queue.popleft()
            self._bind(handle, worker)

    def _bind(self, handle: StreamHandle, worker: _Worker) -> None:
        handle.worker = worker.index
        worker.streams.add(handle.id)
        worker.inbox.put(("open", handle.id, handle.rate))
        handle.sent_samples, handle.taken_s = 0, 0.0
        if handle.buffer:
            data = b"".join(handle.buffer)
            handle.buffer, handle.buffered_samples = [], 0
            step = handle.rate * 2 * 2  # 2 s per message
            for i in range(0, len(data), step):
                worker.inbox.put(("audio", handle.id, data[i:i + step]))
            handle.sent_samples = len(data) // 2
        if handle.finishing:
            worker.inbox.put(("finish", handle.id))
        waited = time.monotonic() - handle.queued_at
        if waited > 0.5:
            log.info("stream %s bound to worker %d after %.1f s in the queue", handle.id, worker.index, waited)

    def _close(self, handle: StreamHandle) -> None:
        handle.closed = True
        if handle.worker is not None:
            self._workers[handle.worker].streams.discard(handle.id)
        self._streams.pop(handle.id, None)
        try:
            self._queue.remove(handle.id)
        except ValueError:
            pass
        self._deliver(handle, {"type": "closed"})
        self._schedule()

    def _deliver(self, handle: StreamHandle, event: dict[str, Any]) -> None:
        try:
            handle.on_event(event)
        except Exception:
            log.exception("stream %s: event handler failed", handle.id)

    # -- the reader thread ------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        last_check = 0.0
        while not self._stopping:
            outbox = self._outbox
            if outbox is None:
                return
            try:
                msg = outbox.get(timeout=0.25)
            except queue.Empty:
                msg = None
            except (EOFError, OSError, ValueError):
                return
            if msg is not None:
                try:
                    self._on_message(msg)
                except Exception:
                    log.exception("pool message %r failed", msg[:2])
            now = time.monotonic()
            if now - last_check >= 0.5:
                last_check = now
                self._check_workers()
                self._status_changed()

    def _on_message(self, msg: tuple) -> None:
        kind, index = msg[0], msg[1]
        worker = self._workers[index]
        if kind == "ready":
            with self._lock:
                worker.ready, worker.info = True, msg[2]
                self._schedule()
            log.info("ASR worker %d ready: %s", index, msg[2])
            self._status_changed()
        elif kind == "failed":
            with self._lock:
                worker.failed = msg[2]
                self.failures.append(msg[2])
                waiting = [self._streams[s] for s in list(self._queue) if s in self._streams]
                give_up = not any(w.ready for w in self._workers) and all(w.failed for w in self._workers)
            log.error("ASR worker %d could not load the engine: %s", index, msg[2])
            if give_up:  # no worker can ever serve the queued streams: end them with the reason
                for handle in waiting:
                    self._deliver(handle, {"type": "error", "message": f"语音识别引擎无法加载: {msg[2]}"})
                    with self._lock:
                        self._close(handle)
        elif kind == "results":
            handle = self._streams.get(msg[2])
            if handle is None:
                return
            for data in msg[3]:
                result = Result.from_dict(data)
                if handle.base_s:
                    result.start += handle.base_s
                    result.end += handle.base_s
                    if result.speech_end is not None:
                        result.speech_end += handle.base_s
                    for w in result.words:
                        w.start += handle.base_s
                        w.end += handle.base_s
                self._deliver(handle, {"type": "result", "result": result})
        elif kind == "progress":
            with self._lock:
                for sid, (taken, pending) in msg[2].items():
                    handle = self._streams.get(sid)
                    if handle is not None and handle.worker == index:
                        handle.taken_s, handle.pending_s = taken, pending
        elif kind == "error":
            handle = self._streams.get(msg[2])
            if handle is not None:
                log.error("ASR stream %s failed in worker %d: %s", msg[2], index, msg[3])
                self._deliver(handle, {"type": "error", "message": msg[3]})
        elif kind == "closed":
            with self._lock:
                handle = self._streams.get(msg[2])
                if handle is not None and handle.worker == index:
                    self._close(handle)
            self._status_changed()

    def _check_workers(self) -> None:
        """Restart a worker that died; its streams continue on a fresh recognizer (the utterance
        being spoken at the time is lost, everything final before it was already delivered)."""
        with self._lock:
            if self._stopping:
                return
            for worker in self._workers:
                if worker.process is None or worker.process.is_alive() or worker.failed:
                    continue
                log.error("ASR worker %d died (exit code %s); restarting", worker.index, worker.process.exitcode)
                worker.restarts += 1
                orphans = [self._streams[s] for s in worker.streams if s in self._streams]
                worker.streams.clear()
                self._spawn(worker)
                for handle in orphans:
                    handle.base_s += handle.sent_samples / handle.rate
                    handle.worker, handle.sent_samples, handle.taken_s, handle.pending_s = None, 0, 0.0, 0.0
                    handle.queued_at = time.monotonic()
                    self._queue.appendleft(handle.id)
                    self._deliver(handle, {"type": "error", "message": "语音识别进程异常重启，正在说的一句可能丢失 (worker restarted)"})

    # -- status -----------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        with self._lock:
            active = [h for h in self._streams.values() if h.worker is not None and not h.closed]
            queued = [h for h in self._streams.values() if h.worker is None and not h.closed]
            return {
                "engine": self.engine,
                "workers": len(self._workers),
                "busy_workers": sum(1 for w in self._workers if w.streams),
                "active_streams": len(active),
                "queued_streams": len(queued),
                "max_streams_per_worker": self.streams_per_worker,
                "backlog_seconds": round(sum(h.backlog_s() for h in self._streams.values() if not h.closed), 1),
                "ready_workers": sum(1 for w in self._workers if w.ready),
                "started": self._started,
            }

    def _status_changed(self) -> None:
        if self.on_status is None:
            return
        status = self.status()
        last = self._last_status
        if last is not None and all(status[k] == last[k] for k in status if k != "backlog_seconds") \
                and abs(status["backlog_seconds"] - last["backlog_seconds"]) < 0.5:
            return
        self._last_status = status
        try:
            self.on_status(status)
        except Exception:
            log.exception("status callback failed")
