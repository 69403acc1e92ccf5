"""The Alembic migrations create exactly what the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import hotline.models_registry  # noqa: F401
from tests.conftest import run_cli


def test_migrations_match_models(settings, engine):  # noqa: ANN001
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], "run `make migration`: models and migrations differ"
    again = run_cli(settings, "db", "upgrade")  # idempotent
    assert again.returncode == 0, again.stderr
