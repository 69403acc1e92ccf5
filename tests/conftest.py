"""Shared fixtures: settings on a temporary directory, the database on SQLite and (when
HOTLINE_TEST_POSTGRES_URL is set, as in CI) on PostgreSQL, a live server in a subprocess, and
a headless Debian Chromium driven by Playwright."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from hotline.config import PROJECT_ROOT, Settings

PG_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SHARED = Path(os.environ.get("HOTLINE_DATA_DIR", PROJECT_ROOT.parent / "shared"))
HOTLINE_BIN = str(Path(sys.executable).parent / "hotline")


def _pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"hotline_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        from hotline.database import _engines

        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotline.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL not configured (set HOTLINE_TEST_POSTGRES_URL; .ci/run does)")
    yield from _pg_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hotline.db'}"


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values = dict(var_dir=tmp_path / "var", database_url=database_url, data_dir=SHARED, kb_enabled=False)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def engine(settings: Settings):  # noqa: ANN201
    """A migrated database (through Alembic, as in production)."""
    from hotline.database import get_engine, upgrade

    upgrade(settings)
    engine = get_engine(settings)
    yield engine
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in settings.model_dump().items():
        if value is None:
            continue
        env[f"HOTLINE_{key.upper()}"] = str(value)
    return env


@dataclass
class LiveServer:
    """`hotline serve` in a subprocess: real HTTP and WebSocket on a free port."""

    settings: Settings
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "LiveServer":
        self.log_path = self.settings.var_dir / f"server-{self.port}.log"
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        env = settings_env(self.settings)
        self.proc = subprocess.Popen([HOTLINE_BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing; what was committed must survive."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def login(self, username: str, password: str) -> httpx.Client:
        client = self.client()
        r = client.post("/api/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return client


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings).start()
    yield server
    server.stop()


def run_cli(settings: Settings, *args: str, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the `hotline` command with the test's settings."""
    return subprocess.run([HOTLINE_BIN, *args], env=settings_env(settings), capture_output=True, text=True,
                          input=input, timeout=timeout, cwd=PROJECT_ROOT)


@pytest.fixture
def staff_users(settings: Settings, engine) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    """The demo accounts (admin, lawyer1, manager1, legalaid1, mediator1)."""
    from hotline.database import session_scope
    from hotline.demo import seed_demo

    with session_scope(engine) as session:
        accounts = seed_demo(session, settings)
    return {role: (u, p) for u, p, role in accounts}


# -- browser -------------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def agree_to_consent(page) -> None:  # noqa: ANN001
    """The chat page's consent step (issue 19): tick and agree, then the composer appears."""
    page.check("#consent-check")
    page.click("#consent-accept")
    page.wait_for_selector("#composer:not(.hidden)", timeout=15000)
