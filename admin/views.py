"""Manager pages and API: the dashboard (service levels, charts, overdue cases, referrals, live
queue wall), CSV exports, knowledge-base backlog and FAQ publishing, roster and directory admin."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from admin import analytics, casework, directory_admin, exports, kb_admin
from hotline.assist.models import RATING_REASONS
from hotline.audit import service as audit
from hotline.auth.actor import Actor
from hotline.auth.models import Role, StaffUser
from hotline.auth.permissions import SessionDep
from hotline.database import session_scope
from hotline.deps import require_roles
from hotline.directory.models import Category, OfficeKind
from hotline.timeutil import utcnow
from hotline.web.staff import staff_page
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/admin", tags=["admin"])
pages = APIRouter(tags=["pages"])
manager = require_roles(Role.manager)
MANAGER_PAGES = {"manager"}


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _day(value: str | None, default: date, name: str) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"{DAY_LABELS.get(name, name)}格式应为 YYYY-MM-DD：{value!r}") from exc


DAY_LABELS = {"start": "开始日期", "end": "结束日期"}


class Range:
    """The date-range filter every report takes: local calendar days, both inclusive."""

    def __init__(self, request: Request, start: str | None = Query(None, description="YYYY-MM-DD, local"),
                 end: str | None = Query(None, description="YYYY-MM-DD, local, inclusive"),
                 sl: float = Query(20.0, ge=1, le=600, description="service-level threshold, seconds"),
                 short: float = Query(5.0, ge=0, le=120, description="short-abandon threshold, seconds"),
                 granularity: str | None = Query(None, pattern="^(hour|day|week)$")) -> None:
        self.tz = _tz(request)
        today = utcnow().astimezone(self.tz).date()
        self.end_day = _day(end, today, "end")
        self.start_day = _day(start, self.end_day - timedelta(days=6), "start")
        if self.start_day > self.end_day:
            raise HTTPException(status_code=422, detail="开始日期不能晚于结束日期")
        if (self.end_day - self.start_day).days > 366:
            raise HTTPException(status_code=422, detail="统计区间不能超过一年")
        self.start, self.end = analytics.local_range(self.start_day, self.end_day, self.tz)
        self.thresholds = analytics.Thresholds(service_level_s=sl, short_abandon_s=short)
        self.granularity = granularity

    @property
    def filename(self) -> str:
        return f"{self.start_day:%Y%m%d}-{self.end_day:%Y%m%d}"


# -- dashboard data --------------------------------------------------------------------------------
@router.get("/report")
def report(session: SessionDep, rng: Range = Depends(),
           user: StaffUser = Depends(manager)) -> dict[str, Any]:
    data = analytics.report(session, rng.start, rng.end, rng.tz, rng.thresholds, rng.granularity)
    data["range"].update({"start_day": rng.start_day.isoformat(), "end_day": rng.end_day.isoformat()})
    data["overdue"] = casework.overdue(session, rng.tz)
    data["referrals"] = casework.referrals(session, rng.start, rng.end)
    return data


def _csv_response(text: str, name: str) -> Response:
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/export/contacts.csv")
def export_contacts(session: SessionDep, rng: Range = Depends(),
                    user: StaffUser = Depends(manager)) -> Response:
    text = exports.contacts_csv(session, rng.start, rng.end, rng.tz, rng.thresholds)
    audit.record(session, action="export.contacts", actor=Actor.of(user), entity="export",
                 data={"start": rng.start_day.isoformat(), "end": rng.end_day.isoformat()})
    return _csv_response(text, f"12348-contacts-{rng.filename}.csv")


@router.get("/export/service-levels.csv")
def export_service_levels(session: SessionDep, rng: Range = Depends(),
                          user: StaffUser = Depends(manager)) -> Response:
    data = analytics.report(session, rng.start, rng.end, rng.tz, rng.thresholds, rng.granularity)
    data["range"].update({"start_day": rng.start_day.isoformat(), "end_day": rng.end_day.isoformat()})
    audit.record(session, action="export.service_levels", actor=Actor.of(user), entity="export",
                 data={"start": rng.start_day.isoformat(), "end": rng.end_day.isoformat()})
    return _csv_response(exports.service_levels_csv(data), f"12348-service-levels-{rng.filename}.csv")


# -- knowledge base --------------------------------------------------------------------------------
@router.get("/kb/backlog")
def kb_backlog(session: SessionDep, resolved: bool = False,
               user: StaffUser = Depends(manager)) -> list[dict[str, Any]]:
    return kb_admin.backlog(session, resolved=resolved)


class DismissIn(StrictModel):
    ids: list[int] = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=200)


@router.post("/kb/backlog/dismiss")
def kb_dismiss(body: DismissIn, session: SessionDep,
               user: StaffUser = Depends(manager)) -> dict[str, Any]:
    try:
        return {"dismissed": kb_admin.dismiss(session, body.ids, actor=Actor.of(user), note=body.note)}
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get("/kb/faqs")
def kb_faqs(session: SessionDep, user: StaffUser = Depends(manager)) -> list:
    return kb_admin.list_faqs(session)


def _kb(request: Request) -> Any:
    holder = request.app.state.kb
    if holder.kb is None:
        raise HTTPException(status_code=503,
                            detail=f"知识库尚未就绪，暂不能发布 (knowledge base not ready: {holder.error or 'loading'})")
    return holder.kb


@router.post("/kb/faqs", status_code=201)
async def kb_publish(body: kb_admin.FaqIn, request: Request, user: StaffUser = Depends(manager)) -> dict[str, Any]:
    """Store the FAQ and publish it into the running index (no restart, searches keep running)."""
    kb = _kb(request)
    engine = request.app.state.engine

    def work() -> dict[str, Any]:
        published = None
        try:
            with session_scope(engine) as session:
                row = kb_admin.publish(session, kb, body, author_id=user.id, actor=Actor.of(user))
                published = row.faq_id
                out = kb_admin.faq_out(row)
            return out
        except Exception:
            if published is not None:  # in the index but the commit failed: take it out again
                kb.remove_faq(published)
            raise

    try:
        return await run_in_threadpool(work)
    except kb_admin.KbAdminError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.delete("/kb/faqs/{faq_id}")
async def kb_unpublish(faq_id: str, request: Request, user: StaffUser = Depends(manager)) -> dict[str, Any]:
    kb = request.app.state.kb.kb

    def work() -> dict[str, Any]:
        with session_scope(request.app.state.engine) as session:
            return kb_admin.faq_out(kb_admin.unpublish(session, kb, faq_id, actor=Actor.of(user)))

    try:
        return await run_in_threadpool(work)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


# -- directory: categories and offices ---------------------------------------------------------------
@router.get("/categories")
def categories(session: SessionDep,
               user: StaffUser = Depends(require_roles(Role.manager, Role.lawyer, Role.legal_aid, Role.mediation))
               ) -> list[dict[str, Any]]:
    rows = session.execute(select(Category).order_by(Category.sort_order, Category.code)).scalars()
    return [directory_admin.category_out(c) for c in rows]


def _directory_call(fn: Any) -> Any:
    try:
        return fn()
    except directory_admin.DirectoryError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.post("/categories", status_code=201)
def add_category(body: directory_admin.CategoryIn, session: SessionDep,
                 user: StaffUser = Depends(manager)) -> dict[str, Any]:
    row = _directory_call(lambda: directory_admin.save_category(session, body, actor=Actor.of(user)))
    return directory_admin.category_out(row)


@router.put("/categories/{code}")
def update_category(code: str, body: directory_admin.CategoryIn,
                    session: SessionDep,
                    user: StaffUser = Depends(manager)) -> dict[str, Any]:
    row = _directory_call(lambda: directory_admin.save_category(session, body, actor=Actor.of(user), code=code))
    return directory_admin.category_out(row)


@router.get("/offices")
def offices(session: SessionDep, kind: str | None = None,
            user: StaffUser = Depends(require_roles(Role.manager, Role.lawyer, Role.legal_aid, Role.mediation))
            ) -> list[dict[str, Any]]:
    rows = directory_admin.all_offices(session, include_inactive=user.role in (Role.manager, Role.admin))
    return [directory_admin.office_out(o) for o in rows if kind is None or o.kind == kind]


@router.get("/office-kinds")
def office_kinds(user: StaffUser = Depends(manager)) -> dict[str, str]:
    return OfficeKind.labels


@router.post("/offices", status_code=201)
def add_office(body: directory_admin.OfficeIn, session: SessionDep,
               user: StaffUser = Depends(manager)) -> dict[str, Any]:
    row = _directory_call(lambda: directory_admin.save_office(session, body, actor=Actor.of(user)))
    return directory_admin.office_out(row)


@router.put("/offices/{office_id}")
def update_office(office_id: int, body: directory_admin.OfficeIn,
                  session: SessionDep,
                  user: StaffUser = Depends(manager)) -> dict[str, Any]:
    row = _directory_call(lambda: directory_admin.save_office(session, body, actor=Actor.of(user),
                                                               office_id=office_id))
    return directory_admin.office_out(row)


# -- pages ---------------------------------------------------------------------------------------------
@pages.get("/dashboard", include_in_schema=False)
def dashboard_page(request: Request) -> Response:
    return staff_page(request, "dashboard.html", MANAGER_PAGES, title="管理看板")


@pages.get("/admin/kb", include_in_schema=False)
def kb_page(request: Request) -> Response:
    return staff_page(request, "admin_kb.html", MANAGER_PAGES, {"reasons": RATING_REASONS}, title="知识库维护")


@pages.get("/admin/roster", include_in_schema=False)
def roster_page(request: Request) -> Response:
    return staff_page(request, "admin_roster.html", MANAGER_PAGES, title="排班与技能")


@pages.get("/admin/directory", include_in_schema=False)
def directory_page(request: Request) -> Response:
    return staff_page(request, "admin_directory.html", MANAGER_PAGES, {"office_kinds": OfficeKind.labels},
                      title="名录与类别")


def install(app: FastAPI) -> None:
    """Include this package's routers and register its hooks on the app."""
    app.include_router(router)
    app.include_router(pages)

    async def sync_faqs(state: Any) -> None:
        kb_admin.start_sync(state)

    app.state.startup_hooks.append(sync_faqs)
