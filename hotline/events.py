"""In-process publish/subscribe bus for live updates to WebSocket clients.

The interface is two calls, `publish(topic, event)` and `subscribe(*topics)`, so a Redis-backed
bus can replace this one when several workers run. Events are notifications: the database is
the record, so a subscriber that falls behind loses events, never data (its queue is bounded
and the oldest events are dropped).
"""
from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

QUEUE_LIMIT = 1000


class Subscription:
    def __init__(self, bus: "EventBus", topics: tuple[str, ...]) -> None:
        self.bus = bus
        self.topics = topics
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_LIMIT)

    def _put(self, event: dict[str, Any]) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    def deliver(self, event: dict[str, Any]) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._put(event)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._put, event)

    async def get(self, timeout: float | None = None) -> dict[str, Any]:
        return await asyncio.wait_for(self.queue.get(), timeout)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.queue.get()


class EventBus:
    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        """Deliver `event` (a JSON-able dict) to every subscriber of `topic`; thread-safe."""
        event = {"topic": topic, **event}
        with self._lock:
            subs = list(self._subs.get(topic, ()))
        for sub in subs:
            sub.deliver(event)

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[Subscription]:
        sub = Subscription(self, topics)
        with self._lock:
            for topic in topics:
                self._subs[topic].add(sub)
        try:
            yield sub
        finally:
            with self._lock:
                for topic in topics:
                    self._subs[topic].discard(sub)
                    if not self._subs[topic]:
                        del self._subs[topic]

    def add_topics(self, sub: Subscription, *topics: str) -> None:
        with self._lock:
            for topic in topics:
                self._subs[topic].add(sub)
        sub.topics = tuple(set(sub.topics) | set(topics))

    def remove_topics(self, sub: Subscription, *topics: str) -> None:
        with self._lock:
            for topic in topics:
                self._subs[topic].discard(sub)
        sub.topics = tuple(t for t in sub.topics if t not in topics)


bus = EventBus()
