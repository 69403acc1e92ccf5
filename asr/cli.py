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
    options.pop("correction", None)  # batch transcription gives the engine's own text
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


@app.command("eval")
def eval_cmd(
    ctx: typer.Context,
    audio: Path = typer.Option(..., "--audio", help="directory with transcripts.jsonl, calls.jsonl and the WAV files"),
    suggest: bool = typer.Option(False, "--suggest", help="add the top 5 articles for reference and transcript"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    cache: Path = typer.Option(None, "--cache", help="keep the raw decodes in this JSON file and reuse them"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show progress on stderr"),
) -> None:
    """Offline and streaming recognition of a test set, raw and corrected: per file the reference,
    the raw and the corrected streamed text; per group (16k, 8k, calls) CER (as written and
    number-normalised), legal-term recall and, with --suggest, overlap@5 (docs/asr.md)."""
    from asr.correct import load_corrector
    from asr.evaluate import build_report, decode_set, format_report, read_set
    from asr.lexicon import recall_terms
    from asr.settings import EngineConfigError, engine_spec

    try:
        rows = read_set(audio)
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    decoded = json.loads(cache.read_text(encoding="utf-8")) if cache is not None and cache.exists() else {}
    missing = [r for r in rows if r["file"] not in decoded]
    if missing:
        try:
            name, model_path, options = engine_spec(ctx.obj)
        except EngineConfigError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        options.pop("correction", None)  # raw decodes: the correction is applied here, to both paths
        from asr.pool import RecognizerPool
        from asr.recognizer import load_engine

        engine = load_engine(name, model_path, **options)
        pool = RecognizerPool(name, str(model_path), options, workers=1, streams_per_worker=1).start()
        if not pool.wait_ready(300):
            pool.close()
            typer.echo(f"error: recognizer pool did not start: {pool.failures}", err=True)
            raise typer.Exit(2)
        try:
            decoded.update(decode_set(missing, audio, engine, pool,
                                      progress=(lambda f: typer.echo(f"解码 decoding {f}", err=True)) if progress else None))
        finally:
            pool.close()
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(decoded, ensure_ascii=False), encoding="utf-8")
    corrector = load_corrector(ctx.obj.data_dir) if getattr(ctx.obj, "asr_correction", True) else None
    search = None
    if suggest:
        from knowledge_base.service import KnowledgeBase

        kb_dir = ctx.obj.kb_path
        if not KnowledgeBase.exists(kb_dir):
            typer.echo(f"error: no knowledge base in {kb_dir} (HOTLINE_KB_DIR; build it with `hotline kb build`)", err=True)
            raise typer.Exit(2)
        kb = KnowledgeBase.load(kb_dir)

        def search(text: str) -> list[str]:
            hits = kb.search(text, top=20, spoken=True).hits
            return [h.id for h in hits if h.kind == "article"][:5]
    report = build_report(rows, decoded, corrector, recall_terms(), search)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        typer.echo(format_report(report))
