"""Regenerate the single baseline migration from the current models (pre-release only).

Usage: .venv/bin/python scripts/regen_baseline_migration.py
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from hotline.database import MIGRATIONS_DIR, alembic_config

VERSIONS = MIGRATIONS_DIR / "versions"


def main() -> None:
    for old in VERSIONS.glob("0001_baseline*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(cfg, message="baseline", autogenerate=True, rev_id="0001_baseline")
    print("wrote", next(VERSIONS.glob("0001_baseline*.py")))


if __name__ == "__main__":
    main()
