"""The audit chain is keyed (HMAC, key outside the database) and anchored by signed checkpoints
outside the database (issue 18, item 2): `hotline audit verify` catches a tail removed with the
head rewound, a chain recomputed with the app's own function (with the key or without), and
names the first entry that differs."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import text

from hotline.audit import keys
from hotline.audit import service as audit
from hotline.audit.checkpoint import checkpoint_path
from hotline.database import session_scope
from tests.conftest import run_cli
from tests.core.test_audit_log import _fill, _remove_append_only_guard


def _checkpoint(settings) -> None:  # noqa: ANN001
    result = run_cli(settings, "audit", "checkpoint")
    assert result.returncode == 0, result.stderr


def _rewind_tail(engine, keep: int) -> None:  # noqa: ANN001
    """Delete the entries after `keep` and point audit_head at the new last one."""
    with engine.begin() as conn:
        _remove_append_only_guard(conn)
        conn.execute(text("DELETE FROM audit_entry WHERE seq > :k"), {"k": keep})
        last = conn.execute(text("SELECT hash FROM audit_entry WHERE seq = :k"), {"k": keep}).scalar_one()
        conn.execute(text("UPDATE audit_head SET seq = :k, hash = :h WHERE id = 1"), {"k": keep, "h": last})


def _rewrite_and_recompute(engine, seq: int, hash_of) -> None:  # noqa: ANN001
    """Change entry `seq` and recompute its hash and every later one (and the head) with `hash_of`."""
    with engine.begin() as conn:
        _remove_append_only_guard(conn)
        conn.execute(text("UPDATE audit_entry SET actor = 'staff:999' WHERE seq = :s"), {"s": seq})
    with session_scope(engine) as session:
        conn = session.connection()
        rows = audit.entries_for(session, limit=10_000)
        prev = rows[seq - 2].hash if seq > 1 else audit.GENESIS
        for entry in rows[seq - 1:]:
            entry.prev_hash = prev
            new = hash_of(entry)
            conn.execute(text("UPDATE audit_entry SET prev_hash = :p, hash = :h WHERE id = :i"),
                         {"p": prev, "h": new, "i": entry.id})
            prev = new
        conn.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})


def test_entry_hashes_are_keyed(settings, engine) -> None:  # noqa: ANN001
    _fill(engine, 1)
    with session_scope(engine) as session:
        entry = audit.entries_for(session)[0]
        plain = hashlib.sha256(audit.canonical(entry.model_dump()).encode()).hexdigest()
        assert entry.hash != plain
        assert entry.hash == keys.mac(keys.load_key(settings), audit.canonical(entry.model_dump()))
    assert keys.key_path(settings).exists() and (keys.key_path(settings).stat().st_mode & 0o077) == 0


def test_rewound_tail_is_found_against_the_checkpoint(settings, engine) -> None:  # noqa: ANN001
    _fill(engine, 5)
    _checkpoint(settings)
    _rewind_tail(engine, 3)
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 1
    assert "seq=4" in result.stderr and "tail removed" in result.stderr, result.stderr


def test_chain_recomputed_without_the_key_is_named(settings, engine) -> None:  # noqa: ANN001
    """The app's old function (plain SHA-256, no key): the rewritten entry itself is named."""
    _fill(engine, 5)
    _rewrite_and_recompute(engine, 3, lambda e: hashlib.sha256(audit.canonical(e.model_dump()).encode()).hexdigest())
    with engine.connect() as conn:
        row_id = conn.execute(text("SELECT id FROM audit_entry WHERE seq = 3")).scalar_one()
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 1
    assert f"seq=3 id={row_id}" in result.stderr and "content does not match" in result.stderr


def test_chain_recomputed_with_the_key_is_caught_by_the_checkpoints(settings, engine) -> None:  # noqa: ANN001
    """Someone holding the key recomputes a valid chain: the checkpoints taken after each
    entry no longer match, and the first changed one is named."""
    key = keys.load_key(settings)
    for _ in range(5):
        _fill(engine, 1)
        _checkpoint(settings)
    _rewrite_and_recompute(engine, 3, lambda e: audit.entry_hash(e, key))
    with session_scope(engine) as session:
        assert audit.verify(session).ok  # the chain alone looks intact
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 1
    assert "seq=3" in result.stderr and "recomputed" in result.stderr, result.stderr


def test_forged_checkpoint_is_refused(settings, engine) -> None:  # noqa: ANN001
    _fill(engine, 2)
    _checkpoint(settings)
    path = checkpoint_path(settings)
    line = json.loads(path.read_text())
    line["seq"] = 1
    path.write_text(json.dumps(line) + "\n")
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 1 and "line 1" in result.stderr


def test_a_broken_chain_is_never_checkpointed(settings, engine) -> None:  # noqa: ANN001
    _fill(engine, 3)
    with engine.begin() as conn:
        _remove_append_only_guard(conn)
        conn.execute(text("UPDATE audit_entry SET actor = 'x' WHERE seq = 2"))
    result = run_cli(settings, "audit", "checkpoint")
    assert result.returncode == 1 and "seq=2" in result.stderr
    assert not checkpoint_path(settings).exists()


def test_verify_passes_with_checkpoints(settings, engine) -> None:  # noqa: ANN001
    _fill(engine, 2)
    _checkpoint(settings)
    _fill(engine, 2)
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 0 and "4 entries" in result.stdout, result.stderr
