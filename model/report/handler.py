"""`hpa report`'s handler: the report (model/report/command.py), then the brief (model/brief/) of the run folder."""

from __future__ import annotations

import argparse


def report_command(args: argparse.Namespace) -> int:
    """`hpa report RUN_DIR [--lang zh|en]`: write report.html and report.xlsx, then the brief; returns the report's
    exit status."""
    from model.report.command import write_report

    status = write_report(args.run_dir, args.lang)
    from model.brief import write_brief

    for path in write_brief(args.run_dir):
        print(f"简报 / brief → {path}")
    return status
