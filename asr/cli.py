"""`hotline asr ...` commands. `ctx.obj` is the hotline Settings object."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

app = typer.Typer(help="语音识别 Speech recognition: batch transcription.", no_args_is_help=True)


@app.command("transcribe")
def transcribe_cmd(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="WAV recordings (PCM any rate, μ-law, A-law)"),
    out: Path = typer.Option(None, "--out", help="write the JSON here (default: stdout)"),
    engine: str = typer.Option(None, "--engine", help="whisper | vosk (default: HOTLINE_ASR_ENGINE)"),
    model: Path = typer.Option(None, "--model", help="model directory (default: from the settings)"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar on stderr"),
) -> None:
    """Transcribe recordings; JSON with segments, word timings, duration, processing time and RTF.
    Exit status 1 if any file failed (the others are still transcribed and written)."""
    import time

    from tqdm import tqdm

    from asr.batch import transcribe_file
    from asr.recognizer import load_engine
    from asr.settings import EngineConfigError, engine_spec

    try:
        name, model_path, options = engine_spec(ctx.obj, engine)
    except EngineConfigError as exc:
        if model is None:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        name, model_path, options = (engine or "whisper"), model, {}
    if model is not None:
        model_path = model
    started = time.perf_counter()
    try:
        recognizer = load_engine(name, model_path, **options)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        typer.echo(f"error: 无法加载识别引擎 (cannot load the {name} engine): {exc}", err=True)
        raise typer.Exit(2) from exc
    load_s = time.perf_counter() - started
    entries = []
    bar = tqdm(files, desc="转写 transcribing", unit="file", disable=not progress, file=sys.stderr)
    for path in bar:
        bar.set_postfix_str(path.name[-30:])
        entry = transcribe_file(recognizer, path)
        entries.append(entry)
        if not entry["ok"]:
            tqdm.write(f"error: {path}: {entry['error']}", file=sys.stderr)
    failed = sum(1 for e in entries if not e["ok"])
    audio_s = sum(e.get("duration_s", 0.0) for e in entries if e["ok"])
    work_s = sum(e.get("processing_s", 0.0) for e in entries if e["ok"])
    report = {"engine": name, "model": str(model_path), "model_load_s": round(load_s, 3), "files": entries,
              "summary": {"files": len(entries), "failed": failed, "audio_s": round(audio_s, 3),
                          "processing_s": round(work_s, 3), "rtf": round(work_s / audio_s, 4) if audio_s else None}}
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}: {len(entries) - failed} transcribed, {failed} failed", err=True)
    else:
        typer.echo(text)
    if failed:
        raise typer.Exit(1)
