"""The architecture's rules, checked: the import contracts in pyproject.toml ([tool.importlinter])
hold, they fail when a lower layer imports a higher one, and no Python module is over 400 lines."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["hotline", "knowledge_base", "asr", "routing", "admin"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 400
# Generated from the models (scripts/regen_baseline_migration.py), not written by hand.
GENERATED = {Path("hotline/migrations/versions/0001_baseline_baseline.py")}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_import_contracts_are_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "broken" not in done.stdout.split("Contracts:")[-1].replace("0 broken", "")


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("routing/engine.py", "from hotline.queue import service", "routing is not allowed to import hotline"),
    ("hotline/cases/service.py", "import admin.views", "hotline is not allowed to import admin"),
    ("hotline/roster/service.py", "from hotline.queue import views",
     "hotline.roster.service is not allowed to import hotline.queue.views"),
])
def test_a_back_import_breaks_the_contracts(tmp_path: Path, module: str, line: str, broken: str) -> None:
    """The same tree with one import against the arrows (routing → hotline, the circle issue 12
    removed; hotline → admin; a service → a view) fails."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa: E402,F401\n", encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout[-4000:]
    assert broken in done.stdout, done.stdout[-4000:]


def test_no_module_over_400_lines() -> None:
    too_long = {}
    for directory in [*PACKAGES, "tests", "benchmarks", "scripts"]:
        for path in sorted((ROOT / directory).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in GENERATED or "__pycache__" in path.parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                too_long[str(relative)] = lines
    assert not too_long, f"modules over {MAX_LINES} lines (split them by what they do): {too_long}"
