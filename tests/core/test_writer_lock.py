"""Two writers that lock the same rows in opposite orders must queue, not deadlock (on SQLite
and PostgreSQL). One changes a contact and then appends to the audit log (a voice message's
callback); the other appends to the audit log and then changes that contact (an intake hook).
On PostgreSQL this deadlocked until every writing transaction took the writers' advisory lock
before its first write (`hotline.database.writer_lock`)."""
from __future__ import annotations

import threading

from sqlalchemy import update

from hotline.audit import service as audit
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.database import session_scope


def test_writers_in_opposite_lock_order_queue_instead_of_deadlocking(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        contact_id = contacts.start_chat(s)[0].id
    first_wrote, second_logged = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def row_then_log() -> None:
        try:
            with session_scope(engine) as s:
                s.execute(update(Contact).where(Contact.id == contact_id).values(category_code="labour"))
                first_wrote.set()
                second_logged.wait(timeout=3)  # the other has the log's head by now, unless it queued
                audit.record(s, action="test.first", actor="test", contact_id=contact_id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def log_then_row() -> None:
        try:
            first_wrote.wait(timeout=10)
            with session_scope(engine) as s:
                audit.record(s, action="test.second", actor="test", contact_id=contact_id)
                second_logged.set()
                s.execute(update(Contact).where(Contact.id == contact_id).values(category_code="family"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=row_then_log), threading.Thread(target=log_then_row)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with session_scope(engine) as s:
        assert s.get(Contact, contact_id).category_code == "family"  # the second writer ran after the first
        assert audit.verify(s).ok
