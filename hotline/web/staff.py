"""Serving the staff pages: sign-in check (redirect to /login?next=...), role check, the shared
navigation, and plotly.js streamed from the installed `plotly` package (no CDN)."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from hotline.auth.models import ROLE_LABELS
from hotline.deps import current_user_optional
from hotline.web import templates

router = APIRouter(tags=["pages"])

# (path, label, roles that see the link; admin sees everything)
NAV = [
    ("/console", "律师工作台", {"lawyer"}),
    ("/dashboard", "管理看板", {"manager"}),
    ("/admin/kb", "知识库", {"manager"}),
    ("/admin/roster", "排班", {"manager"}),
    ("/admin/directory", "名录与类别", {"manager"}),
    ("/admin/safety", "安全预警", {"manager"}),
    ("/inbox", "转介收件箱", {"legal_aid", "mediation"}),
    ("/admin/wechat", "微信公众号", set()),  # admin only
    ("/admin/users", "账号管理", set()),  # admin only
    # supervision (docs/supervision.md)
    ("/supervision", "督查墙", {"manager"}),
    ("/quality", "质检", {"manager", "lawyer"}),
    ("/followup", "回访", {"manager", "lawyer"}),
]


def nav_for(role: str) -> list[dict[str, str]]:
    return [{"href": href, "label": label} for href, label, roles in NAV if role == "admin" or role in roles]


def staff_page(request: Request, template: str, roles: set[str], context: dict[str, Any] | None = None,
               title: str = "") -> Response:
    """Render a staff page for a signed-in user of one of `roles` (admin always passes)."""
    user = current_user_optional(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    page = {"user": {"id": user.id, "name": user.display_name, "role": user.role, "office_id": user.office_id,
                     "role_label": ROLE_LABELS.get(user.role, user.role)},
            "nav": nav_for(user.role), "path": request.url.path, "title": title,
            # the hotline's clock: "today" on a staff page is today there, not in the browser's zone
            "timezone": request.app.state.settings.timezone}
    if user.role != "admin" and user.role not in roles:
        return templates.TemplateResponse(request, "forbidden.html", {"page": page}, status_code=403)
    return templates.TemplateResponse(request, template, {"page": page, **(context or {})})


def plotly_path() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@router.get("/vendor/plotly.min.js", include_in_schema=False)
def plotly_js() -> FileResponse:
    path = plotly_path()
    if not path.exists():
        raise HTTPException(status_code=404, detail="plotly.js 未安装 (pip install plotly)")
    return FileResponse(path, media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/staff", include_in_schema=False)
def staff_home(request: Request) -> Response:
    """The signed-in user's home page (used by the brand link on staff pages)."""
    from hotline.auth.views import HOME_BY_ROLE

    user = current_user_optional(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME_BY_ROLE.get(user.role, "/"), status_code=303)
