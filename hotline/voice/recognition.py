"""The app's recognizer pool: started on first use (the first call, not every app start: the
model is loaded only where calls are taken), its state published on bus topic `asr`."""
from __future__ import annotations

import logging
import threading
from typing import Any

from asr.pool import RecognizerPool
from asr.settings import EngineConfigError, engine_spec
from hotline.events import bus
from hotline.privacy import install_log_redaction

log = logging.getLogger("hotline.voice")


class Recognition:
    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self._pool: RecognizerPool | None = None
        self._lock = threading.Lock()
        self.error = ""

    def pool(self) -> RecognizerPool:
        """The running pool (started now if needed). Raises EngineConfigError if misconfigured."""
        with self._lock:
            if self._pool is None:
                try:
                    name, model, options = engine_spec(self.settings)
                except EngineConfigError as exc:
                    self.error = str(exc)
                    log.error("speech recognition unavailable: %s", exc)
                    raise
                self._pool = RecognizerPool(name, str(model), options, workers=self.settings.asr_workers,
                                            streams_per_worker=self.settings.asr_streams_per_worker,
                                            on_status=self._publish, log_setup=install_log_redaction).start()
            return self._pool

    def warm_up(self) -> None:
        """Start loading the model (a call is coming in) without failing the caller's request."""
        try:
            self.pool()
        except EngineConfigError:
            pass

    def status(self) -> dict[str, Any]:
        if self._pool is not None:
            return self._pool.status()
        return {"engine": self.settings.asr_engine, "workers": self.settings.asr_workers, "busy_workers": 0,
                "active_streams": 0, "queued_streams": 0,
                "max_streams_per_worker": self.settings.asr_streams_per_worker, "backlog_seconds": 0.0,
                "ready_workers": 0, "started": False, **({"error": self.error} if self.error else {})}

    def _publish(self, status: dict[str, Any]) -> None:
        bus.publish("asr", {"type": "asr_status", **status})

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
            log.info("speech recognition stopped")
