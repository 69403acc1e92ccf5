"""The audit log's secret key, kept outside the database.

`HOTLINE_AUDIT_KEY` (the key itself) or the file `HOTLINE_AUDIT_KEY_FILE` (default
var_dir/audit.key, created with a random key, mode 0600, the first time it is needed). Entry
hashes, text digests and checkpoints are HMAC-SHA256 under this key, so someone who can write
to the database but cannot read the key cannot recompute a valid chain. Each engine made by
`hotline.database.get_engine` registers the key of its settings under its URL; the audit code
finds it from the session's bind.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from hotline.config import Settings

_by_url: dict[str, bytes] = {}


class AuditKeyError(RuntimeError):
    pass


def key_path(settings: Settings) -> Path:
    return settings.audit_key_file or (settings.var_dir / "audit.key")


def load_key(settings: Settings) -> bytes:
    """The key from the environment setting, else from its file (created if missing)."""
    if settings.audit_key:
        return settings.audit_key.encode("utf-8")
    path = key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
    key = path.read_text().strip()
    if len(key) < 32:
        raise AuditKeyError(f"audit key in {path} is shorter than 32 characters")
    return key.encode("utf-8")


def _url(bind: Any) -> str:
    url = getattr(bind, "url", bind)
    return url.render_as_string(hide_password=False) if hasattr(url, "render_as_string") else str(url)


def register(url: Any, settings: Settings) -> bytes:
    key = load_key(settings)
    _by_url[_url(url)] = key
    return key


def key_for(bind: Any) -> bytes:
    """The key registered for this engine or connection's database."""
    try:
        return _by_url[_url(getattr(bind, "engine", bind))]
    except KeyError:
        raise AuditKeyError("no audit key registered for this database (open it with "
                            "hotline.database.get_engine(settings))") from None


def mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()
