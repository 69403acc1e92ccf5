"""Putting media frames back in order (a small jitter buffer).

Frames carry a running index (Twilio's per-track `chunk`, an RTP sequence number, ...) and
arrive possibly out of order, twice, or never. `FrameReorderer` releases payloads in index
order: it waits for a missing frame while at most `window` later frames are held, then fills
the hole with silence of one frame per missing index and moves on. Duplicates and frames
arriving after their slot was released are dropped and counted. Nothing here knows Twilio.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class FrameStats:
    received: int = 0
    released: int = 0
    duplicates: int = 0
    late: int = 0
    missing: int = 0  # frames replaced by silence
    reordered: int = 0  # frames that arrived before an earlier one

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class FrameReorderer:
    """`push(index, payload)` → payloads ready in order (silence for gaps)."""

    silence_byte: bytes = b"\xff"  # μ-law silence; use b"\x00" for linear PCM
    window: int = 10  # later frames held before a missing one is given up (10 × 20 ms = 200 ms)
    max_gap: int = 500  # a jump of more than this many frames (10 s) is a restart, not a loss
    frame_bytes: int = 0  # learned from the first frame when 0
    sample_width: int = 1
    first_index: int | None = None  # where the sender's count starts (Twilio's chunk: 1); None: learn it
    stats: FrameStats = field(default_factory=FrameStats)

    def __post_init__(self) -> None:
        self._next: int | None = self.first_index
        self._held: dict[int, bytes] = {}
        self._highest: int | None = None
        self._recent: deque[int] = deque(maxlen=256)  # released indexes, to tell duplicates from late frames

    def _silence(self, count: int) -> bytes:
        size = self.frame_bytes or 160
        unit = self.silence_byte * self.sample_width if len(self.silence_byte) == 1 else self.silence_byte
        return unit * (size * count // len(unit))

    def push(self, index: int, payload: bytes) -> list[bytes]:
        self.stats.received += 1
        if not self.frame_bytes and payload:
            self.frame_bytes = len(payload)
        if self._next is not None and index < self._next:
            if index in self._recent:
                self.stats.duplicates += 1
            else:
                self.stats.late += 1
            return []
        if index in self._held:
            self.stats.duplicates += 1
            return []
        if self._highest is not None and index < self._highest:
            self.stats.reordered += 1
        self._highest = index if self._highest is None else max(self._highest, index)
        self._held[index] = payload
        return self._release(final=False)

    def _release(self, final: bool) -> list[bytes]:
        out: list[bytes] = []
        if self._next is None:  # start unknown: wait for a window of frames, then start at the lowest
            if not self._held or (not final and len(self._held) <= self.window):
                return out
            self._next = min(self._held)
        while self._held:
            if self._next in self._held:
                out.append(self._held.pop(self._next))
                self._recent.append(self._next)
                self._next += 1
                self.stats.released += 1
                continue
            if not final and len(self._held) <= self.window:
                break
            # give up on the missing frame(s): silence up to the earliest held one
            first = min(self._held)
            gap = first - self._next
            if gap > self.max_gap:
                gap = 0  # the sender restarted its counter far ahead: no silence, just continue
            if gap:
                out.append(self._silence(gap))
                self.stats.missing += gap
            self._next = first
        return out

    def flush(self) -> list[bytes]:
        """At the end of the stream: everything held, holes filled."""
        return self._release(final=True)

    @property
    def held(self) -> int:
        return len(self._held)
