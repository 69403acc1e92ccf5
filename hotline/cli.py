"""The `hotline` command line."""
from __future__ import annotations

import json
import sys

import typer

from asr.cli import app as asr_app
from hotline.config import Settings, get_settings
from hotline.referrals.cli import app as referral_app
from hotline.roster.cli import app as roster_app
from knowledge_base.cli import app as kb_app

app = typer.Typer(help="12348 公共法律服务热线 hotline.", no_args_is_help=True)
db_app = typer.Typer(help="Database: migrations.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit log: verify the hash chain, write checkpoints.", no_args_is_help=True)
user_app = typer.Typer(help="Staff users.", no_args_is_help=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Load settings once; every sub-command finds them in ctx.obj."""
    ctx.obj = get_settings()


def _engine(settings: Settings):  # noqa: ANN202
    from hotline.database import get_engine

    return get_engine(settings)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = "head") -> None:
    """Apply database migrations and seed the default directory (both idempotent)."""
    from hotline.database import session_scope, upgrade
    from hotline.directory.service import seed_defaults

    upgrade(ctx.obj, revision)
    with session_scope(_engine(ctx.obj)) as session:
        seed_defaults(session)
    typer.echo(f"database at {revision}: {ctx.obj.sqlalchemy_url.split('@')[-1]}")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Check the audit log's keyed hash chain and hold it against the signed checkpoints;
    exit 1 naming the first broken entry."""
    from hotline.audit.checkpoint import CheckpointError, check, checkpoint_path
    from hotline.database import session_scope

    try:
        with session_scope(_engine(ctx.obj)) as session:
            result = check(session, ctx.obj)
    except CheckpointError as exc:
        typer.echo(f"audit checkpoints BROKEN: {exc}", err=True)
        raise typer.Exit(1) from exc
    if result.ok:
        typer.echo(f"audit log intact: {result.checked} entries (checkpoints: {checkpoint_path(ctx.obj)})")
        return
    typer.echo(f"audit log BROKEN at entry seq={result.broken_seq} id={result.broken_id}: {result.reason} "
               f"({result.checked} entries before it are intact)", err=True)
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(ctx: typer.Context) -> None:
    """Verify the chain and append a signed checkpoint of its head outside the database
    (run it from cron, or let the server write one every audit_checkpoint_every_s)."""
    from hotline.audit.checkpoint import CheckpointError, checkpoint_path, write
    from hotline.database import session_scope

    try:
        with session_scope(_engine(ctx.obj)) as session:
            cp = write(session, ctx.obj)
    except CheckpointError as exc:
        typer.echo(f"no checkpoint written: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"checkpoint seq={cp.seq} hash={cp.hash} written to {checkpoint_path(ctx.obj)}")


def _read_password(username: str) -> str:
    """The new password: from stdin when it is not a terminal (one line), else prompted twice
    (hidden); never from the command line, which ends up in shell history and `ps`. Checked
    against the policy (hotline.auth.passwords)."""
    from hotline.auth.passwords import PasswordPolicyError, check_password

    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_password(password, username)
    except PasswordPolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return password


@user_app.command("add")
def user_add(ctx: typer.Context, username: str, role: str = typer.Option(..., help="lawyer|manager|legal_aid|mediation|admin"),
             name: str = typer.Option("", help="display name"), office: str = typer.Option("", help="office code"),
             phone: str = typer.Option("", help="on-call phone")) -> None:
    """Create a staff user; the password is prompted for, or read from stdin."""
    from sqlalchemy import select

    from hotline.auth.service import AuthError, create_user
    from hotline.database import session_scope
    from hotline.directory.models import Office

    password = _read_password(username)
    try:
        with session_scope(_engine(ctx.obj)) as session:
            office_id = None
            if office:
                office_row = session.execute(select(Office).where(Office.code == office)).scalar_one_or_none()
                if office_row is None:
                    raise AuthError(f"unknown office code {office!r}")
                office_id = office_row.id
            user = create_user(session, username=username, password=password, role=role, display_name=name,
                               office_id=office_id, phone=phone, actor="cli")
            typer.echo(f"created {user.role} {user.username} (id {user.id})")
    except AuthError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _existing_user(session, username: str):  # noqa: ANN001, ANN202
    import hotline.models_registry  # noqa: F401  (every table, for the foreign keys)
    from hotline.auth.service import get_user_by_username

    user = get_user_by_username(session, username)
    if user is None:
        typer.echo(f"error: no user {username!r}", err=True)
        raise typer.Exit(2)
    return user


@user_app.command("disable")
def user_disable(ctx: typer.Context, username: str) -> None:
    """Disable a staff user and end their sessions."""
    from hotline.auth.service import set_active
    from hotline.database import session_scope

    with session_scope(_engine(ctx.obj)) as session:
        set_active(session, _existing_user(session, username), False, actor="cli")
    typer.echo(f"disabled {username}")


@user_app.command("reset-password")
def user_reset_password(ctx: typer.Context, username: str) -> None:
    """Set a new password (prompted for, or read from stdin) and end the user's sessions."""
    from hotline.auth.service import reset_password
    from hotline.database import session_scope

    password = _read_password(username)
    with session_scope(_engine(ctx.obj)) as session:
        reset_password(session, _existing_user(session, username), password, actor="cli")
    typer.echo(f"password of {username} reset; their sessions were ended")


@app.command("seed-demo")
def seed_demo(ctx: typer.Context, demo: bool = typer.Option(False, "--demo", help="this PostgreSQL database is a demo")) -> None:
    """Create the demo staff accounts if missing (and print their credentials). Their passwords
    are public: on PostgreSQL (a production database) it refuses unless told --demo."""
    from hotline.database import session_scope
    from hotline.demo import seed_demo as seed

    if ctx.obj.sqlalchemy_url.startswith("postgresql") and not demo:
        typer.echo("error: refusing to create demo accounts with public passwords on PostgreSQL; "
                   "pass --demo if this database is a demo", err=True)
        raise typer.Exit(2)
    typer.echo("WARNING: the demo passwords are public: change them (hotline user reset-password NAME) "
               "or disable the accounts (hotline user disable NAME) before real use. 演示账号密码公开，请修改。", err=True)
    with session_scope(_engine(ctx.obj)) as session:
        accounts = seed(session, ctx.obj)
    for username, password, role in accounts:
        typer.echo(f"  {role:10s} {username} / {password}")


@app.command("serve")
def serve(ctx: typer.Context, host: str = typer.Option(None), port: int = typer.Option(None),
          migrate: bool = typer.Option(True, help="apply migrations first")) -> None:
    """Run the hotline web service."""
    import uvicorn

    from hotline.database import upgrade

    settings: Settings = ctx.obj
    if migrate:
        upgrade(settings)
    host, port = host or settings.host, port or settings.port
    base = settings.public_url or f"http://{host}:{port}"
    typer.echo(f"市民咨询 citizen chat:     {base}/chat")
    typer.echo(f"律师工作台 lawyer console: {base}/console")
    typer.echo(f"管理看板 manager dashboard: {base}/dashboard")
    typer.echo(f"工作人员登录 staff login:   {base}/login")
    sys.stdout.flush()
    uvicorn.run("hotline.app:create_app", factory=True, host=host, port=port, ws_max_size=16 * 1024 * 1024,
                log_level="info", log_config=_log_config())


def _log_config() -> dict:
    """uvicorn's logging, with personal data redacted at every handler (a filter on a logger would
    miss its child loggers' records), and the application's loggers (hotline.*, routing, asr.*)
    written by uvicorn's handler at WARNING and above."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "hotline.privacy.RedactingFilter"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


@app.command("config")
def show_config(ctx: typer.Context) -> None:
    """Print the effective settings (secrets hidden)."""
    data = ctx.obj.model_dump(mode="json")
    for key in ("twilio_auth_token", "demo_admin_password", "audit_key"):
        if data.get(key):
            data[key] = "***"
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(kb_app, name="kb")
app.add_typer(asr_app, name="asr")
app.add_typer(roster_app, name="roster")
app.add_typer(referral_app, name="referral")
