"""A small synchronous chat client speaking the citizen WebSocket protocol (for tests)."""
from __future__ import annotations

import json
import uuid
from typing import Any

from websockets.sync.client import connect


class ChatClient:
    def __init__(self, ws_url: str, resume_token: str | None = None, chat_token: str | None = None,
                 language: str | None = None) -> None:
        self.ws = connect(f"{ws_url}/ws/chat", max_size=2**24, open_timeout=10)
        hello = {"type": "hello", "resume_token": resume_token, "chat_token": chat_token}
        if language:
            hello["language"] = language
        self.send(hello)
        self.session = self.expect("session")

    def send(self, frame: dict[str, Any]) -> None:
        self.ws.send(json.dumps(frame, ensure_ascii=False))

    def recv(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def expect(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """The next frame of `kind` (other frames before it are skipped)."""
        while True:
            frame = self.recv(timeout)
            if frame["type"] == kind:
                return frame

    def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        client_id = client_id or uuid.uuid4().hex
        self.send({"type": "message", "client_id": client_id, "text": text})
        frame = self.recv()
        while frame["type"] not in ("ack", "error"):  # replies, routing and queue notices may come first
            frame = self.recv()
        assert frame["type"] == "ack" and frame["client_id"] == client_id, frame
        return frame

    def close(self) -> None:
        self.ws.close()
