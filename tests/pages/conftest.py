"""Browser tests of the staff pages: one running hotline per test module (SQLite, a small real
knowledge base so suggestions appear), the demo staff accounts, and page helpers."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer, make_settings

STAFF = {1366: {"width": 1366, "height": 768}}
DEMO_PASSWORD = "demo-12348"


@pytest.fixture(scope="session")
def pages_kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small knowledge base built from the real statutes and FAQ (the real build path)."""
    from knowledge_base.encoder import BASE_NAME, build_static_model
    from knowledge_base.index import build_index
    from tests.knowledge_base.conftest import write_small_corpus

    root = tmp_path_factory.mktemp("pages-kb")
    articles, faqs = write_small_corpus(root)
    model = build_static_model(root / "models" / BASE_NAME, progress=False)
    build_index(root / "kb", articles_path=articles, faq_path=faqs, model_name=str(model), progress=False)
    return root / "kb"


@pytest.fixture(scope="module")
def hotline(tmp_path_factory: pytest.TempPathFactory, pages_kb_dir: Path) -> Iterator[LiveServer]:
    """A live server with the demo accounts; `hotline.engine` reaches its database."""
    import shutil

    from hotline.database import get_engine, session_scope, upgrade
    from hotline.demo import seed_demo

    tmp = tmp_path_factory.mktemp("pages")
    kb_dir = tmp / "kb"
    shutil.copytree(pages_kb_dir, kb_dir)  # publishing FAQs writes into the index directory
    settings = make_settings(tmp, f"sqlite:///{tmp / 'hotline.db'}", kb_enabled=True, kb_dir=kb_dir)
    upgrade(settings)
    engine = get_engine(settings)
    with session_scope(engine) as session:
        seed_demo(session, settings)
    server = LiveServer(settings).start()
    server.engine = engine
    wait_for_kb(server)
    yield server
    server.stop()


def wait_for_kb(server: LiveServer, timeout: float = 120) -> None:
    """The knowledge base loads in the background after start-up; wait until it is ready."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = httpx.get(f"{server.url}/healthz", timeout=5).json()["kb"]
        if status["ready"]:
            return
        assert not status["error"], status
        time.sleep(0.2)
    raise AssertionError("knowledge base did not load")


def login(page, base: str, username: str, path: str, password: str = DEMO_PASSWORD) -> None:  # noqa: ANN001
    """Sign in through the real login page, arriving at `path` (which first redirects to /login)."""
    page.goto(f"{base}{path}")
    page.wait_for_url("**/login?next=*")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(f"**{path}*")


class PageErrors:
    """JavaScript errors of a page (uncaught exceptions) and stray "null"/"undefined" rendered as
    text; a page under test should have neither."""

    def __init__(self, page) -> None:  # noqa: ANN001
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def check(self) -> None:
        assert not self.errors, self.errors
        if not self.page.is_closed():
            text = self.page.inner_text("body")
            for word in ("null", "undefined", "NaN", "[object Object]"):
                assert word not in text, f"{word!r} shown on {self.page.url}"
