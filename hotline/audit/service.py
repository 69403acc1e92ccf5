"""Append to and verify the hash-chained audit log.

Each entry's hash is an HMAC-SHA256, under a key kept outside the database (hotline.audit.keys),
of its own fields and the previous entry's hash, so changing, inserting or deleting any entry
breaks the chain from that point on, and only a holder of the key can recompute it. Signed
checkpoints of the head, written outside the database (hotline.audit.checkpoint), catch a
rewound tail and a chain recomputed by someone who has the key. Entries hold redacted text only
(see `hotline.privacy`; digests and ids are never redacted); the raw record stays in the case
tables, and an entry may carry an HMAC of the raw text it refers to (`text_digest`) so the
record itself can be checked against the log.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from hotline.audit import keys
from hotline.audit.models import AuditEntry, AuditHead
from hotline.privacy import redact_value
from hotline.timeutil import as_utc, utcnow

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def text_digest(session: Session, text: str) -> str:
    """HMAC-SHA256 of raw text under the audit key: lets the holder of the key check a record
    against its entry; unlike a plain SHA-256, a short message cannot be guessed from it."""
    return keys.mac(keys.key_for(session.get_bind()), text)


HASHED = ("seq", "occurred_at", "recorded_at", "actor", "action", "entity", "entity_id", "case_id", "contact_id",
          "before", "after", "data", "prev_hash")


def canonical(fields: dict[str, Any]) -> str:
    """The text an entry's hash covers: its HASHED fields as sorted, compact JSON."""
    body = {key: fields[key] for key in HASHED}
    body["occurred_at"] = fields["occurred_at"].isoformat()
    body["recorded_at"] = fields["recorded_at"].isoformat()
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _hash_fields(fields: dict[str, Any], key: bytes) -> str:
    return keys.mac(key, canonical(fields))


def entry_hash(entry: AuditEntry, key: bytes) -> str:
    return _hash_fields({name: getattr(entry, name) for name in HASHED}, key)


_HEAD_TABLE = AuditHead.__table__
_HEAD_SELECT = select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash).where(_HEAD_TABLE.c.id == 1).with_for_update()
_HEAD_UPDATE = _HEAD_TABLE.update().where(_HEAD_TABLE.c.id == 1).values(seq=bindparam("new_seq"),
                                                                       hash=bindparam("new_hash"))
_ENTRY_INSERT = AuditEntry.__table__.insert()


def record(
    session: Session,
    *,
    action: str,
    actor: str,
    entity: str = "",
    entity_id: Any = "",
    case_id: int | None = None,
    contact_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> int:
    """Append one entry in the caller's transaction (committed with the change it records);
    returns its sequence number. Plain statements, not ORM objects: every routing step and
    utterance writes one, so the append is kept cheap (the head row is still locked first, so
    the chain cannot fork)."""
    session.flush()  # the change being logged (and any row the entry refers to) is written first
    conn = session.connection()
    head = conn.execute(_HEAD_SELECT).first()
    if head is None:
        conn.execute(_HEAD_TABLE.insert(), {"id": 1, "seq": 0, "hash": GENESIS})
        seq, prev_hash = 0, GENESIS
    else:
        seq, prev_hash = head
    now = utcnow()
    fields = {
        "seq": seq + 1,
        # hashed as it is read back: aware UTC (a +08:00 time, or a naive one taken as UTC)
        "occurred_at": as_utc(occurred_at) or now,
        "recorded_at": now,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id) if entity_id is not None else "",
        "case_id": case_id,
        "contact_id": contact_id,
        "before": _jsonable(redact_value(before)),
        "after": _jsonable(redact_value(after)),
        "data": _jsonable(redact_value(data)),
        "prev_hash": prev_hash,
    }
    fields["hash"] = _hash_fields(fields, keys.key_for(session.get_bind()))
    conn.execute(_ENTRY_INSERT, fields)
    conn.execute(_HEAD_UPDATE, {"new_seq": fields["seq"], "new_hash": fields["hash"]})
    return fields["seq"]


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS


def record_update(session: Session, row: Any, changes: dict[str, Any], *, action: str, actor: str,
                  entity: str, entity_id: Any, **fields: Any) -> int:
    """Apply `changes` to `row` and log them, with the values they replace as `before` and the
    changes as `after` (the pattern of every audited edit of a settings row)."""
    before = {key: getattr(row, key) for key in changes}
    for key, value in changes.items():
        setattr(row, key, value)
    session.add(row)
    return record(session, action=action, actor=actor, entity=entity, entity_id=entity_id, before=before,
                  after=changes, **fields)


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start; report the first entry that does not hold."""
    key = keys.key_for(session.get_bind())
    prev_hash, expected_seq, checked, last_id = GENESIS, 1, 0, 0
    while True:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for entry in rows:
            last_id = entry.id
            if entry.seq != expected_seq:
                return VerifyResult(False, checked, entry.seq, entry.id,
                                    f"sequence gap: expected {expected_seq}, found {entry.seq}")
            if entry.prev_hash != prev_hash:
                return VerifyResult(False, checked, entry.seq, entry.id, "previous-hash link broken")
            if entry_hash(entry, key) != entry.hash:
                return VerifyResult(False, checked, entry.seq, entry.id, "content does not match its hash")
            prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return VerifyResult(False, checked, checked + 1, None,
                            f"entries missing at the end: head says {head.seq}, chain has {checked}")
    return VerifyResult(True, checked, head_seq=checked, head_hash=prev_hash)


def entry_at(session: Session, seq: int) -> AuditEntry | None:
    return session.execute(select(AuditEntry).where(AuditEntry.seq == seq)).scalar_one_or_none()


def entries_for(session: Session, *, case_id: int | None = None, contact_id: int | None = None,
                action_prefix: str | None = None, limit: int = 1000) -> list[AuditEntry]:
    query = select(AuditEntry)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    if contact_id is not None:
        query = query.where(AuditEntry.contact_id == contact_id)
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix))
    return list(session.execute(query.order_by(AuditEntry.seq).limit(limit)).scalars())
