"""The FastAPI application: `create_app(settings)`.

The core routers are included here; every other feature exposes `install(app)` (routers,
start-up/shut-down hooks) and is named in `Settings.features`, so the higher layers (admin) plug
into the app without the app importing them.
"""
from __future__ import annotations

import importlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from hotline.assist.service import KnowledgeBaseHolder
from hotline.chat.ratelimit import AddressLimits
from hotline.config import Settings, get_settings
from hotline.database import get_engine, session_scope
from hotline.directory import service as directory
from hotline.privacy import install_log_redaction
from hotline.security import SecurityMiddleware, safe_next
from hotline.validation import check_path_and_query
from hotline.web import STATIC_DIR, templates

log = logging.getLogger("hotline")

@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = app.state
    with session_scope(state.engine) as session:
        directory.seed_defaults(session)
    state.kb.start()
    for hook in state.startup_hooks:
        await hook(state)
    yield
    for hook in reversed(state.shutdown_hooks):
        try:
            await hook(state)
        except Exception:
            log.exception("shutdown hook failed")


async def _stop_said(state) -> None:  # noqa: ANN001
    state.said.shutdown()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_log_redaction()
    # every path and query parameter is checked before any handler (integers beyond 64 bits: 422)
    app = FastAPI(title="12348 公共法律服务热线", lifespan=lifespan, dependencies=[Depends(check_path_and_query)])
    app.add_middleware(SecurityMiddleware, public_url=settings.public_url)  # headers, Origin checks
    state = app.state
    state.settings = settings
    state.engine = get_engine(settings)
    state.kb = KnowledgeBaseHolder(settings.kb_path, enabled=settings.kb_enabled)
    state.startup_hooks = []
    state.shutdown_hooks = []
    state.background_tasks = set()  # flows started after answering the citizen (hotline.contacts.flows.start)
    state.chat_bound = Counter()  # live citizen sockets of this process per chat contact (hotline.chat)
    state.chat_addresses = AddressLimits(settings.chat_rate_per_address, settings.chat_burst_per_address)

    from hotline.assist.views import router as assist_router
    from hotline.auth.throttle import router as throttle_router
    from hotline.auth.views import router as auth_router
    from hotline.cases.views import audit_router, router as cases_router
    from hotline.chat.presence import start_presence, stop_presence
    from hotline.chat.views import router as chat_router
    from hotline.contacts import flows as contact_flows
    from hotline.contacts.views import router as contacts_router

    for router in (auth_router, throttle_router, cases_router, audit_router, contacts_router, chat_router, assist_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    # chats whose citizen closed the page: marked at start-up, ended after a grace period
    state.startup_hooks.append(start_presence)
    state.startup_hooks.append(contact_flows.resume_unrouted)  # acknowledged but never queued before a crash
    state.shutdown_hooks.append(stop_presence)
    contact_flows.install(state)  # the work after each utterance, off the event loop (state.said)
    state.shutdown_hooks.append(_stop_said)
    from hotline.audit import checkpoint

    checkpoint.install(app)  # signed checkpoints of the audit head, outside the database

    @app.get("/healthz")
    async def healthz() -> dict:
        # on the event loop, no database and no thread: it answers while the pools are busy
        return {"ok": True, "kb": state.kb.status, "said": state.said.stats()}

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "home.html", {})

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "") -> HTMLResponse:
        return templates.TemplateResponse(request, "login.html", {"next": safe_next(next)})

    @app.get("/logout")
    def logout_page() -> RedirectResponse:
        return RedirectResponse("/login")

    for name in settings.features.split(","):
        importlib.import_module(name.strip()).install(app)
    return app
