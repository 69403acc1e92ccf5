"""The FastAPI application: `create_app(settings)`.

Each feature package exposes `install(app)` (routers, intake hooks, start-up/shut-down hooks),
so this module only lists them.
"""
from __future__ import annotations

import importlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from hotline import intake
from hotline.assist.service import KnowledgeBaseHolder
from hotline.config import Settings, get_settings
from hotline.database import get_engine, session_scope
from hotline.directory import service as directory
from hotline.privacy import install_log_redaction
from hotline.web import STATIC_DIR, templates

log = logging.getLogger("hotline")

FEATURES = ["routing.views", "hotline.referrals.views", "hotline.voice.views", "hotline.console.views", "admin.views",
            # supervision (docs/supervision.md)
            "hotline.deadlines.views", "hotline.followup.views", "hotline.quality.views", "hotline.supervision.views",
            "admin.staffing_views"]


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_log_redaction()
    app = FastAPI(title="12348 公共法律服务热线", lifespan=lifespan)
    state = app.state
    state.settings = settings
    state.engine = get_engine(settings)
    state.kb = KnowledgeBaseHolder(settings.kb_path, enabled=settings.kb_enabled)
    state.intake_hooks = []  # called after each stored citizen utterance (see hotline.intake)
    state.contact_end_hooks = []  # called after a contact ends: async hook(state, contact_id)
    state.startup_hooks = []
    state.shutdown_hooks = []
    state.background_tasks = set()  # intake runs started after answering the citizen (hotline.intake.start)
    state.chat_bound = Counter()  # live citizen sockets of this process per chat contact (hotline.chat)

    from hotline.assist.views import router as assist_router
    from hotline.auth.views import router as auth_router
    from hotline.cases.views import audit_router, router as cases_router
    from hotline.chat.views import router as chat_router, start_presence, stop_presence
    from hotline.contacts.views import router as contacts_router

    for router in (auth_router, cases_router, audit_router, contacts_router, chat_router, assist_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    # chats whose citizen closed the page: marked at start-up, ended after a grace period
    state.startup_hooks.append(start_presence)
    state.startup_hooks.append(intake.resume_unrouted)  # acknowledged but never queued before a crash
    state.shutdown_hooks.append(stop_presence)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True, "kb": state.kb.status}

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "home.html", {})

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "") -> HTMLResponse:
        return templates.TemplateResponse(request, "login.html", {"next": next})

    @app.get("/logout")
    def logout_page() -> RedirectResponse:
        return RedirectResponse("/login")

    for name in FEATURES:
        importlib.import_module(name).install(app)
    return app
