"""Engine, sessions and migrations.

SQLite (the default, one WAL file) or PostgreSQL (`HOTLINE_DATABASE_URL`). On SQLite every
transaction starts with BEGIN IMMEDIATE so writers are serialised: the audit chain and queue
assignment can never read a stale head and fork.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from hotline.config import Settings
from hotline.timeutil import as_utc

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class UTCDateTime(TypeDecorator):
    """A timezone-aware DateTime that always comes back as aware UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use hotline.timeutil.utcnow()")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        return as_utc(value)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # noqa: ANN001
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    _serialise_writers(engine)
    return engine


WRITER_LOCK = 12348  # the PostgreSQL advisory lock every writing transaction holds (routing's too)
_LOCK_SQL = f"SELECT pg_advisory_xact_lock({WRITER_LOCK})"
_LOCKED = "writer_locked"  # in the connection's info while its transaction holds the lock


def writer_lock(conn: Any) -> None:
    """Take the writers' lock for this transaction (PostgreSQL; once; released at its end)."""
    if conn.dialect.name == "postgresql" and not conn.info.get(_LOCKED):
        conn.info[_LOCKED] = True
        conn.exec_driver_sql(_LOCK_SQL)


def _serialise_writers(engine: Engine) -> None:
    """On PostgreSQL, a transaction takes one advisory lock before its first write or row lock
    (INSERT, UPDATE, DELETE, SELECT ... FOR UPDATE), as a SQLite transaction begins IMMEDIATE.
    Every writing transaction appends to the audit chain, whose head row it locks until commit;
    taking the head after other row locks in one order and before them in another deadlocked
    (a voice message's callback against the routing of a citizen's utterance). With one lock always taken first,
    writers queue instead; readers never wait."""

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if conn.info.get(_LOCKED) or context is None:
            return
        if context.isinsert or context.isupdate or context.isdelete or "FOR UPDATE" in statement:
            conn.info[_LOCKED] = True
            cursor.execute(_LOCK_SQL)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(conn) -> None:  # noqa: ANN001
        conn.info.pop(_LOCKED, None)

    @event.listens_for(engine.pool, "checkin")
    def _returned(_dbapi_connection, record) -> None:  # noqa: ANN001
        if record is not None:
            record.info.pop(_LOCKED, None)


_engines: dict[str, Engine] = {}


def get_engine(settings: Settings) -> Engine:
    url = settings.sqlalchemy_url
    if url not in _engines:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        _engines[url] = make_engine(url)
    from hotline.audit import keys

    keys.register(_engines[url].url, settings)  # the audit chain's HMAC key (outside the database)
    return _engines[url]


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):  # noqa: ANN201
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent)."""
    from alembic import command

    get_engine(settings)  # creates the SQLite directory, registers the audit key
    cfg = alembic_config(settings.sqlalchemy_url)
    from hotline.audit import keys

    cfg.attributes["audit_key"] = keys.load_key(settings)  # 0007_audit_hmac re-keys the chain
    command.upgrade(cfg, revision)
