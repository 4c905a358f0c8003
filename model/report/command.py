"""`hpa report RUN_DIR [--lang zh|en]`: report.html and report.xlsx (English: report.en.html, report.en.xlsx)
written into a finished run folder, then its brief (model/brief/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from model import atomic
from model.errors import InputError
from model.report.labels import LANGUAGES
from model.report.texts import bilingual, entries


def write_report(run_dir: Path, lang: str = "zh") -> int:
    """Read the run folder, build both files in memory, then write each atomically; 0 when done."""
    from model.report.excel import workbook_bytes
    from model.report.html import render_html
    from model.runfolder import load_run

    if lang not in LANGUAGES:
        raise InputError(f"--lang: expected one of {', '.join(LANGUAGES)}, found {lang!r}")
    run = load_run(Path(run_dir))
    page = render_html(run, lang)
    workbook = workbook_bytes(run, lang)
    suffix = "" if lang == "zh" else f".{lang}"  # English beside the Chinese report, never over it
    html_path, xlsx_path = run.folder / f"report{suffix}.html", run.folder / f"report{suffix}.xlsx"
    atomic.write_text(html_path, page)
    atomic.write_bytes(xlsx_path, workbook)
    print(f"report ({lang}): {html_path} ({len(page.encode()) / 1e6:.1f} MB), {xlsx_path}")
    return 0


def report_command(args: argparse.Namespace) -> int:
    """`hpa report RUN_DIR [--lang zh|en]`: write report.html and report.xlsx, then the brief; returns the report's
    exit status."""
    status = write_report(args.run_dir, args.lang)
    from model.brief import write_brief

    for path in write_brief(args.run_dir):
        print(f"{bilingual(entries('terminal')['brief'])} → {path}")
    return status
