"""Re-key the audit chain (issue 18, items 2 and 3).

Entries written before this revision are chained with plain SHA-256, and the SHA-256 of the raw
text some of them carry (`data.sha256`) went through the redactor, which broke about 2.4 % of
them (d064f12e【电话】fa6c...). This revision, in one transaction:
1. verifies the old chain (plain SHA-256) and refuses to go on if it does not hold, naming the
   entry: a tampered log is never laundered into a valid keyed one;
2. replaces each `data.sha256` by `data.text_hmac`, the HMAC of the raw text under the audit key:
   the raw text is the utterance's current text or one of its revisions, the one whose SHA-256
   matches the stored digest (placeholders such as 【电话】 matched as wildcards); when none
   matches, `text_hmac` is null and `text_hmac_unrecovered` is true. A redacted attachment digest
   (`referral.record`) is restored from `referral_record.sha256`;
3. recomputes every entry's hash and the head as HMAC-SHA256 (hotline.audit.service), with the
   append-only triggers lifted only for the duration.
The key comes from the settings that run the migration (`hotline db upgrade`).

Revision ID: 0007_audit_hmac
Revises: 0006_wechat
"""
from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from alembic import context, op

revision = "0007_audit_hmac"
down_revision = "0006_wechat"
branch_labels = None
depends_on = None

_PLACEHOLDER = re.compile(r"【[^】]*】")


def _key() -> bytes:
    key = context.config.attributes.get("audit_key")
    if key is None:
        from hotline.audit import keys
        from hotline.config import get_settings

        key = keys.load_key(get_settings())
    return key


def _matches(stored: str, raw: str) -> bool:
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    if stored == digest:
        return True
    parts = _PLACEHOLDER.split(stored)
    return len(parts) > 1 and re.fullmatch("[0-9a-f]+".join(map(re.escape, parts)), digest) is not None


def _candidates(conn, utterance_id: str) -> list[str]:  # noqa: ANN001
    if not utterance_id.isdigit():
        return []
    out = conn.execute(sa.text("SELECT text FROM utterance WHERE id = :i"), {"i": int(utterance_id)}).scalars().all()
    for snap in conn.execute(sa.text("SELECT snapshot FROM revision WHERE entity = 'utterance' AND entity_id = :i"),
                             {"i": int(utterance_id)}).scalars():
        if isinstance(snap, str):
            import json

            snap = json.loads(snap)
        if isinstance(snap, dict) and isinstance(snap.get("text"), str):
            out.append(snap["text"])
    return out


def _guards(conn, on: bool) -> None:  # noqa: ANN001
    """Lift the append-only triggers of 0002_audit_append_only, or put them back (also where
    someone had removed them)."""
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry")
        if on:
            op.execute("CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
                       "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_entry_no_{verb.lower()}")
        if on:
            op.execute(f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                       f"BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END")


def upgrade() -> None:
    from hotline.audit import keys
    from hotline.audit.models import AuditEntry, AuditHead
    from hotline.audit.service import GENESIS, HASHED, canonical

    conn = op.get_bind()
    key = _key()
    table, head_table = AuditEntry.__table__, AuditHead.__table__
    rows = [dict(r) for r in conn.execute(table.select().order_by(table.c.seq)).mappings()]
    prev, expected = GENESIS, 1
    for row in rows:  # 1. the old chain holds
        fields = {name: row[name] for name in HASHED}
        if (row["seq"] != expected or row["prev_hash"] != prev
                or hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest() != row["hash"]):
            raise RuntimeError(f"audit log broken at seq={row['seq']} id={row['id']}; not re-keying it "
                               "(investigate with the previous release's `hotline audit verify`)")
        prev, expected = row["hash"], expected + 1
    if not rows:
        return
    _guards(conn, on=False)
    prev = GENESIS
    for row in rows:
        data = row["data"]
        if isinstance(data, dict) and isinstance(data.get("sha256"), str) and row["entity"] == "utterance":
            stored = data.pop("sha256")  # 2. the digest, as an HMAC of the raw text
            raw = next((t for t in _candidates(conn, row["entity_id"]) if _matches(stored, t)), None)
            data["text_hmac"] = keys.mac(key, raw) if raw is not None else None
            if raw is None:
                data["text_hmac_unrecovered"] = True
        elif isinstance(data, dict) and _PLACEHOLDER.search(str(data.get("sha256") or "")) and data.get("record_id"):
            data["sha256"] = conn.execute(sa.text("SELECT sha256 FROM referral_record WHERE id = :i"),
                                          {"i": int(data["record_id"])}).scalar()  # an attachment's digest
        row["data"], row["prev_hash"] = data, prev
        row["hash"] = keys.mac(key, canonical({name: row[name] for name in HASHED}))  # 3. keyed
        conn.execute(table.update().where(table.c.id == row["id"]).values(
            data=row["data"], prev_hash=row["prev_hash"], hash=row["hash"]))
        prev = row["hash"]
    conn.execute(head_table.update().where(head_table.c.id == 1).values(seq=rows[-1]["seq"], hash=prev))
    _guards(conn, on=True)


def downgrade() -> None:
    raise NotImplementedError("the audit chain cannot be un-keyed (the plain digests are gone)")
