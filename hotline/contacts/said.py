"""The work that follows a citizen's utterance (suggestions, then routing), off the event loop.

The channel acknowledges the citizen as soon as the utterance is committed; everything here runs
afterwards, in a bounded pool of threads (`HOTLINE_ASSIST_WORKERS`, default the machine's cores),
never on the event loop and never in the thread pool the acknowledgements' writes use.

- One job per contact at a time. An utterance that arrives while its contact waits or is being
  worked on joins that contact's next job (which reads the latest texts anyway), so a chatty
  citizen costs one search per round, not one per message.
- The queue is bounded (`HOTLINE_ASSIST_QUEUE` contacts waiting). Past it, a contact's job runs
  without the knowledge-base search (suggestions skipped, routing still done: no contact is
  left unqueued), and the fact is logged; a job that starts more than `LATE_S` after its
  utterance was stored is logged as late. Acknowledgements never wait for any of it.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("hotline.contacts.said")
LATE_S = 1.0  # a job that waited longer than this is counted (and logged) as late
LOG_EVERY_S = 10.0  # late and skipped jobs are logged at most this often, with their counts

Job = Callable[[int, int, bool], Any]  # (contact_id, utterance_id, search) → result


class _Waiting:
    __slots__ = ("utterance_id", "since", "futures")

    def __init__(self, utterance_id: int, since: float) -> None:
        self.utterance_id, self.since, self.futures = utterance_id, since, []


class SaidQueue:
    """Bounded, per-contact coalescing queue in front of a thread pool. Used from the event loop
    only (submit, and the completions it schedules there); the job runs in the pool."""

    def __init__(self, job: Job, workers: int = 0, limit: int = 200) -> None:
        self.job = job
        self.workers = workers or os.cpu_count() or 1
        self.limit = max(1, limit)
        self.executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="hotline-said")
        self.busy: set[int] = set()  # contacts whose job runs now
        self.waiting: OrderedDict[int, _Waiting] = OrderedDict()  # contact → its next job, oldest first
        self.counts = {"done": 0, "late": 0, "skipped": 0, "failed": 0}
        self._logged = {"late": 0, "skipped": 0}
        self._last_log = 0.0

    def submit(self, contact_id: int, utterance_id: int) -> asyncio.Future:
        """Schedule the work for this utterance; the future completes when a job that covers it
        (this one or a later utterance's of the same contact) is done."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        entry = self.waiting.get(contact_id)
        if entry is None:
            entry = self.waiting[contact_id] = _Waiting(utterance_id, time.monotonic())
        entry.utterance_id = max(entry.utterance_id, utterance_id)
        entry.futures.append(future)
        self._pump(loop)
        return future

    @property
    def depth(self) -> int:
        return len(self.waiting)

    def stats(self) -> dict[str, int]:
        return {"workers": self.workers, "running": len(self.busy), "waiting": len(self.waiting), **self.counts}

    def _next(self) -> int | None:
        for contact_id in self.waiting:
            if contact_id not in self.busy:
                return contact_id
        return None

    def _pump(self, loop: asyncio.AbstractEventLoop) -> None:
        while len(self.busy) < self.workers:
            contact_id = self._next()
            if contact_id is None:
                return
            search = len(self.waiting) <= self.limit  # over the bound: route now, no search
            entry = self.waiting.pop(contact_id)
            waited = time.monotonic() - entry.since
            if not search:
                self.counts["skipped"] += 1
            elif waited > LATE_S:
                self.counts["late"] += 1
            self._maybe_log()
            self.busy.add(contact_id)
            done = loop.run_in_executor(self.executor, self.job, contact_id, entry.utterance_id, search)
            done.add_done_callback(lambda f, c=contact_id, e=entry: self._finished(loop, c, e, f))

    def _finished(self, loop: asyncio.AbstractEventLoop, contact_id: int, entry: _Waiting, done: Any) -> None:
        self.busy.discard(contact_id)
        if done.cancelled():
            exc: BaseException | None = asyncio.CancelledError()
        else:
            exc = done.exception()
        if exc is None:
            self.counts["done"] += 1
        else:
            self.counts["failed"] += 1
            if not isinstance(exc, asyncio.CancelledError):
                log.error("work after an utterance of contact %s failed", contact_id, exc_info=exc)
        for future in entry.futures:
            if not future.done():
                future.set_result(None if exc else done.result())
        if not loop.is_closed():
            self._pump(loop)

    def _maybe_log(self) -> None:
        now = time.monotonic()
        if now - self._last_log < LOG_EVERY_S:
            return
        late = self.counts["late"] - self._logged["late"]
        skipped = self.counts["skipped"] - self._logged["skipped"]
        if late or skipped:
            log.warning("suggestion work behind: %d job(s) started over %.0f s late, %d searched not at all "
                        "(over %d contacts waiting); %d waiting now", late, LATE_S, skipped, self.limit,
                        len(self.waiting))
            self._logged = {"late": self.counts["late"], "skipped": self.counts["skipped"]}
            self._last_log = now

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        for entry in self.waiting.values():
            for future in entry.futures:
                if not future.done():
                    future.cancel()
        self.waiting.clear()
