"""Rate limits for citizen sockets: token buckets per socket and per client address.

A bucket holds up to `burst` tokens and gains `rate` per second; each frame takes one. A frame
that finds no token is refused (the socket gets a `rate_limited` error frame saying when to
retry) and nothing of it is stored, so a client that resends later loses nothing. Used on the
event loop only (no locks)."""
from __future__ import annotations

import time


class TokenBucket:
    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: int, now: float | None = None) -> None:
        self.rate, self.burst = rate, max(1, burst)
        self.tokens = float(self.burst)
        self.stamp = time.monotonic() if now is None else now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, now: float) -> float:
        """0 if a token was taken; else the seconds until one is there (nothing taken)."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst


class AddressLimits:
    """One bucket per client address, shared by that address's sockets. Buckets that have
    refilled completely are forgotten (checked when the table grows), so memory follows the
    addresses active in the last `burst / rate` seconds."""

    PRUNE_AT = 10_000

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, TokenBucket] = {}
        self._prune_at = self.PRUNE_AT

    def take(self, address: str, now: float) -> float:
        if self.rate <= 0:
            return 0.0
        bucket = self.buckets.get(address)
        if bucket is None:
            if len(self.buckets) >= self._prune_at:
                self.prune(now)
            bucket = self.buckets[address] = TokenBucket(self.rate, self.burst, now)
        return bucket.take(now)

    def prune(self, now: float) -> None:
        self.buckets = {a: b for a, b in self.buckets.items() if not b.full(now)}
        self._prune_at = max(self.PRUNE_AT, 2 * len(self.buckets))


class SocketLimit:
    """The limits one citizen socket is held to: its own bucket, then its address's."""

    def __init__(self, settings, addresses: AddressLimits, address: str) -> None:  # noqa: ANN001
        rate = settings.chat_rate_per_socket
        self.bucket = TokenBucket(rate, settings.chat_burst_per_socket) if rate > 0 else None
        self.addresses, self.address = addresses, address
        self.refused = 0

    def check(self) -> tuple[str, float] | None:
        """None when the frame may go on; else (which limit, seconds until it would pass)."""
        now = time.monotonic()
        if self.bucket is not None:
            wait = self.bucket.take(now)
            if wait:
                self.refused += 1
                return "socket", wait
        wait = self.addresses.take(self.address, now)
        if wait:
            if self.bucket is not None:  # the socket's token was not used: give it back
                self.bucket.tokens = min(self.bucket.burst, self.bucket.tokens + 1)
            self.refused += 1
            return "address", wait
        return None
