"""The `hotline` command line."""
from __future__ import annotations

import typer

from asr.cli import app as asr_app
from hotline.config import get_settings
from knowledge_base.cli import app as kb_app

app = typer.Typer(help="12348 公共法律服务热线 hotline.", no_args_is_help=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Load settings once; every sub-command finds them in ctx.obj."""
    ctx.obj = get_settings()


app.add_typer(kb_app, name="kb")
app.add_typer(asr_app, name="asr")
