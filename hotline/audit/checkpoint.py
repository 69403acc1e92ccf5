"""Signed checkpoints of the audit chain's head, written outside the database.

A checkpoint is one JSON line `{"seq", "hash", "at", "sig"}` appended (and fsynced) to
`HOTLINE_AUDIT_CHECKPOINT_FILE` (default var_dir/audit-checkpoints.jsonl) and, with
`HOTLINE_AUDIT_CHECKPOINT_SYSLOG`, sent to syslog; `sig` is an HMAC under the audit key (domain
separated from the entry hashes). `hotline audit checkpoint` writes one; the server writes one
every `audit_checkpoint_every_s` when the head has moved. `verify` walks the chain and then
holds it against every checkpoint: a tail deleted with `audit_head` rewound, or a chain
recomputed from some entry on (by someone holding the key), no longer reaches or matches what
was checkpointed. See docs/audit.md for what this proves and what it does not.
"""
from __future__ import annotations

import asyncio
import json
import logging
import logging.handlers
import os
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from hotline.audit import keys
from hotline.audit import service as audit
from hotline.audit.models import AuditHead
from hotline.config import Settings
from hotline.timeutil import utcnow

log = logging.getLogger(__name__)


class CheckpointError(RuntimeError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    line: int = 0  # line number in the file (1-based)


def checkpoint_path(settings: Settings) -> Path:
    return settings.audit_checkpoint_file or (settings.var_dir / "audit-checkpoints.jsonl")


def _sig(key: bytes, seq: int, head_hash: str, at: str) -> str:
    return keys.mac(key, f"hotline-audit-checkpoint|{seq}|{head_hash}|{at}")


def read_checkpoints(settings: Settings, key: bytes) -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first; a line that is not a correctly signed
    checkpoint raises CheckpointError naming it."""
    path = checkpoint_path(settings)
    if not path.exists():
        return []
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            cp = Checkpoint(int(item["seq"]), str(item["hash"]), str(item["at"]), number)
            good = item["sig"] == _sig(key, cp.seq, cp.hash, cp.at)
        except (ValueError, KeyError, TypeError):
            good = False
        if not good:
            raise CheckpointError(f"checkpoint file {path} line {number} is not a valid signed checkpoint")
        out.append(cp)
    return out


def check(session: Session, settings: Settings) -> audit.VerifyResult:
    """The chain's own check, then the chain against every checkpoint: the first entry that
    does not hold, or that a checkpoint shows was removed or rewritten."""
    key = keys.key_for(session.get_bind())
    result = audit.verify(session)
    if not result.ok:
        return result
    last_good = 0
    for cp in sorted(read_checkpoints(settings, key), key=lambda c: c.seq):
        if cp.seq > result.head_seq:
            return audit.VerifyResult(
                False, result.checked, result.head_seq + 1, None,
                f"entries missing at the end: the checkpoint of {cp.at} records seq {cp.seq}, "
                f"the chain ends at {result.head_seq} (tail removed and head rewound)")
        entry = audit.entry_at(session, cp.seq) if cp.seq else None
        actual = entry.hash if entry is not None else audit.GENESIS
        if actual != cp.hash:
            first = last_good + 1
            where = f"seq {first}" if first == cp.seq else f"seq {first}..{cp.seq}"
            return audit.VerifyResult(
                False, first - 1, first, entry.id if entry is not None and first == cp.seq else None,
                f"chain rewritten and recomputed: entry seq={cp.seq} differs from the checkpoint of "
                f"{cp.at}; the first changed entry is {where}")
        last_good = cp.seq
    return result


def write(session: Session, settings: Settings, *, only_if_moved: bool = False) -> Checkpoint | None:
    """Verify the chain (against the earlier checkpoints too) and append a signed checkpoint of
    its head. A broken chain is never checkpointed (CheckpointError). With `only_if_moved`,
    nothing is written when the head is where the latest checkpoint has it."""
    key = keys.key_for(session.get_bind())
    result = check(session, settings)
    if not result.ok:
        raise CheckpointError(f"audit chain broken at seq={result.broken_seq}: {result.reason}")
    head = session.get(AuditHead, 1)
    seq, head_hash = (head.seq, head.hash) if head is not None else (0, audit.GENESIS)
    if only_if_moved:
        earlier = read_checkpoints(settings, key)
        if earlier and earlier[-1].seq == seq:
            return None
    at = utcnow().isoformat()
    line = json.dumps({"seq": seq, "hash": head_hash, "at": at, "sig": _sig(key, seq, head_hash, at)})
    path = checkpoint_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if settings.audit_checkpoint_syslog:
        _syslog(line)
    return Checkpoint(seq, head_hash, at)


def _syslog(line: str) -> None:
    handler = logging.handlers.SysLogHandler(address="/dev/log")
    try:
        handler.emit(logging.LogRecord("hotline.audit", logging.INFO, __file__, 0, "audit-checkpoint %s",
                                       (line,), None))
    finally:
        handler.close()


def install(app) -> None:  # noqa: ANN001
    """The server's checkpoint loop (every audit_checkpoint_every_s; 0 turns it off)."""
    from hotline import periodic
    from hotline.database import session_scope

    state = app.state
    every = state.settings.audit_checkpoint_every_s

    def once() -> None:
        with session_scope(state.engine) as session:
            write(session, state.settings, only_if_moved=True)

    async def step() -> None:
        await asyncio.to_thread(once)

    async def start(state_) -> None:  # noqa: ANN001
        state_.audit_checkpoint_task = periodic.every(every, step, "audit checkpoint") if every > 0 else None

    async def stop(state_) -> None:  # noqa: ANN001
        periodic.cancel(getattr(state_, "audit_checkpoint_task", None))

    state.startup_hooks.append(start)
    state.shutdown_hooks.append(stop)
