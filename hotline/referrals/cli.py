"""`hotline referral ...`: assess a legal-aid application from a JSON file; list the provincial
hardship standards."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import typer

app = typer.Typer(help="Referrals: legal-aid assessment (法律援助法), hardship standards.", no_args_is_help=True)


def _engine(ctx: typer.Context):  # noqa: ANN202
    """The migrated database, with the sample hardship standards seeded if the table is empty."""
    from hotline.database import get_engine, session_scope, upgrade
    from hotline.referrals import hardship

    upgrade(ctx.obj)
    engine = get_engine(ctx.obj)
    with session_scope(engine) as session:
        hardship.seed_defaults(session)
    return engine


@app.command("assess")
def assess(ctx: typer.Context, file: Path = typer.Argument(..., help="application JSON file ('-' = stdin)"),
           today: str = typer.Option("", help="today's date YYYY-MM-DD (default: today in HOTLINE_TIMEZONE)")) -> None:
    """Print the assessment of a legal-aid application as JSON (exit 2 with the errors when the
    application is invalid). Nothing is stored."""
    from hotline.database import session_scope
    from hotline.referrals import hardship
    from hotline.referrals.service import local_today
    from routing.eligibility.application import ApplicationError
    from routing.eligibility.rules import assess_json

    def fail(detail: str, errors: list[dict[str, str]]) -> None:
        typer.echo(json.dumps({"detail": detail, "errors": errors}, ensure_ascii=False, indent=2))
        typer.echo(f"error: {detail}", err=True)
        raise typer.Exit(2)

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"无法读取文件 {file}：{exc.strerror} (cannot read file)", [{"field": "", "message": str(exc)}])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg} (invalid JSON)",
             [{"field": "", "message": exc.msg}])
    try:
        day = date.fromisoformat(today) if today else local_today(ctx.obj.timezone)
    except ValueError:
        fail(f"--today 日期格式须为 YYYY-MM-DD：{today}", [{"field": "today", "message": "日期格式错误"}])
    with session_scope(_engine(ctx)) as session:
        rows = hardship.rows(session)
    try:
        result = assess_json(data, rows, day)
    except ApplicationError as exc:
        fail(str(exc), exc.errors)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@app.command("standards")
def standards(ctx: typer.Context, province: str = typer.Option("", help="only this province")) -> None:
    """List the economic-hardship standards (all versions; * = in force today)."""
    from hotline.database import session_scope
    from hotline.referrals import hardship
    from hotline.referrals.service import local_today

    with session_scope(_engine(ctx)) as session:
        rows = hardship.listing(session, local_today(ctx.obj.timezone), province or None)
    for r in rows:
        mark = "*" if r["in_force"] else " "
        sample = " (示例数值)" if r["sample"] else ""
        typer.echo(f"{mark} {r['province']:<8} {r['effective_from']} v{r['version']} "
                   f"{r['monthly_income_per_member']:>9.2f} 元/人/月  {r['basis']}{sample}")
