"""Web security helpers: the login page's `next` (same-origin paths only)."""
from __future__ import annotations

import re

# A same-origin path: one leading "/", then not "/" or "\" (which browsers read as a host),
# and no control characters or spaces (browsers strip tabs and newlines before parsing).
_SAFE_PATH = re.compile(r"/(?![/\\])[^\s\x00-\x1f\x7f\\]*")


def safe_next(value: str | None) -> str:
    """`value` when it is a same-origin path, else "" (the caller then uses the role's home)."""
    if not value or not _SAFE_PATH.fullmatch(value):
        return ""
    return value


# --- headers, origins (issue 18, items 8 and 9) --------------------------------------------------
from urllib.parse import urlsplit  # noqa: E402

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    # frame-ancestors, objects and base; script-src is not restricted yet (console.html has one
    # inline configuration script; see docs/security.md)
    (b"content-security-policy", b"frame-ancestors 'none'; object-src 'none'; base-uri 'self'"),
]
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def cookie_secure(settings) -> bool:  # noqa: ANN001
    """Session cookies are Secure when configured, and always when the public URL is https."""
    return bool(settings.cookie_secure or settings.public_url.lower().startswith("https://"))


def _origin_allowed(origin: str, host: str, public_url: str) -> bool:
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    if parts.netloc.lower() == host.lower():
        return True
    public = urlsplit(public_url) if public_url else None
    return bool(public and public.netloc and (parts.scheme, parts.netloc.lower()) == (public.scheme, public.netloc.lower()))


class SecurityMiddleware:
    """Pure ASGI: security headers on every HTTP answer; a state-changing request or a WebSocket
    whose Origin is another site's is refused (403; the socket is closed before it is accepted).
    Requests without an Origin (Twilio, curl, the tests' clients) are let through: browsers send
    one on every cross-origin POST and WebSocket."""

    def __init__(self, app, public_url: str = "") -> None:  # noqa: ANN001
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        checked = scope["type"] == "websocket" or scope.get("method") in UNSAFE_METHODS
        if checked and origin is not None and not _origin_allowed(origin, headers.get("host", ""), self.public_url):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4403})
                return
            body = b'{"detail":"\xe8\xaf\xb7\xe6\xb1\x82\xe6\x9d\xa5\xe6\xba\x90\xe4\xb8\x8d\xe5\x85\x81\xe8\xae\xb8 (cross-origin request refused)"}'
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"), *HEADERS]})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)
