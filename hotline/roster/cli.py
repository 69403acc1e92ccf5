"""`hotline roster ...`: who is on duty, and the roster as CSV (import/export)."""
from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

import typer

app = typer.Typer(help="排班 Duty roster: on duty now/next, CSV import and export.", no_args_is_help=True)
FIELDS = ["username", "days", "start", "end", "kind", "valid_from", "valid_to", "note"]


def _engine(ctx: typer.Context):  # noqa: ANN202
    from hotline.database import get_engine

    return get_engine(ctx.obj)


@app.command("now")
def now_cmd(ctx: typer.Context) -> None:
    """Who is on duty now, and who comes next."""
    from zoneinfo import ZoneInfo

    from hotline.database import session_scope
    from hotline.roster.service import duty_summary
    from hotline.timeutil import utcnow

    with session_scope(_engine(ctx)) as session:
        summary = duty_summary(session, utcnow(), ZoneInfo(ctx.obj.timezone))
    typer.echo("当前值班 on duty now: " + ("、".join(f"{p['name']}（至 {p['until'][:16]}）" for p in summary["now"]) or "无"))
    typer.echo("下一班 next: " + ("、".join(f"{p['name']}（{p['from'][:16]} 起）" for p in summary["next"]) or "无"))


@app.command("export")
def export_cmd(ctx: typer.Context, out: Path = typer.Option(None, "--out", help="file (default: stdout)")) -> None:
    """Write the weekly shifts as CSV."""
    from sqlalchemy import select

    from hotline.auth.models import StaffUser
    from hotline.database import session_scope
    from hotline.roster.models import Shift

    handle = open(out, "w", newline="", encoding="utf-8") if out else sys.stdout
    writer = csv.DictWriter(handle, fieldnames=FIELDS)
    writer.writeheader()
    with session_scope(_engine(ctx)) as session:
        users = {u.id: u.username for u in session.execute(select(StaffUser)).scalars()}
        for s in session.execute(select(Shift).order_by(Shift.user_id, Shift.id)).scalars():
            writer.writerow({"username": users.get(s.user_id, ""), "days": s.days, "start": s.start, "end": s.end,
                             "kind": s.kind, "valid_from": s.valid_from or "", "valid_to": s.valid_to or "",
                             "note": s.note})
    if out:
        handle.close()


@app.command("import")
def import_cmd(ctx: typer.Context, file: Path = typer.Argument(..., exists=True, dir_okay=False),
               replace: bool = typer.Option(False, help="replace each listed lawyer's existing shifts")) -> None:
    """Read shifts from CSV (columns: username,days,start,end,kind,valid_from,valid_to,note). All or nothing."""
    from sqlalchemy import delete

    from hotline.audit import service as audit
    from hotline.auth.service import get_user_by_username
    from hotline.database import session_scope
    from hotline.roster.models import Shift
    from hotline.roster.service import profile
    from routing.roster import parse_time, validate_days

    errors, rows = [], []
    with open(file, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                validate_days(row["days"])
                parse_time(row["start"]), parse_time(row["end"])
                kind = (row.get("kind") or "duty").strip()
                if kind not in ("duty", "appointment"):
                    raise ValueError("kind must be duty or appointment")
                rows.append((number, row, kind))
            except (KeyError, ValueError) as exc:
                errors.append(f"line {number}: {exc}")
    with session_scope(_engine(ctx)) as session:
        users = {}
        for number, row, _ in rows:
            user = get_user_by_username(session, row["username"].strip())
            if user is None or user.role != "lawyer":
                errors.append(f"line {number}: no lawyer {row['username']!r}")
            else:
                users[number] = user
        if errors:
            typer.echo("roster not imported:\n" + "\n".join(errors), err=True)
            raise typer.Exit(2)
        if replace:
            for user in {u.id: u for u in users.values()}.values():
                session.execute(delete(Shift).where(Shift.user_id == user.id))
        for number, row, kind in rows:
            user = users[number]
            profile(session, user.id)
            session.add(Shift(user_id=user.id, days=row["days"].strip(), start=row["start"].strip(),
                              end=row["end"].strip(), kind=kind, note=(row.get("note") or "").strip(),
                              valid_from=date.fromisoformat(row["valid_from"]) if row.get("valid_from") else None,
                              valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None))
        audit.record(session, action="roster.imported", actor="cli", entity="roster", data={"shifts": len(rows),
                                                                                            "file": file.name})
    typer.echo(f"imported {len(rows)} shifts")
