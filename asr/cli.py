"""`hotline asr ...` commands. `ctx.obj` is the hotline Settings object."""
import typer

app = typer.Typer(help="语音识别 Speech recognition: batch transcription.", no_args_is_help=True)
