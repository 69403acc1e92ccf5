"""The queue: presence, offers, callbacks, wrap-up, transfer, its timers and the real-time state."""
