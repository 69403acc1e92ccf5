"""WeChat, as the hotline sees it, following the public protocol (used only by the tests):

- the push side: message XML signed as WeChat signs it (SHA-1 of the sorted token, timestamp and
  nonce), and in safe mode encrypted (AES-256-CBC with the EncodingAESKey, IV = the key's first
  16 bytes, PKCS#7 to 32 bytes, plaintext = 16 random bytes + length + XML + AppID) with
  `msg_signature` over the ciphertext too. Written here from the protocol, not with wechatpy,
  so the app's use of wechatpy is checked against an independent implementation.
- the API side, an HTTP server on 127.0.0.1 in a thread: `/cgi-bin/token`, `/cgi-bin/media/get`
  and `/cgi-bin/message/custom/send` (客服消息), with tokens that can be expired and a 48-hour
  window per openid.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APP_ID = "wx1234567890abcdef"
SECRET = "test-app-secret-0123456789abcdef"
TOKEN = "hotlineToken12348"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
HOTLINE_ID = "gh_12348hotline"


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _aes(key: str) -> tuple[bytes, bytes]:
    raw = base64.b64decode(key + "=")
    return raw, raw[:16]


def encrypt(xml: str, aes_key: str = AES_KEY, app_id: str = APP_ID) -> str:
    key, iv = _aes(aes_key)
    body = xml.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def decrypt(ciphertext: str, aes_key: str = AES_KEY) -> tuple[str, str]:
    """(xml, app id) of an encrypted reply."""
    key, iv = _aes(aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = dec.update(base64.b64decode(ciphertext)) + dec.finalize()
    plain = plain[:-plain[-1]]
    size = struct.unpack(">I", plain[16:20])[0]
    return plain[20:20 + size].decode(), plain[20 + size:].decode()


def message_xml(openid: str, msg_type: str, *, msg_id: int | None = None, create_time: int | None = None,
                **fields: str) -> str:
    parts = [f"<ToUserName><![CDATA[{HOTLINE_ID}]]></ToUserName>", f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
             f"<CreateTime>{create_time or int(time.time())}</CreateTime>", f"<MsgType><![CDATA[{msg_type}]]></MsgType>"]
    parts += [f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()]
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Media:
    content: bytes
    content_type: str
    filename: str


@dataclass
class WechatSim:
    """The WeChat server: push messages to the app, and answer its API calls."""

    app_url: str = ""  # the hotline's base URL
    account: str = "gd12348"
    token: str = TOKEN
    aes_key: str = AES_KEY
    app_id: str = APP_ID
    secret: str = SECRET
    media: dict[str, Media] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)  # customer-service messages received
    token_requests: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    last_inbound: dict[str, float] = field(default_factory=dict)  # openid → when they last wrote
    window_s: float = 48 * 3600
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the API server ---------------------------------------------------------------------------
    def start(self) -> "WechatSim":
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, data: dict[str, Any], status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/cgi-bin/token":
                    self._json(sim.issue_token(q))
                elif url.path == "/cgi-bin/media/get":
                    if q.get("access_token") not in sim.valid_tokens:
                        return self._json({"errcode": 42001, "errmsg": "access_token expired"})
                    media = sim.media.get(q.get("media_id", ""))
                    if media is None:
                        return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
                    self.send_response(200)
                    self.send_header("Content-Type", media.content_type)
                    self.send_header("Content-Disposition", f'attachment; filename="{media.filename}"')
                    self.send_header("Content-Length", str(len(media.content)))
                    self.end_headers()
                    self.wfile.write(media.content)
                else:
                    self._json({"errcode": 404, "errmsg": "unknown api"}, 404)

            def do_POST(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if url.path != "/cgi-bin/message/custom/send":
                    return self._json({"errcode": 404, "errmsg": "unknown api"}, 404)
                self._json(sim.custom_send(q.get("access_token", ""), body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def issue_token(self, q: dict[str, str]) -> dict[str, Any]:
        if q.get("grant_type") != "client_credential" or q.get("appid") != self.app_id or q.get("secret") != self.secret:
            return {"errcode": 40013, "errmsg": "invalid appid or secret"}
        with self.lock:
            self.token_requests += 1
            token = f"ACCESS_{self.token_requests}_{secrets.token_hex(8)}"
            self.valid_tokens = {token}  # a new token invalidates the previous one, as WeChat does
        return {"access_token": token, "expires_in": 7200}

    def expire_tokens(self) -> None:
        """Every issued token stops working (expired early, or fetched by someone else)."""
        with self.lock:
            self.valid_tokens = set()

    def custom_send(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        if token not in self.valid_tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        openid = body.get("touser", "")
        last = self.last_inbound.get(openid)
        if last is None or time.time() - last > self.window_s:
            return {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
        if body.get("msgtype") != "text" or not isinstance(body.get("text", {}).get("content"), str):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        with self.lock:
            self.sent.append(body)
        return {"errcode": 0, "errmsg": "ok"}

    # -- the push side ----------------------------------------------------------------------------
    def push(self, xml: str, *, safe: bool = False, signature: str | None = None, openid: str | None = None,
             http: httpx.Client | None = None) -> httpx.Response:
        """POST a message to the app as WeChat does (plain or safe mode)."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        params = {"timestamp": timestamp, "nonce": nonce, "signature": signature or sign(self.token, timestamp, nonce)}
        body = xml
        if safe:
            ciphertext = encrypt(xml, self.aes_key, self.app_id)
            params.update(encrypt_type="aes", msg_signature=signature or sign(self.token, timestamp, nonce, ciphertext),
                          openid=openid or "")
            body = f"<xml><ToUserName><![CDATA[{HOTLINE_ID}]]></ToUserName><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
        if openid:
            self.last_inbound[openid] = time.time()
        client = http or httpx.Client(timeout=30)
        return client.post(f"{self.app_url}/wechat/{self.account}", params=params, content=body.encode(),
                           headers={"Content-Type": "text/xml"})

    def verify_url(self, *, echostr: str = "echo-12348", signature: str | None = None) -> httpx.Response:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        params = {"timestamp": timestamp, "nonce": nonce, "echostr": echostr,
                  "signature": signature or sign(self.token, timestamp, nonce)}
        return httpx.get(f"{self.app_url}/wechat/{self.account}", params=params)

    def text(self, openid: str, content: str, msg_id: int, **kw: Any) -> httpx.Response:
        return self.push(message_xml(openid, "text", msg_id=msg_id, Content=escape(content)), openid=openid, **kw)

    def voice(self, openid: str, media_id: str, audio: bytes, msg_id: int, recognition: str = "",
              **kw: Any) -> httpx.Response:
        self.media[media_id] = Media(audio, "audio/amr", f"{media_id}.amr")
        fields = {"MediaId": media_id, "Format": "amr"}
        if recognition:
            fields["Recognition"] = recognition
        return self.push(message_xml(openid, "voice", msg_id=msg_id, **fields), openid=openid, **kw)

    def image(self, openid: str, media_id: str, content: bytes, msg_id: int, **kw: Any) -> httpx.Response:
        self.media[media_id] = Media(content, "image/png", f"{media_id}.png")
        return self.push(message_xml(openid, "image", msg_id=msg_id, MediaId=media_id,
                                     PicUrl=f"http://mmbiz.invalid/{media_id}"), openid=openid, **kw)

    def event(self, openid: str, event: str, key: str = "", create_time: int | None = None, **kw: Any) -> httpx.Response:
        fields = {"Event": event, **({"EventKey": key} if key else {})}
        return self.push(message_xml(openid, "event", create_time=create_time, **fields), openid=openid, **kw)
