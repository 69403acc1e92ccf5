"""Digests, ids and hashes in audit entries are never redacted, the text digest is an HMAC, and
migration 0007_audit_hmac repairs entries written before (issue 18, item 3)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import text

from hotline.audit import keys
from hotline.audit import service as audit
from hotline.contacts import service as contacts
from hotline.database import get_engine, session_scope, upgrade
from hotline.privacy import redact, redact_value
from tests.conftest import run_cli

# A SHA-256 whose hex holds a run the phone pattern matches (13xxxxxxxxx between letters).
PHONE_IN_HEX = "d064f12e13812345678fa6c" + "0" * 41


def test_redaction_leaves_digests_and_ids_alone() -> None:
    assert redact(PHONE_IN_HEX) != PHONE_IN_HEX  # what went wrong before: the redactor ran over it
    value = {"sha256": PHONE_IN_HEX, "hash": PHONE_IN_HEX.upper(), "nested": [PHONE_IN_HEX],
             "text": "电话13812345678"}
    out = redact_value(value)
    assert out["sha256"] == PHONE_IN_HEX and out["hash"] == PHONE_IN_HEX.upper() and out["nested"] == [PHONE_IN_HEX]
    assert out["text"] == "电话【手机号】"


def test_utterance_digest_is_an_hmac_that_checks_the_record(settings, engine) -> None:  # noqa: ANN001
    with session_scope(engine) as session:
        contact, _ = contacts.start_chat(session)
        utt, _ = contacts.add_utterance(session, contact, speaker="citizen", text="好")
        entry = audit.entries_for(session, action_prefix="utterance.stored")[0]
        digest = entry.data["text_hmac"]
        assert "sha256" not in entry.data
        assert digest != hashlib.sha256("好".encode()).hexdigest()  # not guessable by hashing candidates
        assert digest == keys.mac(keys.load_key(settings), "好") == audit.text_digest(session, utt.text)


def _old_sha(fields: dict) -> str:
    return hashlib.sha256(audit.canonical(fields).encode()).hexdigest()


def test_migration_repairs_redacted_digests_and_rehashes_the_chain(settings) -> None:  # noqa: ANN001
    """A database at 0003 with entries as the old code wrote them (plain SHA-256 chain, digest
    redacted by the old redactor) verifies after `db upgrade`, with the digest restored as HMAC."""
    upgrade(settings, "0003_contact_load_index")
    engine = get_engine(settings)
    raw = "我的电话13812345678"
    with session_scope(engine) as session:
        # rows as the 0003 schema has them (today's models have columns added later)
        now = datetime.now(timezone.utc)
        session.execute(text("INSERT INTO citizen (name, id_number, address, area, created_at, version) "
                             "VALUES ('', '', '', '', :n, 1)"), {"n": now})
        citizen_id = session.execute(text("SELECT max(id) FROM citizen")).scalar_one()
        session.execute(text("INSERT INTO contact (channel, citizen_id, status, started_at, disposition, language) "
                             "VALUES ('chat', :c, 'open', :n, '', '普通话')"), {"c": citizen_id, "n": now})
        contact_id = session.execute(text("SELECT max(id) FROM contact")).scalar_one()
        session.execute(text("INSERT INTO utterance (contact_id, speaker, text, is_final, source, started_at, "
                             "created_at, version) VALUES (:c, 'citizen', :t, true, 'chat', :n, :n, 1)"),
                        {"c": contact_id, "t": raw, "n": datetime.now(timezone.utc)})
        utt_id = session.execute(text("SELECT max(id) FROM utterance")).scalar_one()
    # rewrite the whole chain as the old code would have: plain SHA-256, digest redacted
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entry_no_change ON audit_entry") if conn.dialect.name == "postgresql"
                     else text("DROP TRIGGER audit_entry_no_update"))
        if conn.dialect.name != "postgresql":
            conn.execute(text("DROP TRIGGER audit_entry_no_delete"))
        now = datetime(2026, 1, 1, tzinfo=timezone.utc)
        head = conn.execute(text("SELECT seq, hash FROM audit_head")).first()
        if head is None:  # nothing logged yet at 0003: the chain starts with the contact's opening
            conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
            opened = {"seq": 1, "occurred_at": now, "recorded_at": now, "actor": "citizen:1",
                      "action": "contact.started", "entity": "contact", "entity_id": str(contact_id),
                      "case_id": None, "contact_id": contact_id, "before": None, "after": None,
                      "data": {"channel": "chat"}, "prev_hash": "0" * 64, "hash": "0" * 64}
            conn.execute(audit.AuditEntry.__table__.insert(), opened)
            head = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
            head = type("Head", (), {"seq": 1, "hash": head.hash})
        fields = {"seq": head.seq + 1, "occurred_at": now, "recorded_at": now, "actor": "citizen:1",
                  "action": "utterance.stored", "entity": "utterance", "entity_id": str(utt_id), "case_id": None,
                  "contact_id": contact_id, "before": None, "after": None,
                  "data": {"speaker": "citizen", "source": "chat", "text": redact(raw),
                           "sha256": redact(PHONE_IN_HEX)}, "prev_hash": head.hash}
        table = audit.AuditEntry.__table__
        prev = "0" * 64
        for row in conn.execute(table.select().order_by(table.c.seq)).mappings().all():
            row = dict(row, prev_hash=prev)
            prev = _old_sha(row)
            conn.execute(text("UPDATE audit_entry SET prev_hash = :p, hash = :h WHERE id = :i"),
                         {"p": row["prev_hash"], "h": prev, "i": row["id"]})
        fields["prev_hash"] = prev
        # the stored digest: sha256 of the raw text, but redacted (as it was, about 2.4 % of the time)
        digest = hashlib.sha256(raw.encode()).hexdigest()
        fields["data"]["sha256"] = digest[:8] + "【手机号】" + digest[19:]
        fields["hash"] = _old_sha(fields)
        conn.execute(table.insert(), fields)
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": fields["seq"], "h": fields["hash"]})
    result = run_cli(settings, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 0, result.stderr
    with session_scope(engine) as session:
        entry = audit.entries_for(session, action_prefix="utterance.stored")[-1]
        assert entry.data["text_hmac"] == keys.mac(keys.load_key(settings), raw)
        assert "sha256" not in entry.data and entry.data["text"] == "我的电话【手机号】"
    # the triggers are back
    with engine.connect() as conn:
        names = conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'audit_entry%'")
                             if conn.dialect.name == "postgresql" else
                             text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
    assert len([n for n in names if n.startswith("audit_entry")]) >= 2
